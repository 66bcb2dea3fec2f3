package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

const (
	testIntegrationKey = "9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
	testUserID         = "c0ffee00-1234-4abc-9def-0123456789ab"
	testRedirectURI    = "https://example.com/callback"
)

// testKey is generated once per test binary: 2048-bit generation is slow.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return key
})

func pkcs1PEM(key *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func pkcs8PEM(t testing.TB, key any) string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// clock is a controllable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeOAuth is a DocuSign token endpoint that verifies every assertion with the public key.
type fakeOAuth struct {
	t     *testing.T
	srv   *httptest.Server
	clock *clock

	requests atomic.Int64
	aborted  chan struct{} // receives when a request's context ends while it is held at the gate
	closing  chan struct{} // closed at cleanup so a failed test never hangs on a held request

	mu         sync.Mutex
	wantAud    string // "" → the server's own host:port
	wantScope  string
	expiresIn  any // JSON value of expires_in; nil omits it
	gate       chan struct{}
	respond    func(w http.ResponseWriter, r *http.Request, form string) // overrides the success response
	assertions []string
	tokens     []string
}

func newFakeOAuth(t *testing.T, c *clock) *fakeOAuth {
	f := &fakeOAuth{
		t: t, clock: c, expiresIn: 3600, aborted: make(chan struct{}, 100), closing: make(chan struct{}),
		wantScope: strings.Join(ScopesFor(true, true), " "),
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	t.Cleanup(func() { close(f.closing) }) // runs before srv.Close
	return f
}

func (f *fakeOAuth) set(fn func(f *fakeOAuth)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeOAuth) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != http.MethodPost || r.URL.Path != "/oauth/token" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		f.t.Errorf("token request %s %s (Content-Type %q)", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("token request form: %v", err)
		return
	}
	assertion := r.PostForm.Get("assertion")
	f.mu.Lock()
	f.assertions = append(f.assertions, assertion)
	wantAud, wantScope, gate, respond, expiresIn := f.wantAud, f.wantScope, f.gate, f.respond, f.expiresIn
	f.mu.Unlock()
	if wantAud == "" {
		wantAud = f.srv.Listener.Addr().String()
	}

	if got := r.PostForm.Get("grant_type"); got != jwtBearerGrant {
		f.reject(w, "grant_type "+got)
		return
	}
	if err := verifyAssertion(assertion, &testKey().PublicKey, wantAud, wantScope, f.clock.Now); err != nil {
		f.reject(w, err.Error())
		return
	}
	if gate != nil {
		select {
		case <-gate:
		case <-f.closing:
			return
		case <-r.Context().Done():
			f.aborted <- struct{}{}
			return
		}
	}
	if respond != nil {
		respond(w, r, r.PostForm.Encode())
		return
	}
	token := fmt.Sprintf("tok-%d-%s", f.requests.Load(), randomHex(f.t))
	f.mu.Lock()
	f.tokens = append(f.tokens, token)
	f.mu.Unlock()
	grant := map[string]any{"access_token": token, "token_type": "Bearer"}
	if expiresIn != nil {
		grant["expires_in"] = expiresIn
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(grant)
}

func (f *fakeOAuth) reject(w http.ResponseWriter, why string) {
	f.t.Errorf("token endpoint rejected the assertion: %s", why)
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"rejected by test server"}`))
}

func (f *fakeOAuth) issued() (assertions, tokens []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.assertions...), append([]string(nil), f.tokens...)
}

// verifyAssertion checks what DocuSign checks: RS256 signature, iss, sub, aud, iat/exp, scope.
func verifyAssertion(assertion string, pub *rsa.PublicKey, aud, scope string, now func() time.Time) error {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(aud), jwt.WithIssuer(testIntegrationKey),
		jwt.WithSubject(testUserID), jwt.WithIssuedAt(), jwt.WithExpirationRequired(), jwt.WithTimeFunc(now))
	if err != nil {
		return err
	}
	if claims["scope"] != scope {
		return fmt.Errorf("scope %q, want %q", claims["scope"], scope)
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if life := exp.Sub(iat.Time); life <= 0 || life > time.Hour {
		return fmt.Errorf("exp-iat %s", life)
	}
	return nil
}

func randomHex(t testing.TB) string {
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func testConfig(baseURL string, c *clock, client *http.Client) Config {
	return Config{
		IntegrationKey: testIntegrationKey,
		UserID:         testUserID,
		PrivateKey:     testKey(),
		OAuthBaseURL:   baseURL,
		Scopes:         ScopesFor(true, true),
		RedirectURI:    testRedirectURI,
		HTTPClient:     client,
		Now:            c.Now,
	}
}

func newTestSource(t *testing.T, f *fakeOAuth, mutate ...func(*Config)) *TokenSource {
	t.Helper()
	cfg := testConfig(f.srv.URL, f.clock, f.srv.Client())
	for _, m := range mutate {
		m(&cfg)
	}
	ts, err := NewTokenSource(cfg)
	require.NoError(t, err)
	return ts
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
