// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

// Defect 1: no rate-limit header value may crash the pacer or make it wait without bound.
func TestGarbageRateLimitHeadersNeverCrashOrStall(t *testing.T) {
	soon := func() string { return strconv.FormatInt(time.Now().Add(time.Second).Unix(), 10) }
	tests := []struct {
		name, limit, remaining string
		reset                  func() string
	}{
		{"remaining -1 before a reset", "3000", "-1", soon},
		{"remaining far below zero", "3000", "-9223372036854775808", soon},
		{"remaining above int64", "3000", "99999999999999999999", soon},
		{"remaining not a number", "3000", "lots", soon},
		{"limit 0", "0", "-1", soon},
		{"limit negative", "-3000", "-1", soon},
		{"limit and remaining at int64's edge", "9223372036854775807", "9223372036854775807", soon},
		{"remaining above the limit", "10", "9223372036854775807", soon},
		{"reset not a number", "3000", "-1", func() string { return "soon" }},
		{"reset in milliseconds", "3000", "10", func() string { return strconv.FormatInt(time.Now().Add(time.Second).UnixMilli(), 10) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				hits.Add(1)
				w.Header().Set("X-RateLimit-Limit", tt.limit)
				w.Header().Set("X-RateLimit-Remaining", tt.remaining)
				w.Header().Set("X-RateLimit-Reset", tt.reset())
				_, _ = w.Write([]byte(`{"data":[]}`))
			})
			c := New(http.DefaultClient)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for range 2 {
				resp, err := c.Get(ctx, "monitor stream", url)
				require.NoError(t, err, "the pacer must neither crash nor wait past the reset")
				resp.Release()
			}
			assert.EqualValues(t, 2, hits.Load())
		})
	}
}

// Defect 6: every wait a server tells us is bounded by an hour.
func TestServerToldWaitsAreClampedToAnHour(t *testing.T) {
	yearAhead := time.Now().AddDate(1, 0, 0)
	tests := []struct {
		name   string
		status int
		header map[string]string
		body   string
	}{
		{"Retry-After a year", 429, map[string]string{"Retry-After": "31536000"}, ""},
		{"Retry-After overflowing time.Duration", 429, map[string]string{"Retry-After": "10000000000"}, ""},
		{"Retry-After an HTTP date next year", 429, map[string]string{"Retry-After": yearAhead.UTC().Format(http.TimeFormat)}, ""},
		{"reset a year ahead", 429, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(yearAhead.Unix(), 10)}, ""},
		{"reset in milliseconds a year ahead", 429, map[string]string{"X-RateLimit-Reset": strconv.FormatInt(yearAhead.UnixMilli(), 10)}, ""},
		{"hourly limit as a 400", 400, map[string]string{"Retry-After": "31536000"}, `{"errorCode":"HOURLY_APIINVOCATION_LIMIT_EXCEEDED"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			core, logs := observer.New(zap.WarnLevel)
			_, err := New(http.DefaultClient, WithLogger(zap.New(core))).Get(context.Background(), "monitor stream", url)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, time.Hour, apiErr.RetryAfter)
			assert.Contains(t, err.Error(), "retry after 1h0m0s")
			assert.Equal(t, 1, logs.FilterMessageSnippet("longer than max_wait").Len(), "one warning per clamped answer")
		})
	}
}

// Defect 6: a reset in milliseconds or skewed by the local clock spreads requests over at most an hour.
func TestRateLimitResetFarAheadSpreadsOverAtMostAnHour(t *testing.T) {
	now := time.Now()
	for name, tt := range map[string]struct {
		reset string
		want  time.Duration // the wait for the last request before the reset
	}{
		"milliseconds":   {strconv.FormatInt(now.Add(time.Minute).UnixMilli(), 10), time.Minute},
		"a year skewed":  {strconv.FormatInt(now.AddDate(1, 0, 0).Unix(), 10), time.Hour},
		"beyond int64":   {"92233720368547758070", time.Hour},
		"largest int64":  {"9223372036854775807", time.Hour},
		"ms, year 10000": {"253402300800000", time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			h := http.Header{}
			h.Set("X-RateLimit-Limit", "3000")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", tt.reset)
			var p pacer
			p.update(headers.RateLimit(h, now))
			assert.InDelta(t, tt.want, p.delay(now), float64(time.Second))
		})
	}
}

// Defect 6: a reset clamped by the pacer is reported once, not on every response.
func TestClampedResetIsReportedOncePerOccurrence(t *testing.T) {
	var reset atomic.Value
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Limit", "3000")
		w.Header().Set("X-RateLimit-Remaining", "2000")
		w.Header().Set("X-RateLimit-Reset", reset.Load().(string))
		_, _ = w.Write([]byte(`{}`))
	})
	core, logs := observer.New(zap.WarnLevel)
	c := New(http.DefaultClient, WithLogger(zap.New(core)))
	get := func(r string) {
		reset.Store(r)
		resp, err := c.Get(context.Background(), "monitor stream", url)
		require.NoError(t, err)
		resp.Release()
	}
	yearAhead := strconv.FormatInt(time.Now().AddDate(1, 0, 0).Unix(), 10)
	get(yearAhead)
	get(yearAhead)
	assert.Equal(t, 1, logs.Len(), "a run of clamped resets is one occurrence")
	get(strconv.FormatInt(time.Now().Add(time.Minute).Unix(), 10))
	get(yearAhead)
	assert.Equal(t, 2, logs.Len(), "a new run warns again")
	assert.Contains(t, logs.All()[0].Message, "X-RateLimit-Reset")
}

// Defect 6: a held request gives way to cancellation at once.
func TestClampedWaitStaysInterruptible(t *testing.T) {
	var hits atomic.Int64
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "31536000")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c := New(http.DefaultClient)
	_, err := c.Get(context.Background(), "monitor stream", url)
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Get(ctx, "monitor stream", url)
	require.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 1, hits.Load(), "the held request was never sent")
}

// Defect 7: a 429 whose body is cut short still carries Retry-After and holds the next request.
func TestRetryAfterSurvivesABodyCutShort(t *testing.T) {
	var hits atomic.Int64
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"errorCode":"TOO_MANY`))
	})
	c := New(http.DefaultClient)
	_, err := c.Get(context.Background(), "monitor stream", url)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Equal(t, 7*time.Second, apiErr.RetryAfter)
	assert.Contains(t, err.Error(), "retry after 7s")

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = c.Get(ctx, "monitor stream", url)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the 429 holds the next request")
	assert.EqualValues(t, 1, hits.Load())
}

// bearerTransport adds a known token, as auth.Transport does.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(req)
}

// Defect 8: a page that echoes our request headers never puts the token into an error.
func TestErrorsNeverQuoteTheAccessToken(t *testing.T) {
	tokens := map[string]string{
		"opaque": "tok-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-7f3a9c",
		"JWT":    "eyJ0eXAiOiJNVCIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl",
	}
	echoes := map[string]func(w http.ResponseWriter, r *http.Request){
		"text echo of the request": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_ = r.Header.Write(w)
		},
		"HTML table": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = fmt.Fprintf(w, "<html><table><tr><th>Authorization</th><td>%s</td></tr></table></html>", r.Header.Get("Authorization"))
		},
		"JSON message": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"errorCode":"INVALID_REQUEST","message":"headers: authorization=%s"}`, r.Header.Get("Authorization"))
		},
		"JSON errorCode": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = fmt.Fprintf(w, `{"errorCode":"%s"}`, r.Header.Get("Authorization"))
		},
		"JSON header map": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = fmt.Fprintf(w, `{"request":{"headers":{"Authorization":["%s"]}}}`, r.Header.Get("Authorization"))
		},
		"trace token header": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-DocuSign-TraceToken", r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	}
	for tokenKind, token := range tokens {
		for name, echo := range echoes {
			t.Run(tokenKind+"/"+name, func(t *testing.T) {
				url := serve(t, echo)
				_, err := New(&http.Client{Transport: bearerTransport{token}}).Get(context.Background(), "monitor stream", url)
				require.Error(t, err)
				assert.NotContains(t, err.Error(), token)
				assert.NotContains(t, err.Error(), token[len(token)-12:])
				assert.Contains(t, err.Error(), "[redacted]")
			})
		}
		t.Run(tokenKind+"/200 that is not JSON", func(t *testing.T) {
			url := serve(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = fmt.Fprintf(w, "<html>Welcome! Authorization: %s</html>", r.Header.Get("Authorization"))
			})
			resp, err := New(&http.Client{Transport: bearerTransport{token}}).Get(context.Background(), "monitor stream", url)
			require.NoError(t, err)
			quoted := redact.Snippet(resp.Body) // what the pollers quote when a page does not decode
			assert.NotContains(t, quoted, token[len(token)-12:])
			assert.Contains(t, quoted, "[redacted]")
		})
	}
}

// Defect 14: an error body is read only as far as it can be quoted, then the connection is dropped.
func TestErrorBodyIsReadOnlyAFewKiB(t *testing.T) {
	written := make(chan int64, 1)
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		chunk := []byte(strings.Repeat("<p>busy</p>", 1000))
		var n int64
		for n < 512<<20 {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		written <- n
	})
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadGateway, apiErr.StatusCode)
	assert.Less(t, <-written, int64(32<<20), "the server's writes fail soon after 64 KiB: the client hung up")
}

// Defect 14: a Content-Length is not an allocation request.
func TestContentLengthIsNotTrusted(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "30000000")
		_, _ = w.Write([]byte(`{"data":[`))
	})
	c := New(http.DefaultClient)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Get(context.Background(), "monitor stream", url)
	runtime.ReadMemStats(&after)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Contains(t, err.Error(), "cut short")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "9 bytes read must not allocate 30 MB")
}
