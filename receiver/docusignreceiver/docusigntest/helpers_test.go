// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var testNow = time.Date(2026, 10, 2, 15, 0, 0, 0, time.UTC)

func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := NewServer(opts)
	t.Cleanup(func() {
		http.DefaultClient.CloseIdleConnections()
		s.Close()
	})
	return s
}

// assertionClaims are the claims of a valid assertion for s at now.
func assertionClaims(s *Server, now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"iss":   s.IntegrationKey(),
		"sub":   s.UserID(),
		"aud":   s.Audience(),
		"iat":   now.Unix(),
		"exp":   now.Add(time.Hour).Unix(),
		"scope": "signature impersonation user_read",
	}
}

func signRS256(t testing.TB, s *Server, claims jwt.MapClaims) string {
	t.Helper()
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.PrivateKey())
	require.NoError(t, err)
	return signed
}

// postToken sends an assertion to the token endpoint and decodes the JSON answer.
func postToken(t testing.TB, s *Server, assertion string) (int, map[string]any) {
	t.Helper()
	form := url.Values{"grant_type": {JWTBearerGrant}, "assertion": {assertion}}
	resp, err := http.PostForm(s.URL()+"/oauth/token", form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

// token obtains an access token through the JWT grant.
func token(t testing.TB, s *Server, now time.Time) string {
	t.Helper()
	status, body := postToken(t, s, signRS256(t, s, assertionClaims(s, now)))
	require.Equal(t, http.StatusOK, status, "token grant: %v", body)
	tok, _ := body["access_token"].(string)
	require.NotEmpty(t, tok)
	return tok
}

// get performs an authenticated GET and returns the response with its body read.
func get(t testing.TB, rawURL, bearer string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	require.NoError(t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

type streamResponse struct {
	EndCursor string            `json:"endCursor"`
	Data      []json.RawMessage `json:"data"`
}

func streamURL(s *Server, cursor string, limit int) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", itoa(limit))
	}
	return s.URL() + "/api/v2.0/datasets/monitor/stream?" + q.Encode()
}

// fetchPage requests one stream page and requires a 200.
func fetchPage(t testing.TB, s *Server, bearer, cursor string, limit int) streamResponse {
	t.Helper()
	resp, body := get(t, streamURL(s, cursor, limit), bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode, "stream: %s", body)
	var page streamResponse
	require.NoError(t, json.Unmarshal(body, &page))
	require.NotNil(t, page.Data, "data must be an array, never null")
	return page
}

type eventHead struct {
	EventID   string `json:"eventId"`
	Timestamp string `json:"timestamp"`
}

func heads(t testing.TB, data []json.RawMessage) []eventHead {
	t.Helper()
	out := make([]eventHead, len(data))
	for i, raw := range data {
		require.NoError(t, json.Unmarshal(raw, &out[i]))
	}
	return out
}

// drain pages from cursor until caught up; it returns the events and the final cursor.
func drain(t testing.TB, s *Server, bearer, cursor string, limit int) ([]eventHead, string) {
	t.Helper()
	var all []eventHead
	for range 10_000 {
		resp, body := get(t, streamURL(s, cursor, limit), bearer)
		require.Equal(t, http.StatusOK, resp.StatusCode, "stream: %s", body)
		var page struct {
			EndCursor string      `json:"endCursor"`
			Data      []eventHead `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &page))
		if len(page.Data) == 0 {
			if strings.HasPrefix(cursor, "aa_") {
				require.Equal(t, cursor, page.EndCursor, "a caught-up page echoes the cursor it was sent")
			}
			return all, page.EndCursor
		}
		require.LessOrEqual(t, len(page.Data), limit)
		require.NotEqual(t, cursor, page.EndCursor, "a page with data moves the cursor")
		all = append(all, page.Data...)
		cursor = page.EndCursor
	}
	t.Fatal("stream never caught up")
	return nil, ""
}

func eventIDs(hs []eventHead) []string {
	ids := make([]string, len(hs))
	for i, h := range hs {
		ids[i] = h.EventID
	}
	return ids
}

func parseTS(t testing.TB, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err, "timestamp %q", s)
	return ts
}
