// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Seeds shared by the fuzz targets: the test pages, the shared samples and hostile shapes.
func monitorSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{readPage(f, "monitor-sample.json"), readPage(f, "monitor-tricky.json")}
	if b, err := os.ReadFile(filepath.Join("/work/shared/samples", "monitor-stream-page.json")); err == nil {
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`{}`, `{"data":[]}`, `{"endCursor":null}`, `{"resultData":[1,"x",null,{}]}`, `[]`, `"`, `{"data":[{"a":"\ud800"}]}`,
		`{"data":[{"timestamp":"2026-02-29T00:00:00Z","ipAddress":"::1%eth0","latitude":1e400}]}`,
		`{"data":[{"eventId":"n","ipAddressLocation":{"latitude":"NaN","longitude":"-Infinity"},"latitude":91,"longitude":"180.5"}]}`,
		`{"endCursor":"c","data":[{"eventId":"a"},` + nested(600, true) + `,{"a":01},tru,{"eventId":"b"}]}`,
		`{"x":` + nested(700, false) + `,"data":[{"eventId":"\u0061","timestamp":"2026-10-02T14:11:00Z","k":1,"k":2}],"endCursor":"a\"b"}`,
		"{\"data\":[{\"a\":\"\xff\",}],\"endCursor\":\"\\u00e9\"}",
		`{"data":[{"a":[}]}`, `{"data":[{} x]}`, escapesPage,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

func usersSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{readPage(f, "admin-users-sample.json"), readPage(f, "admin-users-tricky.json")}
	if b, err := os.ReadFile(filepath.Join("/work/shared/samples", "admin-users-page.json")); err == nil {
		seeds = append(seeds, b)
	}
	for _, s := range []string{
		`{"users":[]}`, `{"paging":{"next":null,"total_set_size":"3"}}`, `{"users":null,"paging":null}`,
		`{"users":[{"id":"a"},` + nested(600, true) + `,{"id":"b",},nope,{"id":"c"}],"paging":{"next":"n","total_set_size":3}}`,
		`{"users":[{"id":"a"]}]}`, `{"users":[{"id":"a"} x]}`, `{"errorCode":"X"}`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// checkValue fails t when v holds a string that is not valid UTF-8 or a double that is not finite
// (either makes an exporter's encoder fail the whole batch).
func checkValue(t *testing.T, where string, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if !utf8.ValidString(v.Str()) {
			t.Fatalf("%s: invalid UTF-8 %q", where, v.Str())
		}
	case pcommon.ValueTypeDouble:
		if math.IsNaN(v.Double()) || math.IsInf(v.Double(), 0) {
			t.Fatalf("%s: %v", where, v.Double())
		}
	case pcommon.ValueTypeMap:
		for k, e := range v.Map().All() {
			if !utf8.ValidString(k) {
				t.Fatalf("%s: invalid UTF-8 key %q", where, k)
			}
			checkValue(t, where, e)
		}
	case pcommon.ValueTypeSlice:
		for _, e := range v.Slice().All() {
			checkValue(t, where, e)
		}
	}
}

// checkRecordValues checks a record's body and attributes, and the coordinates' ranges.
func checkRecordValues(t *testing.T, lr plog.LogRecord) {
	checkValue(t, "body", lr.Body())
	for k, v := range lr.Attributes().All() {
		checkValue(t, k, v)
	}
	for k, limit := range map[string]float64{AttrGeoLocationLat: 90, AttrXDMSourceLocLatitude: 90, AttrGeoLocationLon: 180, AttrXDMSourceLocLongitude: 180} {
		if v, ok := lr.Attributes().Get(k); ok && math.Abs(v.Double()) > limit {
			t.Fatalf("%s out of range: %v", k, v.Double())
		}
	}
}

func flagOf(lr plog.LogRecord) string {
	v, _ := lr.Attributes().Get(AttrConversionError)
	return v.Str()
}

// skimmerResult runs a StreamSkimmer over body in chunks whose sizes come from seed (0: one write).
func skimmerResult(body []byte, seed uint64) skimResult {
	if seed == 0 {
		return skimInChunks(body)
	}
	r := rand.New(rand.NewPCG(seed, seed>>32))
	sizes := make([]int, 1+r.IntN(16))
	for i := range sizes {
		sizes[i] = 1 + r.IntN(1+r.IntN(64))
	}
	return skimInChunks(body, sizes...)
}

// FuzzAppendMonitorPage: any bytes either fail cleanly (dst untouched, a *DecodeError) or append
// one record per ref, every string valid UTF-8, every double finite, every coordinate in range;
// a page with no flagged record was valid JSON; SkimEndCursor and a StreamSkimmer fed the page
// in random chunks agree with it; nothing panics.
func FuzzAppendMonitorPage(f *testing.F) {
	for _, page := range monitorSeeds(f) {
		f.Add(page, uint64(0))
		f.Add(page[:len(page)/2], uint64(7))
	}
	f.Fuzz(func(t *testing.T, body []byte, chunkSeed uint64) {
		lrs := plog.NewLogRecordSlice()
		lrs.AppendEmpty()
		cursor, refs, stats, err := AppendMonitorPage(body, lrs, observedAt, nil)
		skimmed := skimmerResult(body, chunkSeed)
		if whole := skimmerResult(body, 0); whole != skimmed {
			t.Fatalf("stream skimmer depends on chunking: %+v, whole: %+v", skimmed, whole)
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error is not a *DecodeError: %v", err)
			}
			if len(de.Near) > nearBytes || lrs.Len() != 1 || len(refs) != 0 || stats != (PageStats{}) || cursor != "" {
				t.Fatalf("failed page left state behind: %v", err)
			}
			return
		}
		if lrs.Len() != 1+stats.Events || len(refs) != stats.Events || stats.Flagged > stats.Events || stats.Events > maxPageEvents {
			t.Fatalf("counts disagree: records %d, refs %d, stats %+v", lrs.Len()-1, len(refs), stats)
		}
		if stats.Flagged == 0 && !json.Valid(body) && bytes.Count(body, []byte("[")) < 10_000 { // encoding/json's depth limit
			t.Fatalf("accepted invalid JSON without a flag: %q", body)
		}
		flagged := 0
		for i := range stats.Events {
			lr := lrs.At(i + 1)
			checkRecordValues(t, lr)
			if lr.EventName() != EventNameMonitor || lr.ObservedTimestamp() != observedAt {
				t.Fatalf("record %d: event name %q, observed %v", i, lr.EventName(), lr.ObservedTimestamp())
			}
			if flagOf(lr) != "" {
				flagged++
			}
			if lr.Body().Type() == pcommon.ValueTypeStr && refs[i].ID != "" {
				t.Fatalf("record %d kept as text has event id %q", i, refs[i].ID)
			}
			if a, tg := strAttr(lr, actorIdentity.user), strAttr(lr, targetIdentity.user); a != refs[i].Actor || tg != refs[i].Target {
				t.Fatalf("record %d names actor %q and target %q, its ref %q and %q", i, a, tg, refs[i].Actor, refs[i].Target)
			}
		}
		if flagged != stats.Flagged {
			t.Fatalf("%d records flagged, stats say %d", flagged, stats.Flagged)
		}

		skimCursor, ok, serr := SkimEndCursor(body)
		if serr != nil || skimCursor != cursor || ok != (cursor != "") {
			t.Fatalf("skim %q %v %v, append %q", skimCursor, ok, serr, cursor)
		}
		if len(cursor) > maxStreamCursor {
			return // the stream skimmer refuses it, as it should
		}
		if skimmed.Err != "" || !skimmed.Complete || skimmed.Cursor != cursor || skimmed.Events != stats.Events {
			t.Fatalf("stream skimmer %+v, append: cursor %q, %d events", skimmed, cursor, stats.Events)
		}
		if stats.Events > 0 && lrs.At(1).Body().Type() == pcommon.ValueTypeMap {
			if skimmed.EventID != "" && skimmed.EventID != refs[0].ID || skimmed.EventID == "" && len(refs[0].ID) <= maxStreamField && refs[0].ID != "" {
				t.Fatalf("first event id: skimmer %q, append %q", skimmed.EventID, refs[0].ID)
			}
			if ts, ok := parseTimestamp(skimmed.Timestamp); skimmed.Timestamp != "" && (ok != !refs[0].Timestamp.IsZero() || !ts.Equal(refs[0].Timestamp)) {
				t.Fatalf("first event timestamp: skimmer %q, append %v", skimmed.Timestamp, refs[0].Timestamp)
			}
		}
	})
}

// strAttr returns lr's Str attribute key, "" when absent.
func strAttr(lr plog.LogRecord, key string) string {
	if v, ok := lr.Attributes().Get(key); ok {
		return v.Str()
	}
	return ""
}

// FuzzStreamSkimmer: whatever the bytes and however they are split, the skimmer reports the same
// and never panics.
func FuzzStreamSkimmer(f *testing.F) {
	for i, page := range monitorSeeds(f) {
		f.Add(page, uint64(i+1))
	}
	f.Fuzz(func(t *testing.T, body []byte, chunkSeed uint64) {
		whole := skimmerResult(body, 0)
		if got := skimmerResult(body, chunkSeed|1); got != whole {
			t.Fatalf("chunked %+v, whole %+v", got, whole)
		}
		if got := skimInChunks(body, 1); got != whole {
			t.Fatalf("byte by byte %+v, whole %+v", got, whole)
		}
		if whole.Err == "" && whole.ErrAt != len(body) || whole.Err != "" && whole.ErrAt >= len(body) {
			t.Fatalf("accepted %d of %d bytes, error %q", whole.ErrAt, len(body), whole.Err)
		}
		if len(whole.Cursor) > maxStreamCursor || len(whole.EventID) > maxStreamField || len(whole.Timestamp) > maxStreamField {
			t.Fatalf("captured beyond the bounds: %+v", whole)
		}
	})
}

// balanced turns arbitrary bytes into text whose quotes and brackets balance (closers without an
// opener of their kind are dropped; open strings and brackets are closed at the end).
func balanced(b []byte) []byte {
	out := make([]byte, 0, len(b)+8)
	var open []byte
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out = append(out, c)
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			open = append(open, c)
		case '}', ']':
			if len(open) == 0 || closerOf(open[len(open)-1]) != c {
				continue
			}
			open = open[:len(open)-1]
		}
		out = append(out, c)
	}
	if escaped {
		out = append(out, '\\')
	}
	if inString {
		out = append(out, '"')
	}
	for i := len(open) - 1; i >= 0; i-- {
		out = append(out, closerOf(open[i]))
	}
	return out
}

// FuzzMonitorPageOneBadEvent: one event of arbitrary bracket-balanced bytes among valid events
// never fails the page nor any other event: each valid one is converted with its eventId.
func FuzzMonitorPageOneBadEvent(f *testing.F) {
	f.Add([]byte(`{"a":01}`), "id", uint8(1), uint8(3), true)
	f.Add([]byte(nested(600, true)), "x\u00e9", uint8(0), uint8(2), false)
	f.Add([]byte("\"\xff\\"), "", uint8(5), uint8(5), true)
	f.Add([]byte(`}{"endCursor":"no"}],"data":[`), "q\"", uint8(2), uint8(4), false)
	f.Fuzz(func(t *testing.T, junk []byte, id string, at, n uint8, wrapObject bool) {
		n = n%8 + 1
		bad := "[" + string(balanced(junk)) + "]"
		if wrapObject {
			bad = `{"junk":` + bad + "}"
		}
		var page strings.Builder
		page.WriteString(`{"endCursor":"c","data":[`)
		var ids []string
		for i := range int(n) + 1 {
			if i > 0 {
				page.WriteString(" ,\n")
			}
			if i == int(at)%(int(n)+1) {
				page.WriteString(bad)
				ids = append(ids, "")
				continue
			}
			quoted, _ := json.Marshal("ev-" + strconv.Itoa(i) + "-" + id)
			var want string
			_ = json.Unmarshal(quoted, &want)
			ids = append(ids, want)
			page.WriteString(`{"eventId":` + string(quoted) + `,"timestamp":"2026-10-02T14:11:00Z","latitude":"` + strconv.Itoa(int(at)%91) + `"}`)
		}
		page.WriteString(`]}`)
		lrs := plog.NewLogRecordSlice()
		cursor, refs, stats, err := AppendMonitorPage([]byte(page.String()), lrs, observedAt, nil)
		if err != nil {
			t.Fatalf("one bad event failed the page: %v\nbad: %q", err, bad)
		}
		if cursor != "c" || stats.Events != len(ids) {
			t.Fatalf("cursor %q, %d events, want %d", cursor, stats.Events, len(ids))
		}
		for i, want := range ids {
			lr := lrs.At(i)
			checkRecordValues(t, lr)
			if want == "" {
				if flagOf(lr) == "" {
					t.Fatalf("the bad event is not flagged: %q", bad)
				}
				if lr.Body().Type() == pcommon.ValueTypeStr && lr.Body().Str() != validUTF8(bad) {
					t.Fatalf("the bad event's text changed: %q, sent %q", lr.Body().Str(), bad)
				}
				continue
			}
			if refs[i].ID != want || flagOf(lr) != "" || lr.Body().Type() != pcommon.ValueTypeMap {
				t.Fatalf("event %d: id %q (want %q), flag %q, body %v", i, refs[i].ID, want, flagOf(lr), lr.Body().Type())
			}
		}
	})
}

// FuzzDecodeUsersPage: any bytes either fail cleanly or give users whose text is bracket-balanced
// and whose identity, digest and record agree (checkUserRecord); on valid JSON it agrees with
// encoding/json.
func FuzzDecodeUsersPage(f *testing.F) {
	for _, page := range usersSeeds(f) {
		f.Add(page)
		f.Add(page[:len(page)/2])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := DecodeUsersPage(body)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || len(de.Near) > nearBytes || page.Users != nil {
				t.Fatalf("bad failure: %v, %+v", err, page)
			}
			return
		}
		if len(page.Users) > maxPageUsers || page.TotalSetSize < 0 || !page.HasTotal && page.TotalSetSize != 0 {
			t.Fatalf("page %+v", page)
		}
		for i, u := range page.Users {
			var d decoder
			d.reset("test", string(u.Raw)+" ") // a scalar ends at a space
			if !d.extent() || d.pos != len(u.Raw) {
				t.Fatalf("user %d is not one balanced value: %q", i, u.Raw)
			}
			checkUserRecord(t, u)
		}
		if !json.Valid(body) || bytes.Contains(body, []byte(`\u`)) || bytes.Count(body, []byte("[")) >= 10_000 ||
			bytes.Count(body, []byte(`"users"`)) > 1 || bytes.Count(body, []byte(`"paging"`)) > 1 ||
			bytes.Count(body, []byte(`"next"`)) > 1 || bytes.Count(body, []byte(`"total_set_size"`)) > 1 {
			return // encoding/json takes the last of a duplicate key; this takes the first
		}
		if lower := bytes.ToLower(body); !bytes.Equal(lower, body) && foldedKey(lower, body) {
			return // encoding/json matches keys case-insensitively ("Next"); DocuSign's keys, and this, are exact
		}
		var want struct {
			Users  []json.RawMessage `json:"users"`
			Paging *struct {
				Next  *string `json:"next"`
				Total any     `json:"total_set_size"`
			} `json:"paging"`
		}
		if err := json.Unmarshal(body, &want); err != nil {
			return // a type encoding/json refuses, e.g. "users":"x" (DecodeUsersPage refused it too, or ignores it)
		}
		if len(want.Users) != len(page.Users) {
			t.Fatalf("users: %d, encoding/json %d", len(page.Users), len(want.Users))
		}
		for i := range want.Users {
			if !bytes.Equal(want.Users[i], page.Users[i].Raw) {
				t.Fatalf("user %d: %q, encoding/json %q", i, page.Users[i].Raw, want.Users[i])
			}
		}
		if want.Paging != nil && want.Paging.Next != nil && *want.Paging.Next != page.Next {
			t.Fatalf("next %q, encoding/json %q", page.Next, *want.Paging.Next)
		}
	})
}

// checkUserRecord checks one user: its ID and Digest are the reference's (or its content key
// when the reference refuses it), its record is what its tokens say, the same when appended again
// and the same when its tokens were not kept.
func checkUserRecord(t *testing.T, u User) {
	raw := u.Raw
	lrs := plog.NewLogRecordSlice()
	flagged := u.Append(lrs, OperationUpdate, observedAt)
	lr := lrs.At(0)
	checkRecordValues(t, lr)
	if flagged != (flagOf(lr) != "") {
		t.Fatalf("Append says flagged %v, record flag %q", flagged, flagOf(lr))
	}
	id, digest, rerr := referenceUserDigest(raw)
	switch {
	case rerr == nil && (u.ID != id || u.Digest != digest):
		t.Fatalf("id %q digest %x, reference %q %x", u.ID, u.Digest, id, digest)
	case rerr != nil:
		if cid, cdigest := contentKey(raw); u.ID != cid || u.Digest != cdigest {
			t.Fatalf("user without a usable id: %q %x, want its content key %q", u.ID, u.Digest, cid)
		}
	}
	switch err := u.rec.err; {
	case err != nil && rerr == nil:
		t.Fatalf("the reference digested what the tokenizer rejected: %v", err)
	case err != nil && (lr.Body().Str() != validUTF8(string(raw)) || !flagged):
		t.Fatalf("rejected record not kept as flagged text: %q", lr.Body().AsString())
	case err == nil && !json.Valid(raw) && bytes.Count(raw, []byte("[")) < 10_000:
		t.Fatalf("accepted invalid JSON %q", raw)
	case rerr == nil:
		if v, ok := lr.Attributes().Get(AttrUserID); !ok || v.Str() != id {
			t.Fatalf("id %q, record user.id %q", id, v.AsString())
		}
	}
	ud := newUserDecoder()
	ud.budget = 0 // tokens not kept: Append tokenizes again
	for _, again := range []User{u, ud.user(raw, string(raw))} {
		more := plog.NewLogRecordSlice()
		if again.Append(more, OperationUpdate, observedAt) != flagged || !sameRecord(lr, more.At(0)) {
			t.Fatalf("appended again: %v / %v, first %v / %v", more.At(0).Body().AsRaw(), more.At(0).Attributes().AsRaw(), lr.Body().AsRaw(), lr.Attributes().AsRaw())
		}
	}
}

// sameRecord compares two records' fields that Append sets.
func sameRecord(a, b plog.LogRecord) bool {
	return a.Timestamp() == b.Timestamp() && a.ObservedTimestamp() == b.ObservedTimestamp() &&
		a.EventName() == b.EventName() && a.SeverityNumber() == b.SeverityNumber() &&
		a.Body().Equal(b.Body()) && a.Attributes().Equal(b.Attributes())
}

// FuzzUsersPageOneBadUser: one user of arbitrary bracket-balanced bytes among valid users never
// fails the page nor any other user.
func FuzzUsersPageOneBadUser(f *testing.F) {
	f.Add([]byte(`{"id":"x",}`), "u", uint8(1), uint8(3))
	f.Add([]byte(nested(600, false)), "\u00e9", uint8(0), uint8(1))
	f.Add([]byte("\xff\"\\"), "", uint8(2), uint8(2))
	f.Fuzz(func(t *testing.T, junk []byte, id string, at, n uint8) {
		n = n%8 + 1
		bad := "[" + string(balanced(junk)) + "]"
		var body strings.Builder
		body.WriteString(`{"users":[`)
		var ids []string
		for i := range int(n) + 1 {
			if i > 0 {
				body.WriteString(" , ")
			}
			if i == int(at)%(int(n)+1) {
				body.WriteString(bad)
				ids = append(ids, "")
				continue
			}
			quoted, _ := json.Marshal("user-" + strconv.Itoa(i) + "-" + id)
			var want string
			_ = json.Unmarshal(quoted, &want)
			ids = append(ids, want)
			body.WriteString(`{"id":` + string(quoted) + `,"user_status":"active","ds_groups":[{"group_name":"g"}]}`)
		}
		body.WriteString(`],"paging":{"next":null,"total_set_size":"` + strconv.Itoa(len(ids)) + `"}}`)
		page, err := DecodeUsersPage([]byte(body.String()))
		if err != nil {
			t.Fatalf("one bad user failed the page: %v\nbad: %q", err, bad)
		}
		if len(page.Users) != len(ids) || page.TotalSetSize != len(ids) || !page.HasTotal {
			t.Fatalf("%d users, total %d, want %d", len(page.Users), page.TotalSetSize, len(ids))
		}
		for i, want := range ids {
			u := page.Users[i]
			checkUserRecord(t, u)
			if want == "" {
				if string(u.Raw) != bad {
					t.Fatalf("the bad user's text changed: %q, sent %q", u.Raw, bad)
				}
				continue
			}
			if u.ID != want || u.rec.err != nil {
				t.Fatalf("user %d: id %q (want %q), %v", i, u.ID, want, u.rec.err)
			}
		}
	})
}

// FuzzUser: any bytes as one user record never panic, and the user's identity, digest and record
// agree with the reference digest and with each other (checkUserRecord).
func FuzzUser(f *testing.F) {
	f.Add([]byte(`{"id":"u","ds_groups":[{"ds_group_id":"b"},{"ds_group_id":"a"}]}`))
	f.Add([]byte(`{"id":1}`))
	f.Add([]byte("{\"id\":\"\xff\" 1}"))
	f.Add([]byte(`{"id":"u","x":` + nested(600, false) + `}`))
	f.Add([]byte(`{"id":"u","ds_groups":[{"ds_group_id":"a","n":2},{"ds_group_id":"a","n":1},{"x":1},"s",{"ds_group_id":1e400}],"id":"v"}`))
	f.Add([]byte(`{"id":"u","k":{"b":1,"a":2,"b":[{"z":null,"y":true}]},"n":-0.0,"m":1e400,"ds_groups":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkUserRecord(t, decodeUser(raw))
	})
}

// foldedKey says whether a key the page decoder knows appears in body only in another case.
func foldedKey(lower, body []byte) bool {
	for _, k := range []string{`"users"`, `"paging"`, `"next"`, `"total_set_size"`} {
		if bytes.Count(lower, []byte(k)) != bytes.Count(body, []byte(k)) {
			return true
		}
	}
	return false
}
