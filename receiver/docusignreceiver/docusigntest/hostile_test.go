// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// noRedirects is a client that returns redirects instead of following them.
func noRedirects(t *testing.T) *http.Client {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// send performs req and reads the whole body, returning the read error too.
func send(t *testing.T, c *http.Client, req *http.Request) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func tokenRequest(t *testing.T, s *Server, assertion string) *http.Request {
	form := url.Values{"grant_type": {JWTBearerGrant}, "assertion": {assertion}}
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/oauth/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func TestHostileKindsTable(t *testing.T) {
	kinds := HostileKinds()
	seen := map[Hostile]bool{}
	for _, k := range kinds {
		assert.False(t, seen[k], "kind %q listed once", k)
		seen[k] = true
	}
	all := make([]string, len(kinds))
	for i, k := range kinds {
		all[i] = string(k)
	}
	parsed, err := ParseHostileKinds(strings.Join(all, ", "))
	require.NoError(t, err)
	assert.Equal(t, kinds, parsed)

	_, err = ParseHostileKinds("rate-huge,no-such-kind,cursor-echo")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"no-such-kind"`)

	chaos := ChaosKinds()
	for _, excluded := range []Hostile{HostileEventBadCoordinates, HostileEventDeepNesting, HostileEventMalformed,
		HostileEventOversized, HostileEventOversizedCursorLast, Hostile429RetryAfterYear} {
		assert.NotContains(t, chaos, excluded)
	}
	for _, included := range []Hostile{HostileRateRemainingNegative, HostileEndlessBody, HostileOversizedPage,
		HostileCursorCycle, HostileUsersNextOffHost, HostileTokenEchoAssertion, HostileRedirect308Elsewhere} {
		assert.Contains(t, chaos, included)
	}
}

func TestRateHeaderKinds(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	nowUnix := testNow.Unix()
	nextHour := testNow.Truncate(time.Hour).Add(time.Hour).Unix()
	for _, tc := range []struct {
		kind Hostile
		want map[string]string
	}{
		{HostileRateRemainingNegative, map[string]string{"X-RateLimit-Limit": "3000", "X-RateLimit-Remaining": "-1",
			"X-RateLimit-Reset": strconv.FormatInt(nowUnix+2, 10)}},
		{HostileRateNonNumeric, map[string]string{"X-RateLimit-Limit": "3000 per hour", "X-RateLimit-Remaining": "plenty",
			"X-RateLimit-Reset": "Fri, 02 Oct 2026 16:00:00 GMT", "X-BurstLimit-Limit": "unlimited", "X-BurstLimit-Remaining": "NaN"}},
		{HostileRateHuge, map[string]string{"X-RateLimit-Limit": "99999999999999999999", "X-RateLimit-Remaining": "99999999999999999999",
			"X-RateLimit-Reset": "99999999999999999999", "X-BurstLimit-Limit": "99999999999999999999", "X-BurstLimit-Remaining": "99999999999999999999"}},
		{HostileRateResetMillis, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(nextHour*1000, 10)}},
		{HostileRateResetYear, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(testNow.AddDate(1, 0, 0).Unix(), 10)}},
		{HostileRateResetPast, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": strconv.FormatInt(nowUnix-3600, 10)}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			s.ArmHostile(tc.kind, 1)
			resp, body := get(t, streamURL(s, "", 5), tok)
			require.Equal(t, http.StatusOK, resp.StatusCode, "the answer itself is normal")
			var page streamResponse
			require.NoError(t, json.Unmarshal(body, &page))
			assert.Len(t, page.Data, 5)
			for name, want := range tc.want {
				assert.Equal(t, want, resp.Header.Get(name), name)
			}

			resp, _ = get(t, streamURL(s, "", 5), tok)
			_, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
			assert.NoError(t, err, "armed for one request only")
			assert.Equal(t, strconv.FormatInt(nextHour, 10), resp.Header.Get("X-RateLimit-Reset"))
			assert.Equal(t, 1, s.Stats().Hostile[tc.kind])
		})
	}
}

func TestHostile429s(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	for kind, retryAfter := range map[Hostile]string{
		Hostile429RetryAfterYear:     "31536000",
		Hostile429RetryAfterOverflow: "10000000000",
		Hostile429RetryAfterDate:     "Fri, 31 Dec 9999 23:59:59 GMT",
	} {
		s.ArmHostile(kind, 1)
		resp, body := get(t, streamURL(s, "", 5), tok)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode, kind)
		assert.Equal(t, retryAfter, resp.Header.Get("Retry-After"), kind)
		assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"), kind)
		assert.Contains(t, string(body), "HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
		assert.Equal(t, 1, s.Stats().Hostile[kind])
	}
	assert.Equal(t, 3, s.Stats().StatusCounts[http.StatusTooManyRequests])
}

func TestHostile429ShortBodyKeepsItsHeaders(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(Hostile429ShortBody, 1)
	resp, body, err := send(t, http.DefaultClient, authGet(t, streamURL(s, "", 5), tok))
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body stops short of its Content-Length")
	assert.Less(t, int64(len(body)), resp.ContentLength)
	assert.NotEmpty(t, body)
	assert.False(t, json.Valid(body))
	assert.Equal(t, 1, s.Stats().Hostile[Hostile429ShortBody])

	resp, _ = get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the next request is served normally")
}

func TestRedirectsElsewhereRecordWhatLeaked(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	client := noRedirects(t)
	for kind, status := range map[Hostile]int{HostileRedirect307Elsewhere: 307, HostileRedirect308Elsewhere: 308} {
		for _, u := range []string{streamURL(s, "", 5), usersURL(s, nil), s.URL() + "/oauth/userinfo"} {
			s.ArmHostile(kind, 1)
			resp, _, err := send(t, client, authGet(t, u, tok))
			require.NoError(t, err)
			assert.Equal(t, status, resp.StatusCode, u)
			want := s.ElsewhereURL() + strings.TrimPrefix(u, s.URL())
			assert.Equal(t, want, resp.Header.Get("Location"), "same path and query, another host")
		}
		assert.Equal(t, 3, s.Stats().Hostile[kind])
	}
	assert.NotEqual(t, s.URL(), s.ElsewhereURL())
	assert.Empty(t, s.ElsewhereRequests(), "nothing followed yet")

	// A client that follows a 307 from the token endpoint re-posts the assertion elsewhere: recorded.
	assertion := signRS256(t, s, assertionClaims(s, testNow))
	s.ArmHostileAt("/oauth/token", HostileRedirect307Elsewhere, 1)
	follow := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(follow.CloseIdleConnections)
	resp, _, err := send(t, follow, tokenRequest(t, s, assertion))
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "elsewhere is not DocuSign")
	got := s.ElsewhereRequests()
	require.Len(t, got, 1)
	assert.Equal(t, http.MethodPost, got[0].Method)
	assert.Equal(t, "/oauth/token", got[0].URL)
	assert.Contains(t, string(got[0].Body), assertion, "the recorder shows the leak")
	assert.Equal(t, "application/x-www-form-urlencoded", got[0].Header.Get("Content-Type"))
}

func TestArmHostileAtNarrowsThePath(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostileAt("/oauth/token", HostileRedirect308Elsewhere, 1)
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "not the token endpoint")
	resp, _, err := send(t, noRedirects(t), tokenRequest(t, s, "x"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusPermanentRedirect, resp.StatusCode)
}

func TestRedirectSameHostCanBeFollowed(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(HostileRedirectSameHost, 1)
	resp, _, err := send(t, noRedirects(t), authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Equal(t, streamURL(s, "", 5), resp.Header.Get("Location"))

	s.ArmHostile(HostileRedirectSameHost, 1)
	page := fetchPage(t, s, tok, "", 5) // net/http follows, keeping Authorization on the same host
	assert.Len(t, page.Data, 5)
	assert.Equal(t, 2, s.Stats().Hostile[HostileRedirectSameHost])
	assert.Empty(t, s.ElsewhereRequests())
}

func TestEndlessBodyNeverEnds(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(HostileEndlessBody, 1)
	resp, err := http.DefaultClient.Do(authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(-1), resp.ContentLength)
	n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, PageCap+1))
	require.NoError(t, err)
	assert.Equal(t, int64(PageCap+1), n, "more than the cap, and still going")
	require.NoError(t, resp.Body.Close(), "the client hangs up")
	assert.Equal(t, 1, s.Stats().Hostile[HostileEndlessBody])

	page := fetchPage(t, s, tok, "", 5)
	assert.Len(t, page.Data, 5, "the server goes on serving")
}

func TestCloseEndsAnEndlessBodyInFlight(t *testing.T) {
	s := NewServer(Options{})
	s.AddMonitorEvents(10, time.Now().Add(-time.Minute), time.Second)
	tok := s.IssueToken()
	s.ArmHostile(HostileEndlessBody, 2)
	require.NoError(t, s.SetChaos(Chaos{Rate: 1, Kinds: []Hostile{HostileSlowHeaders}}))
	s.SetHostileTiming(HostileTiming{SlowHeaders: time.Hour})

	// One client reads an endless body, one stopped reading its own, one waits for slow headers.
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	reading, err := client.Do(authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	stalled, err := client.Do(authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	defer stalled.Body.Close()
	readErr := make(chan error, 1)
	go func() {
		defer reading.Body.Close()
		_, err := io.Copy(io.Discard, reading.Body)
		readErr <- err
	}()
	slowDone := make(chan struct{})
	go func() {
		defer close(slowDone)
		if resp, err := client.Do(authGet(t, streamURL(s, "", 5), tok)); err == nil {
			resp.Body.Close()
		}
	}()
	require.Eventually(t, func() bool { return s.Stats().Hostile[HostileSlowHeaders] == 1 }, 5*time.Second, 5*time.Millisecond)

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for an endless body or an injected wait")
	}
	assert.Error(t, <-readErr, "the endless body ends with the connection")
	<-slowDone
	_, err = io.Copy(io.Discard, stalled.Body)
	assert.Error(t, err, "so does the one nobody read")
}

// rawPage fetches a stream page and returns the response and its raw body.
func rawPage(t *testing.T, s *Server, tok, cursor string, limit int) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := send(t, http.DefaultClient, authGet(t, streamURL(s, cursor, limit), tok))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp, body
}

// stripPadding cuts the value of every "padding" member down to "", returning the body and how many
// bytes were cut: decoding 33 MiB under the race detector would take seconds.
func stripPadding(t *testing.T, body []byte) ([]byte, int) {
	const member = `"padding":"`
	var out []byte
	cut := 0
	for {
		i := bytes.Index(body, []byte(member))
		if i < 0 {
			return append(out, body...), cut
		}
		out = append(out, body[:i+len(member)]...)
		body = body[i+len(member):]
		end := bytes.IndexByte(body, '"')
		require.GreaterOrEqual(t, end, 0, "the padding string ends")
		cut += end
		body = body[end:]
	}
}

func TestOversizedPageShrinksWithLimit(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	ids := s.MonitorEventIDs()
	s.ArmHostile(HostileOversizedPage, 3)

	for _, limit := range []int{100, 2} {
		resp, body := rawPage(t, s, tok, "", limit)
		assert.Greater(t, resp.ContentLength, int64(PageCap), "limit %d", limit)
		assert.Equal(t, resp.ContentLength, int64(len(body)))
		stripped, cut := stripPadding(t, body)
		assert.Greater(t, cut, PageCap-len(stripped), "the padding makes it oversized")
		var page streamResponse
		require.NoError(t, json.Unmarshal(stripped, &page), "a valid page, only too big")
		require.Len(t, page.Data, limit)
		assert.Equal(t, ids[:limit], eventIDs(heads(t, page.Data)))
		assert.Equal(t, s.Cursor(limit), page.EndCursor)
	}
	resp, body := rawPage(t, s, tok, "", 1)
	assert.Less(t, resp.ContentLength, int64(64<<10), "limit 1 gets a page under the cap")
	assert.NotContains(t, string(body), `"padding"`)
	assert.Equal(t, 2, s.Stats().Hostile[HostileOversizedPage], "counted when padded")

	page := fetchPage(t, s, tok, "", 100)
	assert.Len(t, page.Data, 100, "three requests armed, then normal pages")
}

func TestOversizedEventStaysOversizedAtLimitOne(t *testing.T) {
	for _, tc := range []struct {
		kind        Hostile
		cursorFirst bool
	}{
		{HostileEventOversized, true},
		{HostileEventOversizedCursorLast, false},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			s, tok, _ := faultServer(t, Options{})
			require.NoError(t, s.AppendHostileMonitorEvents(tc.kind, 1))
			s.AddMonitorEvents(5, testNow, time.Second)
			ids := s.MonitorEventIDs()
			require.Len(t, ids, 106)

			resp, body := rawPage(t, s, tok, s.Cursor(100), 1)
			assert.Greater(t, resp.ContentLength, int64(PageCap))
			if tc.cursorFirst {
				assert.True(t, strings.HasPrefix(string(body), `{"endCursor":"`+s.Cursor(101)+`","data":[{`), "endCursor before the data")
			} else {
				assert.True(t, strings.HasPrefix(string(body), `{"data":[{`))
				assert.True(t, strings.HasSuffix(string(body), `}],"endCursor":"`+s.Cursor(101)+`"}`), "endCursor after the data")
			}
			stripped, cut := stripPadding(t, body)
			assert.Greater(t, cut, PageCap, "the event alone is over the cap")
			var page streamResponse
			require.NoError(t, json.Unmarshal(stripped, &page))
			require.Len(t, page.Data, 1)
			assert.Equal(t, ids[100], heads(t, page.Data)[0].EventID)

			rest := fetchPage(t, s, tok, page.EndCursor, 10)
			assert.Equal(t, ids[101:], eventIDs(heads(t, rest.Data)), "the stream goes on past it")
			assert.Equal(t, 1, s.Stats().Hostile[tc.kind])
		})
	}
}

func TestBareContentLength(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(HostileBareContentLength, 1)
	resp, body, err := send(t, http.DefaultClient, authGet(t, streamURL(s, "", 5), tok))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(BareContentLength), resp.ContentLength)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "the body ends long before its Content-Length")
	var page streamResponse
	require.NoError(t, json.Unmarshal(body, &page), "what did arrive is the real page")
	assert.Len(t, page.Data, 5)
	assert.Equal(t, 1, s.Stats().Hostile[HostileBareContentLength])
}

func TestSlowBodyAndSlowHeaders(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.SetHostileTiming(HostileTiming{SlowHeaders: 300 * time.Millisecond, SlowBody: 400 * time.Millisecond})

	s.ArmHostile(HostileSlowHeaders, 1)
	start := time.Now()
	resp, err := http.DefaultClient.Do(authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "the status line comes late")
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, json.Valid(body))

	s.ArmHostile(HostileSlowBody, 1)
	start = time.Now()
	resp, err = http.DefaultClient.Do(authGet(t, streamURL(s, "", 50), tok))
	require.NoError(t, err)
	headersAt := time.Since(start)
	reads := 0
	var got []byte
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			reads++
			got = append(got, buf[:n]...)
		}
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
	}
	resp.Body.Close()
	assert.Less(t, headersAt, 300*time.Millisecond, "the headers come at once")
	assert.GreaterOrEqual(t, time.Since(start), 400*time.Millisecond, "the body trickles")
	assert.Greater(t, reads, 5, "in pieces")
	var page streamResponse
	require.NoError(t, json.Unmarshal(got, &page), "the whole page arrives")
	assert.Len(t, page.Data, 50)
	assert.Equal(t, 1, s.Stats().Hostile[HostileSlowHeaders])
	assert.Equal(t, 1, s.Stats().Hostile[HostileSlowBody])
}

func TestEchoPagesReflectEveryRequestHeader(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	for _, tc := range []struct {
		kind        Hostile
		status      int
		contentType string
	}{
		{HostileEchoHTML403, http.StatusForbidden, "text/html"},
		{HostileEchoHTML502, http.StatusBadGateway, "text/html"},
		{HostileEchoJSON500, http.StatusInternalServerError, "application/json"},
		{HostileEchoHTML200, http.StatusOK, "text/html"},
	} {
		for _, u := range []string{streamURL(s, "", 5), s.URL() + "/oauth/userinfo"} {
			s.ArmHostile(tc.kind, 1)
			req := authGet(t, u, tok)
			req.Header.Set("X-Custom", "custom-value")
			resp, body, err := send(t, http.DefaultClient, req)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, tc.kind)
			assert.Contains(t, resp.Header.Get("Content-Type"), tc.contentType, tc.kind)
			text := string(body)
			if tc.contentType == "application/json" {
				var e map[string]string
				require.NoError(t, json.Unmarshal(body, &e))
				text = e["message"]
			}
			assert.Contains(t, text, "Authorization: Bearer "+tok, "%s echoes the bearer token", tc.kind)
			assert.Contains(t, text, "X-Custom: custom-value", tc.kind)
		}
		assert.Equal(t, 2, s.Stats().Hostile[tc.kind])
	}
}

func TestHostileRecordsAreStreamContent(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	for _, kind := range []Hostile{HostileEventBadCoordinates, HostileEventDeepNesting, HostileEventMalformed} {
		require.NoError(t, s.AppendHostileMonitorEvents(kind, 4))
	}
	s.AddMonitorEvents(3, testNow, time.Second)
	assert.Error(t, s.AppendHostileMonitorEvents(HostileCursorEcho, 1), "a fault is not a record")
	ids := s.MonitorEventIDs()
	require.Len(t, ids, 115)
	assert.Len(t, uniqueStrings(ids), 115, "every record has its own eventId")

	_, coordinates := rawPage(t, s, tok, s.Cursor(100), 4)
	var page streamResponse
	require.NoError(t, json.Unmarshal(coordinates, &page), "valid JSON")
	assert.Equal(t, ids[100:104], eventIDs(heads(t, page.Data)))
	for _, want := range []string{`"latitude":"NaN"`, `"longitude":"Infinity"`, `"latitude":91.5`, `"longitude":-181.25`,
		`"longitude":"540"`, `"latitude":1e400`, `"latitude":"-Infinity"`} {
		assert.Contains(t, string(coordinates), want)
	}

	_, deep := rawPage(t, s, tok, s.Cursor(104), 1)
	assert.True(t, json.Valid(deep), "deep but valid")
	assert.Contains(t, string(deep), strings.Repeat("[", HostileNestingDepth)+`"deep"`)
	assert.Greater(t, HostileNestingDepth, 512)

	_, bad := rawPage(t, s, tok, s.Cursor(108), 2)
	assert.False(t, json.Valid(bad), "not JSON")
	assert.True(t, strings.HasPrefix(string(bad), `{"endCursor":"`+s.Cursor(110)+`","data":[`), "the cursor is still readable")
	assert.Contains(t, string(bad), ids[108])
	assert.Contains(t, string(bad), ids[109])
	assert.Equal(t, strings.Count(string(bad), "{"), strings.Count(string(bad), "}"), "brackets balance")
	assert.Equal(t, strings.Count(string(bad), "["), strings.Count(string(bad), "]"))
	assert.Zero(t, strings.Count(string(bad), `"`)%2, "quotes balance")

	st := s.Stats().Hostile
	assert.Equal(t, 4, st[HostileEventBadCoordinates])
	assert.Equal(t, 1, st[HostileEventDeepNesting])
	assert.Equal(t, 2, st[HostileEventMalformed])
}

func uniqueStrings(ids []string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func TestNonAdvancingCursors(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	a := s.Cursor(10)

	s.ArmHostile(HostileCursorEcho, 1)
	page := fetchPage(t, s, tok, a, 5)
	assert.Len(t, page.Data, 5)
	assert.Equal(t, a, page.EndCursor, "a page with data that echoes the cursor sent")
	s.ArmHostile(HostileCursorEcho, 1)
	page = fetchPage(t, s, tok, "", 5)
	require.NotEmpty(t, page.EndCursor, "no cursor sent: a cursor of the same position")
	assert.Equal(t, heads(t, page.Data), heads(t, fetchPage(t, s, tok, page.EndCursor, 5).Data))
	assert.Equal(t, s.Cursor(15), fetchPage(t, s, tok, a, 5).EndCursor, "then normal")

	for kind, want := range map[Hostile]string{HostileCursorMissing: "", HostileCursorNull: "null"} {
		s.ArmHostile(kind, 1)
		_, body := rawPage(t, s, tok, a, 5)
		var fields map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &fields))
		cursor, present := fields["endCursor"]
		assert.Equal(t, want, string(cursor), kind)
		assert.Equal(t, want != "", present, kind)
		assert.Contains(t, string(fields["data"]), s.MonitorEventIDs()[10], "the page has data")
	}

	caughtUp := s.Cursor(100)
	s.ArmHostile(HostileCursorMissing, 1)
	assert.Equal(t, caughtUp, fetchPage(t, s, tok, caughtUp, 5).EndCursor, "a caught-up page stays honest")

	st := s.Stats().Hostile
	assert.Equal(t, 2, st[HostileCursorEcho])
	assert.Equal(t, 1, st[HostileCursorMissing], "not counted on the caught-up page")
	assert.Equal(t, 1, st[HostileCursorNull])
}

func TestCursorCycle(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	a, b, c := s.Cursor(10), s.Cursor(15), s.Cursor(20)
	s.ArmHostile(HostileCursorCycle, 2)

	var seen []string
	cursor := a
	for range 6 {
		cursor = fetchPage(t, s, tok, cursor, 5).EndCursor
		seen = append(seen, cursor)
	}
	assert.Equal(t, []string{b, a, b, a, b, c}, seen, "A→B→A twice, then on")
	assert.Equal(t, 2, s.Stats().Hostile[HostileCursorCycle])
}

func TestUsersPagingLinks(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.AddUsers(120)
	first := usersURL(s, url.Values{"take": {"50"}})
	startOf := func(link string) string {
		u, err := url.Parse(link)
		require.NoError(t, err)
		return u.Query().Get("start")
	}

	s.ArmHostile(HostileUsersNextBack, 1)
	a := fetchUsers(t, first, tok)
	assert.Equal(t, "50", startOf(a.Paging.Next), "the first page has no earlier page: untouched")
	b := fetchUsers(t, a.Paging.Next, tok)
	assert.Equal(t, "0", startOf(b.Paging.Next), "B links back to A")
	assert.True(t, strings.HasPrefix(b.Paging.Next, s.URL()))
	assert.Equal(t, "100", startOf(fetchUsers(t, a.Paging.Next, tok).Paging.Next), "then normal")

	s.ArmHostile(HostileUsersNextBack, 1)
	last := fetchUsers(t, usersURL(s, url.Values{"take": {"50"}, "start": {"100"}}), tok)
	assert.Equal(t, "50", startOf(last.Paging.Next), "the last page gets a next link back too")

	s.ArmHostile(HostileUsersNextSelf, 1)
	self := fetchUsers(t, a.Paging.Next, tok)
	assert.Equal(t, a.Paging.Next, self.Paging.Next, "next is the page itself")

	s.ArmHostile(HostileUsersNextOffHost, 1)
	off := fetchUsers(t, first, tok)
	assert.True(t, strings.HasPrefix(off.Paging.Next, s.ElsewhereURL()+"/management/v2/organizations/"), off.Paging.Next)
	assert.Equal(t, "50", startOf(off.Paging.Next))

	st := s.Stats().Hostile
	assert.Equal(t, 2, st[HostileUsersNextBack])
	assert.Equal(t, 1, st[HostileUsersNextSelf])
	assert.Equal(t, 1, st[HostileUsersNextOffHost])
}

func TestTokenEndpointFaults(t *testing.T) {
	s, _, _ := faultServer(t, Options{})
	assertion := signRS256(t, s, assertionClaims(s, testNow))
	client := noRedirects(t)
	do := func(kind Hostile) (*http.Response, []byte) {
		s.ArmHostile(kind, 1)
		resp, body, err := send(t, client, tokenRequest(t, s, assertion))
		require.NoError(t, err)
		return resp, body
	}

	resp, body := do(HostileToken429)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	assert.True(t, json.Valid(body))

	resp, body = do(HostileToken503)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.False(t, json.Valid(body))

	resp, _ = do(HostileTokenRedirect)
	assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
	assert.Equal(t, s.ElsewhereURL()+"/oauth/token", resp.Header.Get("Location"))

	resp, body = do(HostileTokenEchoAssertion)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	var e map[string]string
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Equal(t, "invalid_grant", e["error"])
	assert.Contains(t, e["error_description"], assertion, "the description quotes the assertion")

	status, _ := postToken(t, s, assertion)
	assert.Equal(t, http.StatusOK, status, "then a normal grant")
	st := s.Stats()
	for _, kind := range []Hostile{HostileToken429, HostileToken503, HostileTokenRedirect, HostileTokenEchoAssertion} {
		assert.Equal(t, 1, st.Hostile[kind], kind)
	}
	assert.Equal(t, 2, st.TokensIssued, "faultServer's and the last one")
}

func TestTokenKindsOnlyHitTheTokenEndpoint(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.AddUsers(3)
	s.ArmHostile(HostileToken503, 1)
	s.ArmHostile(HostileUsersNextSelf, 1)
	s.ArmHostile(HostileCursorNull, 1)
	resp, _ := get(t, usersURL(s, nil), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, s.Stats().Hostile[HostileUsersNextSelf], "the first rule that applies")
	resp, _ = get(t, s.URL()+"/oauth/userinfo", tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "userinfo is neither the token endpoint nor a stream")
	resp, _, err := send(t, http.DefaultClient, tokenRequest(t, s, signRS256(t, s, assertionClaims(s, testNow))))
	require.NoError(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
}

func TestClassicFaultsGoBeforeHostileOnes(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(HostileEchoHTML403, 1)
	s.FailNext("/api/", 1, http.StatusBadGateway)
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	resp, _ = get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	resp, _ = get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestChaosRate(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	rateKinds := []Hostile{HostileRateHuge, HostileRateNonNumeric, HostileRateResetPast}
	require.NoError(t, s.SetChaos(Chaos{Rate: 0.3, Seed: 1, Kinds: rateKinds}))
	const requests = 600
	for range requests {
		resp, _ := get(t, streamURL(s, "", 1), tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	hit := s.Stats().Hostile
	total := 0
	for _, kind := range rateKinds {
		assert.Positive(t, hit[kind], "every kind is drawn")
		total += hit[kind]
	}
	// 0.3 × 600 = 180, standard deviation about 11: a bound of ±5 deviations.
	assert.InDelta(t, 180, total, 56, "faults served")

	status, _ := postToken(t, s, signRS256(t, s, assertionClaims(s, testNow)))
	assert.Equal(t, http.StatusOK, status, "no chosen kind applies to the token endpoint")

	require.NoError(t, s.SetChaos(Chaos{}))
	for range 50 {
		get(t, streamURL(s, "", 1), tok)
	}
	after := 0
	for _, n := range s.Stats().Hostile {
		after += n
	}
	assert.Equal(t, total, after, "Chaos{} turns it off")
}

func TestSetChaosRefusesRecordsAndBadRates(t *testing.T) {
	s := newTestServer(t, Options{})
	for _, c := range []Chaos{
		{Rate: 1.5},
		{Rate: -0.1},
		{Rate: 0.5, Kinds: []Hostile{HostileEventOversized}},
		{Rate: 0.5, Kinds: []Hostile{"no-such-kind"}},
	} {
		assert.Error(t, s.SetChaos(c), "%+v", c)
	}
	assert.NoError(t, s.SetChaos(Chaos{Rate: 0.5, Kinds: []Hostile{Hostile429RetryAfterYear}}), "slow kinds may be chosen")
	assert.Panics(t, func() { s.ArmHostile(HostileEventDeepNesting, 1) }, "records are not armed")
}

// TestChaosWithEveryDefaultKindNeverHangs sends a mixed load through chaos with capped, timed-out
// clients and checks the server keeps answering and closes promptly.
func TestChaosWithEveryDefaultKindNeverHangs(t *testing.T) {
	s := NewServer(Options{})
	s.AddMonitorEvents(200, time.Now().Add(-time.Hour), time.Second)
	s.AddUsers(30)
	tok := s.IssueToken()
	s.SetHostileTiming(HostileTiming{SlowHeaders: 50 * time.Millisecond, SlowBody: 50 * time.Millisecond})
	require.NoError(t, s.SetChaos(Chaos{Rate: 0.5, Seed: 7}))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	assertion := signRS256(t, s, assertionClaims(s, time.Now()))

	urls := []string{streamURL(s, "", 20), usersURL(s, url.Values{"take": {"10"}, "start": {"10"}}),
		s.URL() + "/v1/organizations/" + s.OrganizationID() + "/stream?limit=20", s.URL() + "/oauth/userinfo"}
	for i := range 120 {
		req := authGet(t, urls[i%len(urls)], tok)
		if i%5 == 4 {
			req = tokenRequest(t, s, assertion)
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, PageCap+1))
			resp.Body.Close()
		}
	}
	total := 0
	for _, n := range s.Stats().Hostile {
		total += n
	}
	assert.Greater(t, total, 20, "chaos served faults")

	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung")
	}
}

func TestDisarmHostile(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ArmHostile(HostileEchoHTML502, 5)
	s.ArmHostile(HostileCursorCycle, 1)
	require.NoError(t, s.SetChaos(Chaos{Rate: 1, Kinds: []Hostile{HostileEchoJSON500}}))
	require.NoError(t, s.AppendHostileMonitorEvents(HostileEventMalformed, 1))
	s.DisarmHostile()
	for range 3 {
		resp, _ := get(t, streamURL(s, "", 5), tok)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.Empty(t, s.Stats().Hostile, "nothing armed, chaos off")
	assert.Len(t, s.MonitorEventIDs(), 101, "records stay in the stream")
}
