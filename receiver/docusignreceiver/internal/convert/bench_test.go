// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// buildPage makes a realistic n-event page from the sample events with distinct ids, timestamps
// and addresses, under eventsKey ("data" or "resultData"), endCursor first or last.
func buildPage(tb testing.TB, n int, eventsKey string, cursorFirst bool) []byte {
	tb.Helper()
	var sample struct {
		Data []map[string]any `json:"data"`
	}
	require.NoError(tb, json.Unmarshal(readPage(tb, "monitor-sample.json"), &sample))
	base := time.Date(2026, 10, 2, 14, 0, 0, 0, time.UTC)
	var events bytes.Buffer
	enc := json.NewEncoder(&events)
	enc.SetEscapeHTML(false)
	for i := range n {
		ev := maps.Clone(sample.Data[i%len(sample.Data)])
		ev["eventId"] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*7919, i%65536, i%4096, (i*31)%4096, i*104729)
		ev["timestamp"] = base.Add(time.Duration(i) * 37_123_400 * time.Nanosecond).Format("2006-01-02T15:04:05.0000000Z")
		if ev["object"] != "User" {
			ev["ipAddress"] = fmt.Sprintf("198.51.%d.%d", (i/256)%256, i%256)
		}
		if i > 0 {
			events.WriteByte(',')
		}
		require.NoError(tb, enc.Encode(ev))
	}
	cursor := `"endCursor":"aa_639001152000000000_639001152000000000_3"`
	list := `"` + eventsKey + `":[` + events.String() + `]`
	if cursorFirst {
		return []byte("{" + cursor + "," + list + "}")
	}
	return []byte("{" + list + "," + cursor + "}")
}

const benchEvents = 2000

func reportPerEvent(b *testing.B, events int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
}

// BenchmarkConvertMonitorPage is the hot path: one 2,000-event page into a fresh plog.Logs.
func BenchmarkConvertMonitorPage(b *testing.B) {
	page := buildPage(b, benchEvents, "data", true)
	var refs []EventRef
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		logs := plog.NewLogs()
		lrs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		var err error
		_, refs, _, err = AppendMonitorPage(page, lrs, observedAt, refs)
		if err != nil {
			b.Fatal(err)
		}
	}
	reportPerEvent(b, benchEvents)
}

// BenchmarkFloorStdlibUnmarshal is the floor the conversion is measured against: encoding/json
// into []map[string]any of the same page bytes.
func BenchmarkFloorStdlibUnmarshal(b *testing.B) {
	page := buildPage(b, benchEvents, "data", true)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var p struct {
			EndCursor string           `json:"endCursor"`
			Data      []map[string]any `json:"data"`
		}
		if err := json.Unmarshal(page, &p); err != nil {
			b.Fatal(err)
		}
	}
	reportPerEvent(b, benchEvents)
}

// BenchmarkPdataCopyOfConvertedPage copies an already converted page: the cost of creating the
// same pdata with no decoding at all, i.e. what no decoder can go below.
func BenchmarkPdataCopyOfConvertedPage(b *testing.B) {
	page := buildPage(b, benchEvents, "data", true)
	converted := plog.NewLogRecordSlice()
	if _, _, _, err := AppendMonitorPage(page, converted, observedAt, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		converted.CopyTo(plog.NewLogRecordSlice())
	}
	reportPerEvent(b, benchEvents)
}

func BenchmarkSkimEndCursor(b *testing.B) {
	page := buildPage(b, benchEvents, "data", false)
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := SkimEndCursor(page); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCostRatio measures convert/floor in short alternating windows (5 pages each, min over
// rounds), because on a shared machine two separately run benchmarks are not comparable. It reports
// wall time and process CPU time (which includes the GC's background work). Opt-in: CONVERT_RATIO=1.
func TestCostRatio(t *testing.T) {
	if os.Getenv("CONVERT_RATIO") == "" {
		t.Skip("set CONVERT_RATIO=1 to measure the conversion/floor cost ratio")
	}
	page := buildPage(t, benchEvents, "data", true)
	converted := plog.NewLogRecordSlice()
	_, refs, _, err := AppendMonitorPage(page, converted, observedAt, nil)
	require.NoError(t, err)
	ops := map[string]func(){
		"convert": func() {
			lrs := plog.NewLogs().ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
			_, refs, _, _ = AppendMonitorPage(page, lrs, observedAt, refs)
		},
		"floor": func() {
			var p struct {
				EndCursor string           `json:"endCursor"`
				Data      []map[string]any `json:"data"`
			}
			_ = json.Unmarshal(page, &p)
		},
		"pdata": func() { converted.CopyTo(plog.NewLogRecordSlice()) },
	}
	cpuNow := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	const window = 5
	wall, cpu := map[string]time.Duration{}, map[string]time.Duration{}
	for round := range 25 {
		for _, name := range []string{"convert", "floor", "pdata"} {
			w0, c0 := time.Now(), cpuNow()
			for range window {
				ops[name]()
			}
			w, c := time.Since(w0)/window, (cpuNow()-c0)/window
			if round == 0 || w < wall[name] {
				wall[name] = w
			}
			if round == 0 || c < cpu[name] {
				cpu[name] = c
			}
		}
	}
	t.Logf("per page: convert %v wall / %v cpu; floor %v / %v; pdata-only copy %v / %v",
		wall["convert"], cpu["convert"], wall["floor"], cpu["floor"], wall["pdata"], cpu["pdata"])
	t.Logf("ratio convert/floor: wall %.3f, cpu %.3f (target <= 0.5); pdata-only/floor: wall %.3f, cpu %.3f",
		float64(wall["convert"])/float64(wall["floor"]), float64(cpu["convert"])/float64(cpu["floor"]),
		float64(wall["pdata"])/float64(wall["floor"]), float64(cpu["pdata"])/float64(cpu["floor"]))
}
