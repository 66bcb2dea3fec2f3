// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// apiCalls is the Transport's base: it records the bearer token and body of every API call it
// forwards to docusigntest.
type apiCalls struct {
	base *http.Transport

	mu     sync.Mutex
	tokens []string
	bodies []string
}

func newAPICalls(t *testing.T) *apiCalls {
	a := &apiCalls{base: &http.Transport{}}
	t.Cleanup(a.base.CloseIdleConnections)
	return a
}

func (a *apiCalls) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		_ = req.Body.Close()
		req.Body = io.NopCloser(strings.NewReader(string(body)))
	}
	a.mu.Lock()
	a.tokens = append(a.tokens, strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
	a.bodies = append(a.bodies, string(body))
	a.mu.Unlock()
	return a.base.RoundTrip(req)
}

func (a *apiCalls) seen() (tokens, bodies []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.tokens...), append([]string(nil), a.bodies...)
}

func TestTransport(t *testing.T) {
	expire := func(srv *docusigntest.Server) { srv.ExpireTokens() }
	tests := []struct {
		name        string
		before      func(srv *docusigntest.Server) // after the first token was issued
		newRequest  func(url string) *http.Request
		wantStatus  int
		wantBody    string
		wantCalls   int
		wantFetches int64
	}{
		{"authorized", nil, get, http.StatusOK, `"sub":"`, 1, 1},
		{"401 invalidates, refetches and retries once", expire, get, http.StatusOK, `"sub":"`, 2, 2},
		{"second 401 is returned, no loop", func(srv *docusigntest.Server) { srv.FailNext("/oauth/userinfo", 2, http.StatusUnauthorized) },
			get, http.StatusUnauthorized, "injected fault", 2, 2},
		{"POST with GetBody is replayed", expire, postReplayable, http.StatusOK, `"sub":"`, 2, 2},
		{"POST without GetBody is not retried", expire, postOneShot, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testclock.New(epoch)
			srv := newServer(t, c)
			ts, _ := sourceFor(t, srv, c)
			_, err := ts.Token(context.Background())
			require.NoError(t, err)
			if tt.before != nil {
				tt.before(srv)
			}
			api := newAPICalls(t)
			client := &http.Client{Transport: &Transport{Source: ts, Base: api}}

			// /oauth/userinfo is an API call that needs nothing but a valid token.
			req := tt.newRequest(srv.URL() + "/oauth/userinfo")
			resp, err := client.Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())

			assert.Equal(t, tt.wantStatus, resp.StatusCode)
			assert.Contains(t, string(body), tt.wantBody)
			assert.Empty(t, req.Header.Get("Authorization"), "the caller's request must not be modified")
			assert.Same(t, req, resp.Request, "the response must not expose the authorized clone")
			assert.Equal(t, tt.wantFetches, ts.Fetches())

			tokens, bodies := api.seen()
			require.Len(t, tokens, tt.wantCalls)
			current, err := ts.Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, current, tokens[len(tokens)-1], "each attempt carries the newest token")
			if len(tokens) == 2 {
				assert.NotEqual(t, tokens[0], tokens[1], "the retry carries a new token")
			}
			if req.Method == http.MethodPost {
				for _, b := range bodies {
					assert.Equal(t, "page=1", b)
				}
			}
		})
	}
}

func TestTransportReusesTheToken(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	client := &http.Client{Transport: &Transport{Source: ts, Base: newAPICalls(t)}}
	for range 5 {
		resp, err := client.Do(get(srv.URL() + "/oauth/userinfo"))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		assert.Equal(t, http.StatusOK, resp.StatusCode)
	}
	assert.EqualValues(t, 1, ts.Fetches())
}

func TestTransportReturnsTokenErrors(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	srv.SetConsentRequired(true)
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	api := newAPICalls(t)
	client := &http.Client{Transport: &Transport{Source: ts, Base: api}}

	resp, err := client.Do(get(srv.URL() + "/oauth/userinfo"))
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.ErrorIs(t, err, ErrConsentRequired)
	tokens, _ := api.seen()
	assert.Empty(t, tokens, "no API call without a token")
	assert.Zero(t, srv.Stats().UserInfoRequests)
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
