// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// faultServer has 100 events and a valid token.
func faultServer(t *testing.T, opts Options) (*Server, string, *testclock.Clock) {
	clk := testclock.New(testNow)
	opts.Now = clk.Now
	s := newTestServer(t, opts)
	s.AddMonitorEvents(100, testNow.Add(-time.Hour), time.Second)
	return s, token(t, s, testNow), clk
}

func TestEveryResponseCarriesATraceToken(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for _, u := range []string{streamURL(s, "", 5), s.URL() + "/oauth/userinfo", s.URL() + "/nowhere", streamURL(s, "bad", 5)} {
		resp, _ := get(t, u, tok)
		trace := resp.Header.Get("X-DocuSign-TraceToken")
		assert.Regexp(t, guid, trace, u)
		assert.False(t, seen[trace], "trace tokens are unique")
		seen[trace] = true
		assert.Contains(t, resp.Header.Get("Content-Type"), "application/json", u)
	}
	resp, err := http.PostForm(s.URL()+"/oauth/token", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Regexp(t, guid, resp.Header.Get("X-DocuSign-TraceToken"))
}

func TestRateLimitHeaders(t *testing.T) {
	s, tok, clk := faultServer(t, Options{})
	remaining := func() (int, http.Header) {
		resp, _ := get(t, streamURL(s, "", 5), tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		n, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Remaining"))
		require.NoError(t, err)
		return n, resp.Header
	}
	first, h := remaining()
	assert.Equal(t, "3000", h.Get("X-RateLimit-Limit"))
	assert.Equal(t, strconv.FormatInt(testNow.Truncate(time.Hour).Add(time.Hour).Unix(), 10), h.Get("X-RateLimit-Reset"))
	assert.Equal(t, "500", h.Get("X-BurstLimit-Limit"))
	assert.Equal(t, "499", h.Get("X-BurstLimit-Remaining"))
	assert.Equal(t, 2999, first)
	second, _ := remaining()
	assert.Equal(t, 2998, second)

	clk.Advance(time.Hour) // a new hour restores the allowance
	tok = token(t, s, clk.Now())
	third, _ := remaining()
	assert.Equal(t, 2999, third)

	resp, _ := get(t, s.URL()+"/oauth/userinfo", tok)
	assert.Empty(t, resp.Header.Get("X-RateLimit-Limit"), "OAuth endpoints are not rate-limited API calls")
}

func TestEnforcedRateLimit(t *testing.T) {
	s, tok, clk := faultServer(t, Options{RateLimit: 3, EnforceRateLimit: true})
	for range 3 {
		resp, _ := get(t, streamURL(s, "", 5), tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, body := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Contains(t, string(body), "HOURLY_APIINVOCATION_LIMIT_EXCEEDED")
	assert.Equal(t, "3600", resp.Header.Get("Retry-After"), "until the top of the hour")
	assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))

	clk.Advance(time.Hour)
	resp, _ = get(t, streamURL(s, "", 5), token(t, s, clk.Now()))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestLatency(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.SetLatency(200 * time.Millisecond)
	for _, u := range []string{streamURL(s, "", 5), s.URL() + "/oauth/userinfo"} {
		start := time.Now()
		resp, _ := get(t, u, tok)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, u)
	}
	s.SetLatency(0)
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestLatencyHoldsBackFaultsToo(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.SetLatency(150 * time.Millisecond)
	s.FailNext("/api/", 1, http.StatusBadGateway)
	start := time.Now()
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "an injected error is as late as an answer")

	s.ResetNext(1)
	start = time.Now()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no silent retry on a fresh connection
	defer client.CloseIdleConnections()
	resp, err := client.Do(authGet(t, streamURL(s, "", 5), tok))
	if err == nil {
		resp.Body.Close()
	}
	assert.Error(t, err, "the connection is reset")
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond, "a reset is as late as an answer")
	assert.Equal(t, 1, s.Stats().Resets)
}

func TestLatencyDoesNotHoldUpClose(t *testing.T) {
	s := NewServer(Options{})
	s.SetLatency(time.Hour)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(s.URL() + "/oauth/userinfo")
		if err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(50 * time.Millisecond)
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for the injected latency")
	}
	<-done
}

func TestRateLimitNext(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.RateLimitNext(2, 1500*time.Millisecond)
	for range 2 {
		resp, body := get(t, streamURL(s, "", 5), tok)
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "2", resp.Header.Get("Retry-After"), "seconds, rounded up")
		assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
		assert.True(t, json.Valid(body))
	}
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, s.Stats().StatusCounts[http.StatusTooManyRequests])
}

func TestFailNext(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.FailNext("/api/", 2, http.StatusServiceUnavailable)
	s.FailNext("/oauth/token", 1, http.StatusInternalServerError)

	status, body := postToken(t, s, signRS256(t, s, assertionClaims(s, testNow)))
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.NotEmpty(t, body["errorCode"])
	for range 2 {
		resp, body := get(t, streamURL(s, "", 5), tok)
		assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
		var e map[string]string
		require.NoError(t, json.Unmarshal(body, &e))
		assert.Equal(t, "INTERNAL_SERVER_ERROR", e["errorCode"])
	}
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	status, _ = postToken(t, s, signRS256(t, s, assertionClaims(s, testNow)))
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, 2, s.Stats().StatusCounts[http.StatusServiceUnavailable])
}

func TestTruncateNext(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.TruncateNext(1)
	resp, err := http.DefaultClient.Do(authGet(t, streamURL(s, "", 50), tok))
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err, "Content-Length matches what is sent")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, int64(len(body)), resp.ContentLength)
	var page streamResponse
	assert.Error(t, json.Unmarshal(body, &page), "a truncated body does not decode")

	page = fetchPage(t, s, tok, "", 50)
	assert.Len(t, page.Data, 50)
	assert.Equal(t, 1, s.Stats().Truncated)
}

func authGet(t testing.TB, u, tok string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	return req
}

func TestResetNext(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	s.ResetNext(1)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(authGet(t, streamURL(s, "", 5), tok))
	if err == nil {
		resp.Body.Close()
	}
	require.Error(t, err, "the connection is dropped without a response")

	resp, err = client.Do(authGet(t, streamURL(s, "", 5), tok))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 1, s.Stats().Resets)
}

func TestFaultsAreSafeWhileServing(t *testing.T) {
	s, tok, _ := faultServer(t, Options{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				req, _ := http.NewRequest(http.MethodGet, streamURL(s, "", 20), nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				if resp, err := http.DefaultClient.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	for i := range 25 {
		s.FailNext("/api/", 1, http.StatusBadGateway)
		s.RateLimitNext(1, time.Second)
		s.TruncateNext(1)
		s.ResetNext(1)
		s.SetLatency(time.Duration(i%2) * time.Millisecond)
		s.AddMonitorEvents(1, testNow, time.Second)
		_ = s.Stats()
	}
	wg.Wait()
	assert.Equal(t, 125, s.MonitorEventCount())
}

func TestDateHeaderFollowsTheServerClock(t *testing.T) {
	const ahead = 10 * time.Minute
	s := newTestServer(t, Options{Now: func() time.Time { return time.Now().Add(ahead) }})
	s.AddUsers(2)
	tok := s.IssueToken()
	s.FailNext("/v1/", 1, http.StatusServiceUnavailable)
	for _, c := range []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"stream", authGet(t, streamURL(s, "", 5), tok), http.StatusOK},
		{"injected fault", authGet(t, s.URL()+"/v1/organizations/"+s.OrganizationID()+"/stream", tok), http.StatusServiceUnavailable},
		{"users", authGet(t, usersURL(s, nil), tok), http.StatusOK},
		{"profile", authGet(t, profileURL(s, s.UserID(), nil), tok), http.StatusOK},
		{"userinfo", authGet(t, s.URL()+"/oauth/userinfo", tok), http.StatusOK},
		{"bad token", authGet(t, streamURL(s, "", 5), "expired"), http.StatusUnauthorized},
		{"no such endpoint", authGet(t, s.URL()+"/nowhere", tok), http.StatusNotFound},
		{"consent page", authGet(t, s.URL()+"/oauth/auth", ""), http.StatusOK},
		{"token error", tokenRequest(t, s, "not-a-jwt"), http.StatusBadRequest},
		{"token", tokenRequest(t, s, signRS256(t, s, assertionClaims(s, s.now()))), http.StatusOK},
	} {
		resp, err := http.DefaultClient.Do(c.req)
		require.NoError(t, err, c.name)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, c.status, resp.StatusCode, c.name)
		date, err := http.ParseTime(resp.Header.Get("Date"))
		require.NoError(t, err, "%s: Date %q", c.name, resp.Header.Get("Date"))
		assert.InDelta(t, ahead.Seconds(), time.Until(date).Seconds(), 2, "%s: Date %s is the server clock's", c.name, date)
	}

	fixed, _, _ := faultServer(t, Options{}) // a test clock: the Date is exactly its time
	resp, _ := get(t, fixed.URL()+"/nowhere", "")
	assert.Equal(t, "Fri, 02 Oct 2026 15:00:00 GMT", resp.Header.Get("Date"))
}

func TestSpendRateLimit(t *testing.T) {
	s, tok, clk := faultServer(t, Options{RateLimit: 1000})
	remaining := func() string {
		resp, _ := get(t, streamURL(s, "", 5), tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return resp.Header.Get("X-RateLimit-Remaining")
	}
	assert.Equal(t, "999", remaining())
	s.SpendRateLimit(950)
	assert.Equal(t, "48", remaining(), "under 10% of the hour's budget is left")
	assert.Equal(t, "47", remaining(), "later requests keep counting down")
	s.SpendRateLimit(-5) // nothing to spend
	assert.Equal(t, "46", remaining())

	clk.Advance(time.Hour)
	tok = token(t, s, clk.Now())
	assert.Equal(t, "999", remaining(), "a new hour restores the allowance")
	s.SpendRateLimit(2000)
	assert.Equal(t, "0", remaining(), "remaining never goes below zero")

	// SpendRateLimit in a new hour spends that hour, not the last one served.
	clk.Advance(time.Hour)
	tok = token(t, s, clk.Now())
	s.SpendRateLimit(100)
	assert.Equal(t, "899", remaining())
}

func TestSpendRateLimitWithEnforcement(t *testing.T) {
	s, tok, _ := faultServer(t, Options{RateLimit: 10, EnforceRateLimit: true})
	s.SpendRateLimit(9)
	resp, _ := get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "the tenth request of the hour is within the limit")
	assert.Equal(t, "0", resp.Header.Get("X-RateLimit-Remaining"))
	resp, _ = get(t, streamURL(s, "", 5), tok)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
}
