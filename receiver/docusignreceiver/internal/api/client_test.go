package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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
	var observed []int
	c := New(http.DefaultClient, WithObserver(func(op string, status int, _ http.Header) {
		assert.Equal(t, "monitor stream", op)
		observed = append(observed, status)
	}))
	resp, err := c.Get(context.Background(), "monitor stream", url)
	require.NoError(t, err)
	assert.Equal(t, `{"data":[]}`, string(resp.Body))
	assert.Equal(t, "tt-1", resp.TraceToken)
	assert.Equal(t, []int{200}, observed)
	remaining, ok := c.RateLimit()
	assert.True(t, ok)
	assert.Equal(t, 2999, remaining)
}

func TestGetErrorShapes(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		header    map[string]string
		body      string
		temporary bool
		want      []string
	}{
		{"expired token", 401, nil, `{"errorCode":"AUTHORIZATION_INVALID_TOKEN","message":"The access token provided is expired"}`, false,
			[]string{"HTTP 401", "AUTHORIZATION_INVALID_TOKEN", "The access token provided is expired", "trace token tt"}},
		{"forbidden", 403, nil, `{"errorCode":"USER_LACKS_PERMISSIONS","message":"no"}`, false, []string{"Monitor add-on"}},
		{"server error html", 502, nil, `<html><body>Bad Gateway</body></html>`, true, []string{"HTTP 502", `body "<html><body>Bad Gateway`}},
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
			assert.Equal(t, tt.temporary, apiErr.Temporary())
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestGetTruncatedBodyIsTemporary(t *testing.T) {
	url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte(`{"endCursor":"x","data":[`))
	})
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", url)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, apiErr.Temporary())
	assert.Contains(t, err.Error(), "cut short")
}

func TestGetConnectionRefusedIsTemporaryWithoutQuery(t *testing.T) {
	_, err := New(http.DefaultClient).Get(context.Background(), "monitor stream", "http://127.0.0.1:9/api?cursor=secretish")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.True(t, apiErr.Temporary())
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
	p.update(h, now)
	assert.Zero(t, p.delay(now), "plenty left: no delay")

	h.Set("X-RateLimit-Remaining", "99")
	p.update(h, now)
	assert.Equal(t, 6*time.Second, p.delay(now), "99 left over 10 minutes: one every 6 s")

	p.block(now.Add(time.Minute))
	assert.Equal(t, time.Minute, p.delay(now), "a 429 holds every request")
}

func TestPacerIgnoresMissingHeaders(t *testing.T) {
	var p pacer
	p.update(http.Header{"X-Ratelimit-Remaining": {"1"}}, time.Now())
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

func TestURLs(t *testing.T) {
	assert.Equal(t, "https://lens.docusign.net/api/v2.0/datasets/monitor/stream?cursor=aa_1_2_3&limit=2000",
		MonitorStreamURL("https://lens.docusign.net/", "aa_1_2_3", 2000))
	assert.Equal(t, "https://lens.docusign.net/api/v2.0/datasets/monitor/stream?limit=10", MonitorStreamURL("https://lens.docusign.net", "", 10))
	assert.Equal(t, "https://api-d.docusign.com/v1/organizations/org/stream?cursor=2026-11-01T00%3A00%3A00Z&limit=5",
		OrganizationStreamURL("https://api-d.docusign.com", "org", "2026-11-01T00:00:00Z", 5))
	got := UsersURL("https://api.docusign.net/management", UsersQuery{OrganizationID: "org 1", AccountID: "acc", Start: 250, Take: 250,
		LastModifiedSince: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), IncludeGroups: true})
	assert.Equal(t, "https://api.docusign.net/management/v2/organizations/org%201/users?account_id=acc&include_ds_groups=true&last_modified_since=2026-11-01T00%3A00%3A00Z&start=250&take=250", got)
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

func TestStreamCutShortAfterPeekIsTemporary(t *testing.T) {
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
	assert.True(t, apiErr.Temporary())
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
	assert.True(t, apiErr.Temporary())
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
