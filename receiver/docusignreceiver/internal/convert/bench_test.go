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
	return buildPageWith(tb, n, eventsKey, cursorFirst, nil)
}

// buildPageWith is buildPage with edit applied to the i-th event (when not nil) before it is encoded.
func buildPageWith(tb testing.TB, n int, eventsKey string, cursorFirst bool, edit func(i int, ev map[string]any)) []byte {
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
		if edit != nil {
			edit(i, ev)
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

// buildUsersPage makes an n-user Admin API page from the sample users, with distinct ids, names
// and groups.
func buildUsersPage(tb testing.TB, n int) []byte {
	tb.Helper()
	var sample struct {
		Users []map[string]any `json:"users"`
	}
	require.NoError(tb, json.Unmarshal(readPage(tb, "admin-users-sample.json"), &sample))
	users := make([]map[string]any, n)
	for i := range users {
		u := maps.Clone(sample.Users[i%len(sample.Users)])
		u["id"] = fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", i*7919, i%65536, i%4096, (i*31)%4096, i*104729)
		u["user_name"] = fmt.Sprintf("User %d", i)
		u["email"] = fmt.Sprintf("user%d@example.com", i)
		u["ds_groups"] = []map[string]any{
			{"ds_group_id": fmt.Sprintf("g-%d", i%7), "group_name": fmt.Sprintf("Group %d", i%7), "is_admin": i%7 == 0},
			{"ds_group_id": "g-all", "group_name": "Everyone", "is_admin": false},
		}
		users[i] = u
	}
	page, err := json.Marshal(map[string]any{"users": users, "paging": map[string]any{"result_set_size": n, "total_set_size": 10 * n}})
	require.NoError(tb, err)
	return page
}

const benchUsers = 250

// BenchmarkUsersPage is one full users page as the users source handles it: decoded, every user
// tokenized once and digested, and then every record appended (append=all: a first sync) or none
// (append=none: a sync where nobody changed).
func BenchmarkUsersPage(b *testing.B) {
	page := buildUsersPage(b, benchUsers)
	for _, appendAll := range []bool{true, false} {
		name := "append=none"
		if appendAll {
			name = "append=all"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(page)))
			b.ReportAllocs()
			var sink byte
			for b.Loop() {
				p, err := DecodeUsersPage(page)
				if err != nil {
					b.Fatal(err)
				}
				lrs := plog.NewLogRecordSlice()
				for i := range p.Users {
					sink ^= p.Users[i].Digest[0]
					if appendAll {
						p.Users[i].Append(lrs, OperationCreate, observedAt)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchUsers), "ns/user")
			_ = sink
		})
	}
}

// benchUserID is the id of the i-th user of the enrichment benchmark's inventory.
func benchUserID(i int) string {
	return fmt.Sprintf("%08x-%04x-4%03x-9%03x-%012x", i*104729, i%65536, i%4096, (i*17)%4096, i*7919)
}

// benchInventory is an inventory of n users whose identities are of the size of
// BenchmarkUsersPage's users: an email, names, a status and two groups.
func benchInventory(n int) map[string]Identity {
	inv := make(map[string]Identity, n)
	for i := range n {
		first, last := fmt.Sprintf("Firstname%d", i), fmt.Sprintf("Lastname%d", i)
		inv[benchUserID(i)] = Identity{
			Email: fmt.Sprintf("user%d@example.com", i), UserName: first + " " + last, FirstName: first, LastName: last,
			Status: "active", Groups: []string{fmt.Sprintf("Group %d", i%7), "Everyone"},
		}
	}
	return inv
}

// benchEnrichUsers is the size of the enrichment benchmark's inventory.
const benchEnrichUsers = 10_000

// buildEnrichPage is buildPage's page with its actors spread over benchEnrichUsers users and a
// target (affectedUserId) on each event about a User, a third of them.
func buildEnrichPage(tb testing.TB) []byte {
	return buildPageWith(tb, benchEvents, "data", true, func(i int, ev map[string]any) {
		ev["userId"] = benchUserID(i * 7 % benchEnrichUsers)
		if ev["object"] == "User" {
			ev["affectedUserId"] = benchUserID(i * 13 % benchEnrichUsers)
		}
	})
}

// The enrichment benchmark (enrich_bench_test.go) is in package convert_test, to use the receiver's
// own inventory (package identity imports this one); these hand it the page and the users.
var (
	BuildEnrichPage  = buildEnrichPage
	BenchInventory   = benchInventory
	BenchEventsCount = benchEvents
	BenchUsersCount  = benchEnrichUsers
	ObservedAt       = observedAt
)
