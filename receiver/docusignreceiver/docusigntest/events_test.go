// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// generatedPage encodes positions [0, n) of s without HTTP.
func generatedPage(t testing.TB, s *Server, n int) []byte {
	t.Helper()
	p, err := s.streamPage(s.Cursor(0), n, s.now())
	require.NoError(t, err)
	body, _ := s.appendPage(nil, p, pageShape{dataKey: "data", endCursor: p.endCursor})
	return body
}

func TestGeneratedEventsAreRealistic(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 21})
	s.AddMonitorEvents(5000, testNow.Add(-24*time.Hour), 17*time.Second)
	dec := json.NewDecoder(bytes.NewReader(generatedPage(t, s, 5000)))
	dec.UseNumber()
	var page struct {
		EndCursor string           `json:"endCursor"`
		Data      []map[string]any `json:"data"`
	}
	require.NoError(t, dec.Decode(&page))
	require.Len(t, page.Data, 5000)

	docRanges := []netip.Prefix{
		netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24"),
		netip.MustParsePrefix("203.0.113.0/24"), netip.MustParsePrefix("2001:db8::/32"),
	}
	kinds, cities, fractionDigits := map[string]int{}, map[string]bool{}, map[int]int{}
	ids := map[string]bool{}
	var ipv4, ipv6, noUserAgent, emptyResult, withClientInfo, withFlatFields, severities, arrays int
	for i, e := range page.Data {
		for _, f := range []string{"timestamp", "eventId", "site", "accountId", "organizationId", "userId", "ipAddress", "object", "action", "result", "source", "data"} {
			if _, ok := e[f]; !ok {
				t.Fatalf("event %d has no %s", i, f)
			}
		}
		id := e["eventId"].(string)
		if ids[id] {
			t.Fatalf("duplicate eventId %s", id)
		}
		ids[id] = true
		ts := e["timestamp"].(string)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		frac := 0
		if dot := strings.IndexByte(ts, '.'); dot >= 0 {
			frac = len(ts) - dot - 2
		}
		fractionDigits[frac]++

		addr, err := netip.ParseAddr(e["ipAddress"].(string))
		if err != nil || addr.String() != e["ipAddress"] {
			t.Fatalf("event %d: ipAddress %v is not a canonical address (%v)", i, e["ipAddress"], err)
		}
		inDocs := false
		for _, p := range docRanges {
			inDocs = inDocs || p.Contains(addr)
		}
		if !inDocs {
			t.Fatalf("%s is not a documentation address", addr)
		}
		if addr.Is4() {
			ipv4++
		} else {
			ipv6++
		}

		kinds[e["object"].(string)+" "+e["action"].(string)]++
		if loc, ok := e["ipAddressLocation"].(map[string]any); ok {
			cities[loc["city"].(string)] = true
		}
		if _, ok := e["userAgent"]; !ok {
			noUserAgent++
		}
		if _, ok := e["userAgentClientInfo"].(map[string]any); ok {
			withClientInfo++
		}
		if _, ok := e["latitude"].(json.Number); ok {
			withFlatFields++
		}
		if e["result"] == "" {
			emptyResult++
		}
		data := e["data"].(map[string]any)
		for k, v := range data {
			switch v := v.(type) {
			case string:
			case []any:
				arrays++
				for _, item := range v {
					if _, ok := item.(string); !ok {
						t.Fatalf("event %d: data.%s holds a %T; arrays hold only strings", i, k, item)
					}
				}
			default:
				t.Fatalf("event %d: data.%s is %T; data values are strings or arrays of strings", i, k, v)
			}
		}
		if e["object"] == "Alert" {
			require.Equal(t, "", e["result"])
			if sev, ok := data["Severity"]; ok {
				require.Contains(t, []string{"Low", "Medium", "High"}, sev)
				severities++
			}
			require.IsType(t, "", data["Count"])
			require.IsType(t, []any{}, data["EventIds"])
		}
	}
	for _, k := range []string{"Envelope Sent", "Envelope Created", "Envelope Voided", "User Login", "Template Created",
		"Group UserAdded", "PermissionSet Updated", "Account Updated", "User Created"} {
		assert.Positive(t, kinds[k], k)
	}
	alerts := 0
	for k, n := range kinds {
		if strings.HasPrefix(k, "Alert ") {
			alerts += n
		}
	}
	assert.Positive(t, alerts)
	assert.Less(t, severities, alerts, "some alerts have no severity")
	for _, c := range []string{"münchen", "são paulo", "東京", "kraków"} {
		assert.True(t, cities[c], c)
	}
	assert.Positive(t, ipv4)
	assert.Positive(t, ipv6)
	assert.Less(t, ipv6, ipv4)
	assert.Positive(t, noUserAgent, "some events lack optional fields")
	assert.Positive(t, emptyResult)
	assert.Positive(t, withClientInfo)
	assert.Positive(t, withFlatFields)
	assert.Greater(t, arrays, alerts, "arrays in alerts and elsewhere")
	assert.Greater(t, fractionDigits[7], 2500, "mostly 7 fractional digits: %v", fractionDigits)
	assert.Positive(t, fractionDigits[3]+fractionDigits[2]+fractionDigits[1], "some with fewer: %v", fractionDigits)
}

func TestGeneratedEventsAreDeterministic(t *testing.T) {
	build := func(seed int64) []byte {
		s := newTestServer(t, Options{Seed: seed, Now: testclock.New(testNow).Now})
		s.AddMonitorEvents(300, testNow.Add(-time.Hour), 7*time.Second)
		return generatedPage(t, s, 300)
	}
	require.Greater(t, len(build(1)), 300*500, "the page holds the events")
	assert.Equal(t, build(1), build(1))
	assert.NotEqual(t, build(1), build(2))
}

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnewline\n\x01", "münchen 東京"} {
		var back string
		require.NoError(t, json.Unmarshal(appendJSONString(nil, s), &back))
		assert.Equal(t, s, back)
	}
}

func TestTimestampRoundTrip(t *testing.T) {
	for _, s := range []string{"2024-07-07T16:20:36.1227494Z", "2026-10-02T14:07:40.12Z", "2026-10-02T14:07:40Z", "1969-12-31T23:59:59.9999999Z"} {
		ts, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err)
		assert.Equal(t, s, string(appendTimestamp(nil, toTicks(ts))))
		assert.True(t, fromTicks(toTicks(ts)).Equal(ts))
	}
}

func TestParseISOTime(t *testing.T) {
	want := time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC)
	for in, out := range map[string]time.Time{
		"2026-10-03":                   want,
		"2026-10-03T00:00:00Z":         want,
		"2026-10-03T00:00:00.000Z":     want,
		"2026-10-03T02:00:00+02:00":    want,
		"2026-10-03T02:00:00 02:00":    want, // '+' decoded from an unencoded query string
		"2026-10-03T00:00:00":          want,
		"2026-10-03T00:00:00.1234567Z": want.Add(123456700),
	} {
		got, err := parseISOTime(in)
		require.NoError(t, err, in)
		assert.True(t, out.Equal(got), "%s → %s", in, got)
	}
	for _, in := range []string{"", "yesterday", "2026-13-01", "03/10/2026", "1696291200"} {
		_, err := parseISOTime(in)
		assert.Error(t, err, in)
	}
}

// BenchmarkEncodePage2000 is the server CPU cost of one full page: 50 of them serve 100,000 events.
func BenchmarkEncodePage2000(b *testing.B) {
	s := newTestServer(b, Options{Seed: 1})
	s.AddMonitorEvents(100_000, time.Now().Add(-24*time.Hour), 500*time.Millisecond)
	p, err := s.streamPage(s.Cursor(50_000), MaxMonitorLimit, time.Now())
	require.NoError(b, err)
	shape := pageShape{dataKey: "data", endCursor: p.endCursor}
	buf, _ := s.appendPage(nil, p, shape)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = s.appendPage(buf[:0], p, shape)
	}
}

// BenchmarkServe100kIn50Pages drains a 100,000-event backlog over HTTP, as a receiver would
// (the client only skims endCursor, so the time is mostly the server's).
func BenchmarkServe100kIn50Pages(b *testing.B) {
	s := newTestServer(b, Options{Seed: 1})
	s.AddMonitorEvents(100_000, time.Now().Add(-24*time.Hour), 500*time.Millisecond)
	tok := token(b, s, time.Now())
	var body bytes.Buffer
	for b.Loop() {
		cursor, pages := s.Cursor(0), 0
		for {
			resp, err := http.DefaultClient.Do(authGet(b, streamURL(s, cursor, MaxMonitorLimit), tok))
			require.NoError(b, err)
			body.Reset()
			_, err = body.ReadFrom(resp.Body)
			resp.Body.Close()
			require.NoError(b, err)
			require.Equal(b, http.StatusOK, resp.StatusCode)
			const prefix = `{"endCursor":"` // skim endCursor, the first member
			raw := body.Bytes()[len(prefix):]
			next := string(raw[:bytes.IndexByte(raw, '"')])
			if next == cursor {
				break
			}
			cursor = next
			pages++
		}
		require.Equal(b, 50, pages)
	}
}

// BenchmarkAddMillionEvents is the cost of building a 1,000,000-event backlog.
func BenchmarkAddMillionEvents(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		s := &Server{opts: Options{Seed: 1}}
		s.AddMonitorEvents(1_000_000, time.Now().Add(-6*24*time.Hour), 500*time.Millisecond)
	}
}

// namedUsers are the user ids an event names: its actor and its target, where it has one.
type namedUsers struct {
	actor   string
	targets []string // affectedUserId and data.AffectedUserId, where present and not empty
	kind    string   // object and action
}

func decodeNamedUsers(t testing.TB, page []byte) []namedUsers {
	t.Helper()
	var body struct {
		Data []struct {
			UserID         string         `json:"userId"`
			AffectedUserID *string        `json:"affectedUserId"`
			Object         string         `json:"object"`
			Action         string         `json:"action"`
			Data           map[string]any `json:"data"`
		} `json:"data"`
	}
	require.NoError(t, json.Unmarshal(page, &body))
	out := make([]namedUsers, len(body.Data))
	for i, e := range body.Data {
		out[i] = namedUsers{actor: e.UserID, kind: e.Object + " " + e.Action}
		if e.AffectedUserID != nil && *e.AffectedUserID != "" {
			out[i].targets = append(out[i].targets, *e.AffectedUserID)
		}
		if v, ok := e.Data["AffectedUserId"].(string); ok {
			out[i].targets = append(out[i].targets, v)
		}
	}
	return out
}

func TestGeneratedEventsNameTheOrganisationsUsers(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 31})
	s.AddUsers(120)
	s.AddMonitorEvents(4000, testNow.Add(-24*time.Hour), 17*time.Second)
	events := decodeNamedUsers(t, generatedPage(t, s, 4000))
	actors, targeted := map[string]bool{}, 0
	for i, e := range events {
		require.True(t, s.IsUser(e.actor), "event %d: actor %q is a user", i, e.actor)
		actors[e.actor] = true
		for _, target := range e.targets {
			require.True(t, s.IsUser(target), "event %d: target %q is a user", i, target)
		}
		if len(e.targets) > 0 {
			targeted++
			require.Contains(t, []string{"Group UserAdded", "User Created"}, e.kind, "event %d names a target", i)
		}
	}
	assert.Greater(t, len(actors), 100, "actors come from the whole directory, not the first %d users", userPoolSize)
	assert.Greater(t, targeted, 300)

	// Only the user ids differ from the same events served without users.
	bare := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 31})
	bare.AddMonitorEvents(4000, testNow.Add(-24*time.Hour), 17*time.Second)
	withUsers, without := generatedPage(t, s, 4000), generatedPage(t, bare, 4000)
	assert.Equal(t, len(without), len(withUsers), "the same size: ids are all GUIDs")
	ids := regexp.MustCompile(`"(userId|affectedUserId|AffectedUserId)":"[0-9a-f-]{36}"`)
	assert.Equal(t, ids.ReplaceAllString(string(without), `"$1":"…"`), ids.ReplaceAllString(string(withUsers), `"$1":"…"`))

	again := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 31})
	again.AddUsers(120)
	again.AddMonitorEvents(4000, testNow.Add(-24*time.Hour), 17*time.Second)
	assert.Equal(t, withUsers, generatedPage(t, again, 4000), "deterministic from seed, position and user count")
}

func TestWithoutUsersEventsNameTheFirstFortyGeneratedUsers(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 32})
	s.AddMonitorEvents(2000, testNow.Add(-24*time.Hour), 17*time.Second)
	events := decodeNamedUsers(t, generatedPage(t, s, 2000))

	directory := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 32})
	directory.AddUsers(userPoolSize)
	actors := map[string]bool{}
	for i, e := range events {
		actors[e.actor] = true
		for _, id := range append([]string{e.actor}, e.targets...) {
			require.True(t, directory.IsUser(id), "event %d: %q is one of the first %d users", i, id, userPoolSize)
		}
	}
	assert.Len(t, actors, userPoolSize)
	assert.False(t, s.IsUser(events[0].actor), "a server without users has none")
}

func TestUnknownUserShare(t *testing.T) {
	const share = 0.25
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 33, UnknownUserShare: share})
	s.AddUsers(30)
	s.AddMonitorEvents(6000, testNow.Add(-24*time.Hour), 11*time.Second)
	var names, unknown int
	for _, e := range decodeNamedUsers(t, generatedPage(t, s, 6000)) {
		for _, id := range append([]string{e.actor}, e.targets[:min(len(e.targets), 1)]...) {
			names++
			if !s.IsUser(id) {
				unknown++
				require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id, "an unknown user is still a GUID")
			}
		}
	}
	assert.InDelta(t, share, float64(unknown)/float64(names), 0.03, "%d of %d names are of no user", unknown, names)

	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		assert.Panics(t, func() { NewServer(Options{UnknownUserShare: bad}) }, "%v", bad)
	}
}
