// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Command benchtable reads `go test -bench` output on stdin and prints the table of BENCHMARKS.md:
// conversion against the encoding/json floor, enrichment against conversion, drain time against the
// round-trip floor, peak heap of a 100k and a 1M backlog, and the users diff. Repeated runs (-count) are summarised by their median.
// Targets are reported, never enforced: it fails only when a benchmark failed or is missing.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Benchmark names as `go test` prints them, without the -GOMAXPROCS suffix.
const (
	benchConvert = "BenchmarkConvertMonitorPage"
	benchFloor   = "BenchmarkFloorStdlibUnmarshal"
	benchEnrich  = "BenchmarkEnrichMonitorPage"
	benchDrain   = "BenchmarkMonitorDrain/events=100000"
	benchDrain1M = "BenchmarkMonitorDrain/events=1000000"
	benchUsers   = "BenchmarkUsersDiff"
	benchInv     = "BenchmarkInventory100k"
)

// Units of the work one benchmark op covers, to turn per-op figures into per-item ones.
const (
	eventsPerPage = 2000
	usersPerDiff  = 100_000
)

// Targets from the performance issue.
const (
	targetConvertRatio = 0.5
	targetEnrichRatio  = 0.10
	targetDrainRatio   = 1.10
	targetHeapGrowth   = 0.20
	targetInventoryMiB = 30
)

// results maps a benchmark name to its metrics by unit, one value per run.
type results struct {
	metrics map[string]map[string][]float64
	header  []string // goos, goarch, cpu lines
	failed  []string
}

var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchmark lines ("BenchmarkX-2  <iterations>  <value> <unit> ...").
func parse(r io.Reader) (*results, error) {
	res := &results{metrics: make(map[string]map[string][]float64)}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "goos:"), strings.HasPrefix(line, "goarch:"), strings.HasPrefix(line, "cpu:"):
			if !slices.Contains(res.header, line) {
				res.header = append(res.header, line)
			}
			continue
		case strings.HasPrefix(line, "--- FAIL"), strings.HasPrefix(line, "FAIL"), strings.HasPrefix(line, "panic:"):
			res.failed = append(res.failed, line)
			continue
		case !strings.HasPrefix(line, "Benchmark"):
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || len(fields)%2 != 0 {
			continue // a benchmark's name printed alone, before its result
		}
		if _, err := strconv.Atoi(fields[1]); err != nil {
			continue
		}
		name := procSuffix.ReplaceAllString(fields[0], "")
		m := res.metrics[name]
		if m == nil {
			m = make(map[string][]float64)
			res.metrics[name] = m
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: metric %q: value %q is not a number", name, fields[i+1], fields[i])
			}
			m[fields[i+1]] = append(m[fields[i+1]], v)
		}
	}
	return res, sc.Err()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// get is the median of unit for benchmark name; missing records what was absent.
func (r *results) get(name, unit string, missing *[]string) float64 {
	v := r.metrics[name][unit]
	if len(v) == 0 {
		*missing = append(*missing, name+" "+unit)
		return 0
	}
	return median(v)
}

// spread is "min–max" of unit over the runs of name.
func (r *results) spread(name, unit string) string {
	v := r.metrics[name][unit]
	if len(v) < 2 {
		return ""
	}
	return fmt.Sprintf("%.3f–%.3f×", slices.Min(v), slices.Max(v))
}

func (r *results) runs(name string) int {
	n := 0
	for _, v := range r.metrics[name] {
		n = max(n, len(v))
	}
	return n
}

// verdict says whether a target is met; known is false when a figure it needs is missing.
func verdict(ok, known bool) string {
	switch {
	case !known:
		return "no result"
	case ok:
		return "met"
	}
	return "NOT met"
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// render writes the table; it returns the metrics it could not find.
func render(w io.Writer, r *results) []string {
	var missing []string
	conv := r.get(benchConvert, "ns/event", &missing)
	floor := r.get(benchFloor, "ns/event", &missing)
	convAllocs := r.get(benchConvert, "allocs/op", &missing) / eventsPerPage
	floorAllocs := r.get(benchFloor, "allocs/op", &missing) / eventsPerPage
	convBytes := r.get(benchConvert, "B/op", &missing) / eventsPerPage
	floorBytes := r.get(benchFloor, "B/op", &missing) / eventsPerPage

	enrich := r.get(benchEnrich, "enrich-ns/event", &missing)
	enrichConv := r.get(benchEnrich, "convert-ns/event", &missing)
	enrichRatio := r.get(benchEnrich, "enrich-ratio", &missing) // the median of each run's ratio: interleaved

	wall := r.get(benchDrain, "wall-ms", &missing)
	drainFloor := r.get(benchDrain, "floor-ms", &missing)
	wall1M := r.get(benchDrain1M, "wall-ms", &missing)
	drainFloor1M := r.get(benchDrain1M, "floor-ms", &missing)
	rcv := r.get(benchDrain, "rcv-heap-MiB", &missing)
	rcv1M := r.get(benchDrain1M, "rcv-heap-MiB", &missing)
	proc := r.get(benchDrain, "peak-heap-MiB", &missing)
	proc1M := r.get(benchDrain1M, "peak-heap-MiB", &missing)

	userNs := r.get(benchUsers, "ns/user", &missing)
	userAllocs := r.get(benchUsers, "allocs/op", &missing) / usersPerDiff
	userBytes := r.get(benchUsers, "B/op", &missing) / usersPerDiff

	invMiB := r.get(benchInv, "inventory-MiB", &missing)
	invNs := r.get(benchInv, "ns/op", &missing)

	for _, h := range r.header {
		fmt.Fprintln(w, h)
	}
	fmt.Fprintf(w, "runs: conversion %d, enrichment %d, drain %d/%d, users %d (medians)\n\n",
		min(r.runs(benchConvert), r.runs(benchFloor)), r.runs(benchEnrich), r.runs(benchDrain), r.runs(benchDrain1M), r.runs(benchUsers))

	known := func(names ...string) bool {
		for _, n := range names {
			for _, m := range missing {
				if strings.HasPrefix(m, n+" ") {
					return false
				}
			}
		}
		return true
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "conversion, 2,000-event page\treceiver\tencoding/json floor\tratio\ttarget\t\t")
	convRatio := ratio(conv, floor)
	fmt.Fprintf(tw, "ns/event\t%.0f\t%.0f\t%.2f×\t≤ %.2f×\t%s\t\n", conv, floor, convRatio, targetConvertRatio, verdict(convRatio <= targetConvertRatio, known(benchConvert, benchFloor)))
	fmt.Fprintf(tw, "allocs/event\t%.1f\t%.1f\t%.2f×\t\t\t\n", convAllocs, floorAllocs, ratio(convAllocs, floorAllocs))
	fmt.Fprintf(tw, "bytes/event\t%.0f\t%.0f\t%.2f×\t\t\t\n", convBytes, floorBytes, ratio(convBytes, floorBytes))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")

	fmt.Fprintln(tw, "enrichment, the same page, every user known\tenrichment\tconversion\tratio\ttarget\t\truns")
	fmt.Fprintf(tw, "ns/event\t%.0f\t%.0f\t%.3f×\t≤ %.2f×\t%s\t%s\n", enrich, enrichConv, enrichRatio, targetEnrichRatio,
		verdict(enrichRatio <= targetEnrichRatio, known(benchEnrich)), r.spread(benchEnrich, "enrich-ratio"))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")

	fmt.Fprintln(tw, "drain, 20 ms per request, page_size 2000\twall ms\tfloor ms\tratio\ttarget\t\truns")
	drainRatio := ratio(wall, drainFloor)
	fmt.Fprintf(tw, "100,000 events\t%.0f\t%.0f\t%.3f×\t≤ %.2f×\t%s\t%s\n", wall, drainFloor, drainRatio, targetDrainRatio,
		verdict(drainRatio <= targetDrainRatio, known(benchDrain)), r.spread(benchDrain, "x-floor"))
	fmt.Fprintf(tw, "1,000,000 events\t%.0f\t%.0f\t%.3f×\t\t\t%s\n", wall1M, drainFloor1M, ratio(wall1M, drainFloor1M), r.spread(benchDrain1M, "x-floor"))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")

	fmt.Fprintln(tw, "peak heap during the drain\t100k MiB\t1M MiB\tdifference\ttarget\t\t")
	growth := ratio(rcv1M-rcv, rcv)
	fmt.Fprintf(tw, "receiver (peak − heap before Start)\t%.1f\t%.1f\t%+.0f%%\t< %.0f%%\t%s\t\n", rcv, rcv1M, 100*growth, 100*targetHeapGrowth, verdict(growth < targetHeapGrowth && growth > -targetHeapGrowth, known(benchDrain, benchDrain1M)))
	fmt.Fprintf(tw, "whole benchmark process\t%.1f\t%.1f\t%+.0f%%\t\t\t\n", proc, proc1M, 100*ratio(proc1M-proc, proc))
	fmt.Fprintln(tw, "\t\t\t\t\t\t")

	fmt.Fprintln(tw, "users diff, 100,000 users, 1% changed\tns/user\tallocs/user\tbytes/user\t\t\t")
	fmt.Fprintf(tw, "digest and compare\t%.0f\t%.1f\t%.0f\t\t\t\n", userNs, userAllocs, userBytes)
	fmt.Fprintln(tw, "\t\t\t\t\t\t")

	fmt.Fprintln(tw, "users inventory, 100,000 users\tMiB\tns/lookup\t\ttarget\t\t")
	fmt.Fprintf(tw, "listed and profiled\t%.1f\t%.0f\t\t≤ %d MiB\t%s\t\n", invMiB, invNs, targetInventoryMiB,
		verdict(invMiB <= targetInventoryMiB, known(benchInv)))
	_ = tw.Flush()
	return missing
}

func main() {
	res, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	missing := render(os.Stdout, res)
	if len(res.failed) > 0 || len(missing) > 0 {
		for _, f := range res.failed {
			fmt.Fprintln(os.Stderr, "benchtable: benchmark run failed:", f)
		}
		for _, m := range missing {
			fmt.Fprintln(os.Stderr, "benchtable: no result for", m)
		}
		os.Exit(1)
	}
}
