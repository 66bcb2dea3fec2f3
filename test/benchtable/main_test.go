// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const sample = `goos: linux
goarch: amd64
cpu: Test CPU
BenchmarkConvertMonitorPage-2         	     100	  20000000 ns/op	  10000 ns/event	 9000000 B/op	  150000 allocs/op
BenchmarkConvertMonitorPage-2         	     100	  18000000 ns/op	   9000 ns/event	 9000000 B/op	  150000 allocs/op
BenchmarkConvertMonitorPage-2         	     100	  30000000 ns/op	  15000 ns/event	 9000000 B/op	  150000 allocs/op
BenchmarkFloorStdlibUnmarshal-2       	      50	  40000000 ns/op	  20000 ns/event	11000000 B/op	  240000 allocs/op
BenchmarkEnrichMonitorPage-2   	      80	  30000000 ns/op	  49.00 MB/s	     13000 convert-ns/event	      1100 enrich-ns/event	         0.0846 enrich-ratio	     14100 ns/event	10900000 B/op	  186800 allocs/op
BenchmarkEnrichMonitorPage-2   	      80	  30000000 ns/op	  49.00 MB/s	     12000 convert-ns/event	      1500 enrich-ns/event	         0.1250 enrich-ratio	     13500 ns/event	10900000 B/op	  186800 allocs/op
BenchmarkEnrichMonitorPage-2   	      80	  30000000 ns/op	  49.00 MB/s	     11000 convert-ns/event	      1000 enrich-ns/event	         0.0909 enrich-ratio	     12000 ns/event	10900000 B/op	  186800 allocs/op
BenchmarkMonitorDrain/events=100000
BenchmarkMonitorDrain/events=100000-2 	       1	      1020 floor-ms	        40.00 peak-heap-MiB	        36.00 rcv-heap-MiB	      1100 wall-ms	         1.078 x-floor	         0 ns/op
BenchmarkMonitorDrain/events=100000-2 	       1	      1020 floor-ms	        40.00 peak-heap-MiB	        36.00 rcv-heap-MiB	      1300 wall-ms	         1.275 x-floor	         0 ns/op
BenchmarkMonitorDrain/events=100000-2 	       1	      1020 floor-ms	        40.00 peak-heap-MiB	        36.00 rcv-heap-MiB	      1000 wall-ms	         0.980 x-floor	         0 ns/op
BenchmarkMonitorDrain/events=1000000-2	       1	     10020 floor-ms	        60.00 peak-heap-MiB	        45.00 rcv-heap-MiB	     11000 wall-ms	         1.098 x-floor	         0 ns/op
BenchmarkUsersDiff-2   	       3	 800000000 ns/op	      8000 ns/user	        33.00 stored-B/user	        50.00 table-B/user	650000000 B/op	 7300000 allocs/op
BenchmarkInventory100k-2   	  200000	       691.0 ns/op	        27.21 inventory-MiB	      32 B/op	       1 allocs/op
BenchmarkInventory100k-2   	  200000	       702.0 ns/op	        31.50 inventory-MiB	      32 B/op	       1 allocs/op
BenchmarkInventory100k-2   	  200000	       650.0 ns/op	        27.30 inventory-MiB	      32 B/op	       1 allocs/op
PASS
`

func TestTableFromBenchmarkOutput(t *testing.T) {
	res, err := parse(strings.NewReader(sample))
	require.NoError(t, err)
	var out bytes.Buffer
	missing := render(&out, res)
	assert.Empty(t, missing)
	table := out.String()
	for _, want := range []string{
		"cpu: Test CPU",
		"runs: conversion 1, enrichment 3, drain 3/1, users 1 (medians)",
		// enrichment: the median of the runs' own ratios (0.0909), not a ratio of medians (1100/12000)
		"1100", "12000", "0.091×", "≤ 0.10×", "0.085–0.125×",
		// conversion: median 10000 ns/event against 20000, 75 vs 120 allocs per event
		"10000", "20000", "0.50×", "75.0", "120.0", "0.62×",
		// drain: 1100 ms against 1020 ms is 1.078× — within the target
		"1100", "1020", "1.078×", "≤ 1.10×", "0.980–1.275×",
		// heap: 36 → 45 MiB is +25%, over the target
		"36.0", "45.0", "+25%", "NOT met",
		// users: per op of 100,000 users
		"8000", "73.0", "6500",
		// inventory: the median of three runs
		"27.3", "691", "≤ 30 MiB",
	} {
		assert.Contains(t, table, want)
	}
	lines := strings.Split(table, "\n")
	assert.Contains(t, findLine(lines, "ns/event"), "met", "0.50× meets ≤ 0.50×")
	assert.NotContains(t, findLine(lines, "ns/event"), "NOT met")
	assert.Contains(t, findLine(lines, "100,000 events"), " met")
	assert.Contains(t, lines[findIndex(lines, "enrichment, the same page")+1], " met", "0.091× meets ≤ 0.10×")
	assert.Contains(t, findLine(lines, "receiver (peak"), "NOT met")
	assert.Contains(t, findLine(lines, "listed and profiled"), " met")
	assert.NotContains(t, findLine(lines, "listed and profiled"), "NOT met")
}

func findLine(lines []string, prefix string) string {
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}

func findIndex(lines []string, prefix string) int {
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return i
		}
	}
	return -1
}

func TestMissingAndFailedBenchmarksAreReported(t *testing.T) {
	res, err := parse(strings.NewReader("BenchmarkConvertMonitorPage-2  10  5 ns/event  1 B/op  1 allocs/op\n--- FAIL: BenchmarkMonitorDrain\nFAIL\n"))
	require.NoError(t, err)
	var out bytes.Buffer
	missing := render(&out, res)
	assert.Contains(t, findLine(strings.Split(out.String(), "\n"), "ns/event"), "no result", "no verdict without the floor")
	assert.Contains(t, missing, "BenchmarkFloorStdlibUnmarshal ns/event")
	assert.Contains(t, missing, "BenchmarkEnrichMonitorPage enrich-ratio")
	assert.Contains(t, missing, "BenchmarkInventory100k inventory-MiB")
	assert.Contains(t, missing, "BenchmarkMonitorDrain/events=100000 wall-ms")
	assert.Equal(t, []string{"--- FAIL: BenchmarkMonitorDrain", "FAIL"}, res.failed)
}

func TestMalformedValueNamesTheMetric(t *testing.T) {
	_, err := parse(strings.NewReader("BenchmarkUsersDiff-2  3  abc ns/user\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `BenchmarkUsersDiff: metric "ns/user"`)
}

func TestMedianOfRuns(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 2, 3}))
}
