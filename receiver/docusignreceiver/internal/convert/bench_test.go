// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
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
