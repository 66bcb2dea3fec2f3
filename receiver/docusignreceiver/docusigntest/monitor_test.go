// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

func TestStreamPagesEveryEventOnceInOrder(t *testing.T) {
	for _, limit := range []int{2000, 777} {
		t.Run(itoa(limit), func(t *testing.T) {
			clk := testclock.New(testNow)
			s := newTestServer(t, Options{Now: clk.Now, Seed: 7})
			s.AddMonitorEvents(10_000, testNow.Add(-48*time.Hour), 15*time.Second)
			tok := token(t, s, clk.Now())

			got, endCursor := drain(t, s, tok, "", limit)

			require.Equal(t, s.MonitorEventIDs(), eventIDs(got), "every event once, in stream order")
			prev := time.Time{}
			for i, e := range got {
				ts, err := time.Parse(time.RFC3339Nano, e.Timestamp)
				if err != nil || ts.Before(prev) {
					t.Fatalf("event %d: timestamp %q goes back in time or does not parse (%v)", i, e.Timestamp, err)
				}
				prev = ts
			}
			again := fetchPage(t, s, tok, endCursor, limit)
			assert.Empty(t, again.Data)
			assert.Equal(t, endCursor, again.EndCursor)
			assert.Equal(t, 10_000, s.Stats().MonitorEventsServed)
		})
	}
}

func TestDefaultLimitIs1000(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.AddMonitorEvents(1500, testNow.Add(-time.Hour), time.Second)
	page := fetchPage(t, s, token(t, s, testNow), "", 0)
	assert.Len(t, page.Data, DefaultMonitorLimit)
}

func TestHeldCursorFindsEventsAppendedLater(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 3})
	s.AddMonitorEvents(50, testNow.Add(-time.Hour), time.Minute)
	tok := token(t, s, clk.Now())
	_, held := drain(t, s, tok, "", 20)

	s.AddMonitorEvents(4, testNow, time.Second)
	sample := sampleEvents(t)[0]
	var ts struct{ Timestamp string }
	require.NoError(t, json.Unmarshal(sample, &ts))
	// The sample is older than the generated run, so re-stamp it to keep the stream ordered.
	sample = bytes.Replace(sample, []byte(ts.Timestamp), []byte("2026-10-02T15:00:10.1234567Z"), 1)
	require.NoError(t, s.AppendMonitorEvent(sample))

	got, _ := drain(t, s, tok, held, 20)
	ids := s.MonitorEventIDs()
	assert.Equal(t, ids[50:], eventIDs(got), "exactly the appended events, in order")
	assert.Equal(t, "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01", got[len(got)-1].EventID)
}

func TestEmptyStoreMintsCursorThatLaterFindsEvents(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now})
	tok := token(t, s, clk.Now())
	first := fetchPage(t, s, tok, "", 10)
	require.Empty(t, first.Data)
	require.Regexp(t, `^aa_\d+_\d+_0$`, first.EndCursor)

	s.AddMonitorEvents(3, testNow, time.Second)
	page := fetchPage(t, s, tok, first.EndCursor, 10)
	assert.Len(t, page.Data, 3)
}

func TestISOCursorStartsAtFirstEventAtOrAfterIt(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 11})
	from := testNow.Add(-2 * time.Hour)
	s.AddMonitorEvents(1000, from, time.Second)
	tok := token(t, s, testNow)
	ids := s.MonitorEventIDs()

	for _, tc := range []struct{ cursor, want string }{
		{from.Add(100 * time.Second).Format(time.RFC3339), ids[100]},
		{from.Add(100 * time.Second).In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339), ids[100]},
		{from.Add(-time.Hour).Format(time.RFC3339Nano), ids[0]},
	} {
		page := fetchPage(t, s, tok, tc.cursor, 5)
		require.NotEmpty(t, page.Data, tc.cursor)
		assert.Equal(t, tc.want, heads(t, page.Data)[0].EventID, tc.cursor)
	}

	// A cursor between two events starts at the later one, compared at 100 ns precision.
	t500, _ := s.MonitorEventTime(500)
	page := fetchPage(t, s, tok, t500.Add(tick).Format(time.RFC3339Nano), 1)
	assert.Equal(t, ids[501], heads(t, page.Data)[0].EventID)
	page = fetchPage(t, s, tok, t500.Format(time.RFC3339Nano), 1)
	assert.Equal(t, ids[500], heads(t, page.Data)[0].EventID)

	// Past the newest event: caught up, and the minted cursor is opaque.
	page = fetchPage(t, s, tok, testNow.Add(time.Hour).Format(time.RFC3339), 5)
	assert.Empty(t, page.Data)
	assert.Regexp(t, `^aa_\d+_\d+_1000$`, page.EndCursor)
}

func TestNoCursorServesTheSevenDayWindow(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 5})
	s.AddMonitorEvents(8*24, testNow.Add(-8*24*time.Hour), time.Hour) // event k in [now-8d+k h, now-8d+(k+1) h)
	tok := token(t, s, clk.Now())

	got, _ := drain(t, s, tok, "", 2000)
	require.Equal(t, s.MonitorEventIDs()[24:], eventIDs(got), "events older than 7 days are not served")
	assert.False(t, parseTS(t, got[0].Timestamp).Before(testNow.Add(-Retention)))

	clk.Advance(12 * time.Hour) // the window moves with the server clock
	got, _ = drain(t, s, token(t, s, clk.Now()), "", 2000)
	assert.Equal(t, s.MonitorEventIDs()[36:], eventIDs(got))
}

func TestHeldCursorOlderThanRetentionResumesAtOldestRetained(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 9})
	s.AddMonitorEvents(24, testNow.Add(-24*time.Hour), time.Hour)
	tok := token(t, s, clk.Now())
	held := fetchPage(t, s, tok, "", 10).EndCursor

	clk.Advance(Retention - 4*time.Hour) // window now starts at testNow-4h: events 20..23 remain
	tok = token(t, s, clk.Now())
	got, _ := drain(t, s, tok, held, 100)
	assert.Equal(t, s.MonitorEventIDs()[20:], eventIDs(got))
}

func TestStreamRejectsBadParameters(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.AddMonitorEvents(10, testNow.Add(-time.Hour), time.Minute)
	tok := token(t, s, testNow)
	valid := fetchPage(t, s, tok, "", 5).EndCursor
	require.Regexp(t, `^aa_(\d+)_(\d+)_5$`, valid)

	for _, q := range []string{
		"limit=2001", "limit=0", "limit=-1", "limit=abc", "limit=1.5",
		"cursor=garbage", "cursor=aa_1_2_3", "cursor=aa_5_5_999", "cursor=aa_x_y_z", "cursor=aa_1_1",
		"cursor=aa_%2B5_5_1", "cursor=aa_1_1_5", "cursor=2026-13-45T00:00:00Z",
	} {
		resp, body := get(t, s.URL()+"/api/v2.0/datasets/monitor/stream?"+q, tok)
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		var e map[string]string
		require.NoError(t, json.Unmarshal(body, &e), q)
		assert.NotEmpty(t, e["errorCode"], q)
		assert.NotEmpty(t, e["message"], q)
	}
}

func TestStreamRequiresAValidToken(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, TokenLifetime: 10 * time.Minute})
	u := streamURL(s, "", 10)

	for name, bearer := range map[string]string{"missing": "", "unknown": "not-a-token"} {
		resp, body := get(t, u, bearer)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		assert.Contains(t, string(body), `"errorCode":"AUTHORIZATION_INVALID_TOKEN"`, name)
	}

	tok := token(t, s, clk.Now())
	resp, _ := get(t, u, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	clk.Advance(10 * time.Minute)
	resp, body := get(t, u, tok)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "a token past expires_in is rejected")
	assert.Contains(t, string(body), "AUTHORIZATION_INVALID_TOKEN")

	resp, body = get(t, u, s.IssueToken("impersonation", "user_read"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the stream needs scope signature")
	assert.Contains(t, string(body), "USER_LACKS_PERMISSIONS")
	assert.Equal(t, 3, s.Stats().Unauthorized)
}

func TestAddMonitorEventsTimestamps(t *testing.T) {
	s := newTestServer(t, Options{Seed: 1})
	from := time.Date(2026, 10, 1, 0, 0, 0, 123_456_789, time.UTC)
	step := 3 * time.Second
	s.AddMonitorEvents(2000, from, step)
	for k := range 2000 {
		ts, ok := s.MonitorEventTime(k)
		require.True(t, ok)
		low := from.Add(time.Duration(k) * step).Truncate(tick)
		require.False(t, ts.Before(low), "event %d at %s before %s", k, ts, low)
		require.True(t, ts.Before(from.Add(time.Duration(k+1)*step)), "event %d at %s beyond its step", k, ts)
	}

	// A run that would start before the newest event is shifted, never interleaved.
	last, _ := s.MonitorEventTime(1999)
	s.AddMonitorEvents(10, from, step)
	first, _ := s.MonitorEventTime(2000)
	assert.False(t, first.Before(last))
	for k := 2001; k < 2010; k++ {
		prev, _ := s.MonitorEventTime(k - 1)
		cur, _ := s.MonitorEventTime(k)
		assert.False(t, cur.Before(prev))
	}
	assert.Equal(t, 2010, s.MonitorEventCount())
	_, ok := s.MonitorEventTime(2010)
	assert.False(t, ok)
}

func sampleEvents(t testing.TB) []json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("testdata/monitor-stream-page.json")
	require.NoError(t, err)
	var page streamResponse
	require.NoError(t, json.Unmarshal(raw, &page))
	require.Len(t, page.Data, 3)
	return page.Data
}

func TestAppendMonitorEventServesTheRecordExactly(t *testing.T) {
	clk := testclock.New(time.Date(2026, 10, 3, 0, 0, 0, 0, time.UTC))
	s := newTestServer(t, Options{Now: clk.Now})
	samples := sampleEvents(t)
	for _, e := range samples {
		require.NoError(t, s.AppendMonitorEvent(e))
	}
	page := fetchPage(t, s, token(t, s, clk.Now()), "2026-10-02T00:00:00Z", 10)
	require.Len(t, page.Data, 3)
	for i := range samples {
		assert.JSONEq(t, string(samples[i]), string(page.Data[i]))
	}
	assert.Equal(t, []string{"0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01", "6f2a9d13-8e4b-4c7d-b1a2-0c9e8d7f6a52", "d4c3b2a1-9999-4888-8777-666655554444"}, s.MonitorEventIDs())

	assert.ErrorContains(t, s.AppendMonitorEvent(samples[0]), "earlier than the newest", "the stream is timestamp-ordered")
	assert.ErrorContains(t, s.AppendMonitorEvent(json.RawMessage(`{"eventId":"x"}`)), `no "timestamp"`)
	assert.ErrorContains(t, s.AppendMonitorEvent(json.RawMessage(`{"timestamp":"yesterday"}`)), "timestamp")
	assert.Error(t, s.AppendMonitorEvent(json.RawMessage(`[1,2]`)))
	assert.Equal(t, 3, s.MonitorEventCount())
}

func TestCursorHelperMatchesEndCursor(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.AddMonitorEvents(30, testNow.Add(-time.Hour), time.Minute)
	tok := token(t, s, testNow)
	page := fetchPage(t, s, tok, "", 12)
	assert.Equal(t, s.Cursor(12), page.EndCursor)
	next := fetchPage(t, s, tok, s.Cursor(0), 30)
	assert.Len(t, next.Data, 30)
}
