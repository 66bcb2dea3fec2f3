// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func serve(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestGetSuccessKeepsTraceToken(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-DocuSign-TraceToken", "tt-1")
		w.Header().Set("X-RateLimit-Limit", "3000")
		w.Header().Set("X-RateLimit-Remaining", "2999")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		_, _ = w.Write([]byte(`{"data":[]}`))
	})
	resp, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	assert.Equal(t, `{"data":[]}`, string(resp.Body))
	assert.Equal(t, "tt-1", resp.TraceToken)
}

// The observer learns every request's operation, status and remaining budget, so telemetry never
// reads a header itself.
func TestObserverSeesEveryRequestWithItsBudget(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "3000")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		switch r.URL.Path {
		case "/ok":
			w.Header().Set("X-RateLimit-Remaining", "2999")
			_, _ = w.Write([]byte(`{"data":[]}`))
		case "/limited":
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/garbled":
			w.Header().Set("X-RateLimit-Remaining", "lots")
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	var outcomes []Outcome
	c := New(http.DefaultClient, WithObserver(func(o Outcome) { outcomes = append(outcomes, o) }))
	for _, path := range []string{"/ok", "/limited", "/garbled"} {
		if resp, err := c.Get(context.Background(), "users list", url+path); err == nil {
			resp.Release()
		}
	}
	_, err := c.Get(context.Background(), "monitor stream", "http://127.0.0.1:9/unreachable")
	require.Error(t, err)

	type seen struct {
		op           string
		status       int
		remaining    int64
		hasRemaining bool
	}
	var got []seen
	for _, o := range outcomes {
		got = append(got, seen{o.Op, o.Status, o.RateLimit.Remaining, o.RateLimit.HasRemaining})
	}
	assert.Equal(t, []seen{
		{"users list", 200, 2999, true},
		{"users list", 429, 0, true}, // a 429's budget is reported even though it does not pace
		{"users list", 502, 0, false},
		{"monitor stream", 0, 0, false},
	}, got)
}

func TestGetErrorShapes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
		holds  bool // DocuSign said to wait: RetryAfter is set and the next request is held
		want   []string
	}{
		{"expired token", 401, nil, `{"errorCode":"AUTHORIZATION_INVALID_TOKEN","message":"The access token provided is expired"}`, false,
			[]string{"HTTP 401", "AUTHORIZATION_INVALID_TOKEN", "The access token provided is expired", "trace token tt"}},
		{"forbidden", 403, nil, `{"errorCode":"USER_LACKS_PERMISSIONS","message":"no"}`, false, []string{"Monitor add-on"}},
		{"server error html", 502, nil, `<html><body>Bad Gateway</body></html>`, false, []string{"HTTP 502", `body "<html><body>Bad Gateway`}},
		{"rate limited", 429, map[string]string{"Retry-After": "7"}, `{"errorCode":"TOO_MANY_REQUESTS"}`, true, []string{"retry after 7s"}},
		{"hourly limit as 400", 400, nil, `{"errorCode":"HOURLY_APIINVOCATION_LIMIT_EXCEEDED","message":"limit"}`, true, []string{"HOURLY_APIINVOCATION_LIMIT_EXCEEDED", "retry after"}},
		{"bad request", 400, nil, `{"error":"invalid_request","error_description":"limit must be at most 2000"}`, false, []string{"invalid_request", "limit must be at most 2000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("X-DocuSign-TraceToken", "tt")
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.holds, apiErr.RetryAfter > 0, "RetryAfter %s", apiErr.RetryAfter)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestGetTruncatedBodyIsCutShort(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"endCursor":"x","data":[`))
	})
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusOK, apiErr.StatusCode)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the read failure stays reachable")
	assert.NotErrorIs(t, err, ErrTooLarge, "asking for less would not help")
	assert.Contains(t, err.Error(), "cut short")
}

func TestGetConnectionRefusedIsANetworkErrorWithoutQuery(t *testing.T) {
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", "http://127.0.0.1:9/api?cursor=secretish")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Zero(t, apiErr.StatusCode, "no response arrived")
	var urlErr *url.Error
	require.ErrorAs(t, err, &urlErr, "the network failure stays reachable")
	assert.NotContains(t, err.Error(), "cursor=")
}

func TestGetCanceledReturnsContextError(t *testing.T) {
	url := serve(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := New(http.DefaultClient).Get(ctx, "monitor stream", url)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
}

func TestPacerSpreadsRequestsNearTheLimit(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var p pacer
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "3000")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10))

	h.Set("X-RateLimit-Remaining", "2000")
	p.update(headers.RateLimit(h, now))
	assert.Zero(t, p.delay(now), "plenty left: no delay")

	h.Set("X-RateLimit-Remaining", "99")
	p.update(headers.RateLimit(h, now))
	assert.Equal(t, 6*time.Second, p.delay(now), "99 left over 10 minutes: one every 6 s")

	p.block(now.Add(time.Minute))
	assert.Equal(t, time.Minute, p.delay(now), "a 429 holds every request")
}

func TestPacerWithoutSpreadingHoldsOnlyFor429s(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	c := New(http.DefaultClient, WithoutSpreading())
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "3000")
	h.Set("X-RateLimit-Remaining", "99")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10))
	c.pacer.update(headers.RateLimit(h, now))
	assert.Zero(t, c.pacer.delay(now), "a few requests are not spread over the hour")
	c.pacer.block(now.Add(time.Minute))
	assert.Equal(t, time.Minute, c.pacer.delay(now), "a 429 still holds them")
}

func TestPacerIgnoresMissingHeaders(t *testing.T) {
	var p pacer
	p.update(headers.RateLimit(http.Header{"X-Ratelimit-Remaining": {"1"}}, time.Now()))
	assert.Zero(t, p.delay(time.Now()))
}

func TestRetryAfterForms(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	wait := func() time.Duration {
		d, clamped := serverWait(h, now)
		assert.False(t, clamped)
		return d
	}
	assert.Equal(t, defaultRateLimitWait, wait())
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now.Add(90*time.Second).Unix(), 10))
	assert.Equal(t, 90*time.Second, wait())
	h.Set("Retry-After", now.Add(2*time.Minute).UTC().Format(http.TimeFormat))
	assert.Equal(t, 2*time.Minute, wait())
	h.Set("Retry-After", "3")
	assert.Equal(t, 3*time.Second, wait())
}

func TestOpenPeeksBeforeTheBodyHasArrived(t *testing.T) {
	rest := make(chan struct{})
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-DocuSign-TraceToken", "tt-2")
		w.Header().Set("Content-Length", "32")
		_, _ = w.Write([]byte(`{"endCursor":"c2","data":[`))
		w.(http.Flusher).Flush()
		<-rest // the rest is only sent once the client has seen the prefix
		_, _ = w.Write([]byte(`1,2]}`))
		_, _ = w.Write([]byte(" "))
	})
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	assert.Equal(t, "tt-2", s.TraceToken)
	prefix := s.Peek(func(b []byte) bool { return strings.Contains(string(b), `"c2"`) })
	assert.Equal(t, `{"endCursor":"c2","data":[`, string(prefix))
	close(rest)
	resp, err := s.ReadAll(nil)
	require.NoError(t, err)
	assert.Equal(t, `{"endCursor":"c2","data":[1,2]} `, string(resp.Body))
	assert.Equal(t, "tt-2", resp.TraceToken)
	resp.Release()
	s.Close() // after ReadAll: nothing left to do
}

func TestPeekStopsAtTheEndOfTheBody(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"data":[]}`)) })
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	calls := 0
	prefix := s.Peek(func([]byte) bool { calls++; return false })
	assert.Equal(t, `{"data":[]}`, string(prefix), "never enough: the whole body")
	assert.Positive(t, calls)
	resp, err := s.ReadAll(nil)
	require.NoError(t, err)
	assert.Equal(t, `{"data":[]}`, string(resp.Body))
}

func TestStreamCutShortAfterPeekIsAnError(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"endCursor":"x","data":[`))
	})
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	assert.Equal(t, `{"endCursor":"x","data":[`, string(s.Peek(func(b []byte) bool { return len(b) > 0 })))
	_, err = s.ReadAll(nil)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF, "the read failure stays reachable")
	assert.Contains(t, err.Error(), "cut short after 25 bytes")
}

func TestOpenNonSuccessIsAnErrorWithoutStream(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-DocuSign-TraceToken", "tt-3")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"errorCode":"SERVICE_UNAVAILABLE","message":"later"}`))
	})
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	assert.Nil(t, s)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "SERVICE_UNAVAILABLE")
	assert.Contains(t, err.Error(), "trace token tt-3")
}

func TestStreamCloseAbandonsTheBody(t *testing.T) {
	written := make(chan error, 1)
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		chunk := []byte(strings.Repeat("x", 64<<10))
		var err error
		for i := 0; i < 1024 && err == nil; i++ { // 64 MiB: far more than socket buffers hold
			_, err = w.Write(chunk)
		}
		written <- err
	})
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	s.Peek(func(b []byte) bool { return len(b) > 0 })
	s.Close()
	select {
	case err := <-written:
		assert.Error(t, err, "the server stops writing once the client hung up")
	case <-time.After(10 * time.Second):
		t.Fatal("closing the stream did not release the connection")
	}
	_, err = s.ReadAll(nil)
	assert.Error(t, err, "a closed stream has no body left")
}

func TestPeekJudgesTheLastBytesToo(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"endCursor":"c9","data":[]}`)) })
	s, err := New(http.DefaultClient).Open(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	defer s.Close()
	var judged []string
	s.Peek(func(b []byte) bool {
		judged = append(judged, string(b))
		return strings.Contains(string(b), `"c9"`)
	})
	require.NotEmpty(t, judged)
	assert.Equal(t, `{"endCursor":"c9","data":[]}`, judged[len(judged)-1], "a body that arrives whole in one read is still judged")
}
