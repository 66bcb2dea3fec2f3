// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// An integration that docusigntest does not know: for configs that never reach a server, for local
// token endpoints, and as the wrong identity in front of docusigntest.
const (
	testIntegrationKey = "9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
	testUserID         = "c0ffee00-1234-4abc-9def-0123456789ab"
	testRedirectURI    = "https://example.com/callback"
)

// epoch is where every test clock starts.
var epoch = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// testKey is an RSA key that is not docusigntest's, generated once per test binary (2048-bit
// generation is slow).
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

// allScopes is what a receiver with every source enabled asks for.
var allScopes = Scopes([]string{ScopeSignature}, []string{ScopeUserRead, ScopeOrganizationRead})

func pkcs1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func pkcs8PEM(t testing.TB, key any) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// testConfig is a valid Config of the test integration for baseURL.
func testConfig(baseURL string) Config {
	return Config{
		IntegrationKey: testIntegrationKey,
		UserID:         testUserID,
		PrivateKey:     testKey(),
		OAuthBaseURL:   baseURL,
		Scopes:         allScopes,
		RedirectURI:    testRedirectURI,
		Now:            testclock.New(epoch).Now,
	}
}

// newServer starts docusigntest's DocuSign on clock c: its token endpoint verifies every assertion
// with the integration's public key, as DocuSign does.
func newServer(t *testing.T, c *testclock.Clock) *docusigntest.Server {
	t.Helper()
	srv := docusigntest.NewServer(docusigntest.Options{Now: c.Now})
	t.Cleanup(srv.Close)
	return srv
}

// serverConfig is the Config of srv's integration, on clock c.
func serverConfig(srv *docusigntest.Server, c *testclock.Clock) Config {
	return Config{
		IntegrationKey: srv.IntegrationKey(),
		UserID:         srv.UserID(),
		PrivateKey:     srv.PrivateKey(),
		OAuthBaseURL:   srv.URL(),
		Scopes:         allScopes,
		RedirectURI:    testRedirectURI,
		Now:            c.Now,
	}
}

// newSource returns a TokenSource of cfg whose token requests cross w.
func newSource(t *testing.T, cfg Config, w *wire) *TokenSource {
	t.Helper()
	cfg.HTTPClient = &http.Client{Transport: w}
	ts, err := NewTokenSource(cfg)
	require.NoError(t, err)
	return ts
}

// sourceFor returns a TokenSource of srv's integration on clock c, changed by mutate, and the wire
// its token requests cross.
func sourceFor(t *testing.T, srv *docusigntest.Server, c *testclock.Clock, mutate ...func(*Config)) (*TokenSource, *wire) {
	t.Helper()
	cfg := serverConfig(srv, c)
	for _, m := range mutate {
		m(&cfg)
	}
	w := newWire(t)
	return newSource(t, cfg, w), w
}

// localTokenEndpoint answers every token request with answer and checks nothing. It stands in for
// docusigntest only where a test needs an answer docusigntest never gives; each use says which.
func localTokenEndpoint(t *testing.T, answer http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(answer)
	t.Cleanup(srv.Close)
	return srv.URL
}

// wire is the token client's transport. It holds requests while a gate is set, reports a request the
// TokenSource abandons while held, and records what crossed it: the assertions sent, and the trace
// tokens and bodies received.
type wire struct {
	base    *http.Transport
	aborted chan struct{} // receives when a request's context ends while it is held at the gate
	closing chan struct{} // closed at cleanup, so a failed test never leaves a request held

	mu         sync.Mutex
	gate       chan struct{} // nil: requests pass
	assertions []string
	traces     []string
	received   bytes.Buffer
}

func newWire(t *testing.T) *wire {
	w := &wire{base: &http.Transport{}, aborted: make(chan struct{}, 100), closing: make(chan struct{})}
	t.Cleanup(func() {
		close(w.closing)
		w.base.CloseIdleConnections()
	})
	return w
}

// hold makes requests wait until the returned channel is closed.
func (w *wire) hold() chan struct{} {
	gate := make(chan struct{})
	w.mu.Lock()
	w.gate = gate
	w.mu.Unlock()
	return gate
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	w.recordAssertion(req)
	w.mu.Lock()
	gate := w.gate
	w.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-w.closing:
		case <-req.Context().Done():
			w.aborted <- struct{}{}
			if req.Body != nil {
				_ = req.Body.Close()
			}
			return nil, req.Context().Err()
		}
	}
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.traces = append(w.traces, headers.TraceToken(resp.Header))
	w.mu.Unlock()
	resp.Body = &recordedBody{ReadCloser: resp.Body, w: w}
	return resp, nil
}

func (w *wire) recordAssertion(req *http.Request) {
	if req.GetBody == nil {
		return
	}
	body, err := req.GetBody()
	if err != nil {
		return
	}
	form, _ := io.ReadAll(body)
	values, _ := url.ParseQuery(string(form))
	w.mu.Lock()
	w.assertions = append(w.assertions, values.Get("assertion"))
	w.mu.Unlock()
}

// lastTrace is the trace token of the last answer, as the client reads it.
func (w *wire) lastTrace() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.traces) == 0 {
		return ""
	}
	return w.traces[len(w.traces)-1]
}

// sent returns every assertion sent.
func (w *wire) sent() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.assertions...)
}

var accessTokenField = regexp.MustCompile(`"access_token"\s*:\s*"([^"]*)`)

// accessTokens returns every access_token value in what the client read, cut short ones included.
func (w *wire) accessTokens() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var tokens []string
	for _, m := range accessTokenField.FindAllSubmatch(w.received.Bytes(), -1) {
		tokens = append(tokens, string(m[1]))
	}
	return tokens
}

// recordedBody keeps what the client reads of a body, up to 4 MiB per wire.
type recordedBody struct {
	io.ReadCloser
	w *wire
}

func (b *recordedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.w.mu.Lock()
	if b.w.received.Len() < 4<<20 {
		b.w.received.Write(p[:n])
	}
	b.w.mu.Unlock()
	return n, err
}

func randomHex(t testing.TB) string {
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// waitForWaiters blocks until n callers wait on the in-flight fetch.
func waitForWaiters(t *testing.T, ts *TokenSource, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		return ts.inflight != nil && ts.inflight.waiters == n
	}, 5*time.Second, time.Millisecond, "want %d waiters on the in-flight fetch", n)
}

func tokenWithin(t *testing.T, ts *TokenSource, ctx context.Context) (string, error) {
	t.Helper()
	type result struct {
		token string
		err   error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := ts.Token(ctx)
		ch <- result{tok, err}
	}()
	select {
	case r := <-ch:
		return r.token, r.err
	case <-time.After(5 * time.Second):
		t.Fatal("Token did not return")
		return "", nil
	}
}

// claimsOf returns the claims of an assertion signed with the test key.
func claimsOf(t *testing.T, assertion string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation()).
		ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return &testKey().PublicKey, nil })
	require.NoError(t, err)
	return claims
}

// accepted reports whether srv's API accepts token (GET /oauth/userinfo needs nothing but a valid token).
func accepted(t *testing.T, srv *docusigntest.Server, token string) bool {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL()+"/oauth/userinfo", http.NoBody)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
