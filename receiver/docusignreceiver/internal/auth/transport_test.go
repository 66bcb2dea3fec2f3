package auth

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeAPI is a DocuSign API that answers 401 to tokens it was told to reject.
type fakeAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	rejectN  int // reject the first n distinct tokens; -1 rejects all
	seen     []string
	bodies   []string
	rejected map[string]bool
}

func newFakeAPI(t *testing.T, rejectN int) *fakeAPI {
	a := &fakeAPI{rejectN: rejectN, rejected: map[string]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		a.seen = append(a.seen, token)
		a.bodies = append(a.bodies, string(body))
		if ok && (a.rejectN < 0 || len(a.rejected) < a.rejectN) {
			a.rejected[token] = true
		}
		reject := !ok || a.rejected[token]
		a.mu.Unlock()
		if reject {
			http.Error(w, "denied", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *fakeAPI) calls() (tokens, bodies []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.seen...), append([]string(nil), a.bodies...)
}

func TestTransport(t *testing.T) {
	tests := []struct {
		name        string
		rejectN     int
		newRequest  func(url string) *http.Request
		wantStatus  int
		wantBody    string
		wantCalls   int
		wantFetches int64
	}{
		{"authorized", 0, get, http.StatusOK, "ok", 1, 1},
		{"401 invalidates, refetches and retries once", 1, get, http.StatusOK, "ok", 2, 2},
		{"second 401 is returned, no loop", -1, get, http.StatusUnauthorized, "denied\n", 2, 2},
		{"POST with GetBody is replayed", 1, postReplayable, http.StatusOK, "ok", 2, 2},
		{"POST without GetBody is not retried", 1, postOneShot, http.StatusUnauthorized, "denied\n", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth(t, newClock())
			ts := newTestSource(t, f)
			api := newFakeAPI(t, tt.rejectN)
			client := &http.Client{Transport: &Transport{Source: ts, Base: api.srv.Client().Transport}}

			req := tt.newRequest(api.srv.URL + "/api/v2.0/datasets/monitor/stream")
			resp, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Equal(t, tt.wantBody, string(body))
			assert.Empty(t, req.Header.Get("Authorization"), "the caller's request must not be modified")
			assert.Same(t, req, resp.Request, "the response must not expose the authorized clone")
			assert.Equal(t, tt.wantFetches, ts.Fetches())

			seen, bodies := api.calls()
			_, issued := f.issued()
			require.Len(t, seen, tt.wantCalls)
			assert.Equal(t, issued, seen, "each attempt carries the newest token")
			if req.Method == http.MethodPost {
				for _, b := range bodies {
					assert.Equal(t, "page=1", b)
				}
			}
		})
	}
}

func TestTransportReusesTheToken(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	ts := newTestSource(t, f)
	api := newFakeAPI(t, 0)
	client := &http.Client{Transport: &Transport{Source: ts, Base: api.srv.Client().Transport}}
	for range 5 {
		resp, err := client.Do(get(api.srv.URL))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.EqualValues(t, 1, ts.Fetches())
}

func TestTransportReturnsTokenErrors(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	f.set(func(f *fakeOAuth) { f.respond = respondJSON(http.StatusBadRequest, CodeConsentRequired, "", "") })
	ts := newTestSource(t, f)
	api := newFakeAPI(t, 0)
	client := &http.Client{Transport: &Transport{Source: ts, Base: api.srv.Client().Transport}}

	resp, err := client.Do(get(api.srv.URL))
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.ErrorIs(t, err, ErrConsentRequired)
	seen, _ := api.calls()
	assert.Empty(t, seen, "no API call without a token")
}

func TestTransportWithoutSource(t *testing.T) {
	_, err := (&Transport{}).RoundTrip(get("http://127.0.0.1:1/"))
	assert.ErrorContains(t, err, "no token source")
}

func get(url string) *http.Request {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, http.NoBody)
	if err != nil {
		panic(err)
	}
	return req
}

func postReplayable(url string) *http.Request {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader("page=1"))
	if err != nil {
		panic(err)
	}
	return req
}

func postOneShot(url string) *http.Request {
	req := postReplayable(url)
	req.Body, req.GetBody = io.NopCloser(strings.NewReader("page=1")), nil
	return req
}
