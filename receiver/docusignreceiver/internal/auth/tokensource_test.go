// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

func TestNewTokenSourceValidates(t *testing.T) {
	base := testConfig("https://account-d.docusign.com")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr []string
	}{
		{"valid", func(*Config) {}, nil},
		{"everything missing", func(c *Config) { *c = Config{} },
			[]string{"integration_key is empty", "user_id is empty", "private_key is missing", "OAuth base URL is empty", "scopes"}},
		{"small key", func(c *Config) { c.PrivateKey = small }, []string{"private_key has 1024 bits"}},
		{"base URL with path", func(c *Config) { c.OAuthBaseURL = "https://account-d.docusign.com/oauth" }, []string{"without a path"}},
		{"base URL with user info", func(c *Config) { c.OAuthBaseURL = "https://user:hunter2@account-d.docusign.com" }, []string{"user info"}},
		{"base URL scheme", func(c *Config) { c.OAuthBaseURL = "ftp://account-d.docusign.com" }, []string{"https"}},
		{"scope with space", func(c *Config) { c.Scopes = []string{"signature impersonation"} }, []string{`"signature impersonation" is not a single scope`}},
		{"lifetime too long", func(c *Config) { c.Lifetime = time.Hour + time.Second }, []string{"lifetime 1h0m1s"}},
		{"lifetime negative", func(c *Config) { c.Lifetime = -time.Second }, []string{"lifetime -1s"}},
		{"lifetime fractional", func(c *Config) { c.Lifetime = 1500 * time.Millisecond }, []string{"whole seconds"}},
		{"margin negative", func(c *Config) { c.RefreshMargin = -time.Minute }, []string{"refresh margin -1m0s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.mutate(&cfg)
			ts, err := NewTokenSource(cfg)
			if tt.wantErr == nil {
				require.NoError(t, err)
				require.NotNil(t, ts)
				return
			}
			require.Error(t, err)
			assert.Nil(t, ts)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), "hunter2")
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestAudienceDefaultsToTheOAuthHost(t *testing.T) {
	valid := map[string]string{
		"https://account-d.docusign.com":     "account-d.docusign.com",
		"https://account.docusign.com/":      "account.docusign.com",
		"account-d.docusign.com":             "account-d.docusign.com",
		"https://Account-D.DocuSign.com:443": "account-d.docusign.com",
		"http://127.0.0.1:8443":              "127.0.0.1:8443",
		"http://localhost:80":                "localhost",
		"https://[::1]:443":                  "[::1]",
		"https://[::1]:9443":                 "[::1]:9443",
		" https://account-d.docusign.com ":   "account-d.docusign.com",
	}
	for in, want := range valid {
		ts, err := NewTokenSource(testConfig(in))
		require.NoError(t, err, "OAuthBaseURL %q", in)
		assertion, err := ts.Assertion(time.Now())
		require.NoError(t, err)
		assert.Equal(t, want, claimsOf(t, assertion)["aud"], "OAuthBaseURL %q", in)
	}
	for _, in := range []string{"https://account-d.docusign.com/oauth", "https://account-d.docusign.com?x=1", "ftp://account-d.docusign.com", "https://", "https://host:", ""} {
		_, err := NewTokenSource(testConfig(in))
		assert.Error(t, err, "OAuthBaseURL %q", in)
	}
}

func TestAssertionClaims(t *testing.T) {
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		baseURL  string
		lifetime time.Duration
		scopes   []string
		wantAud  string
		wantExp  int64
		wantScp  string
	}{
		{"demo, default lifetime", "https://account-d.docusign.com", 0, Scopes([]string{ScopeSignature}),
			"account-d.docusign.com", now.Unix() + 3600, "signature impersonation"},
		{"local port, 600s", "http://127.0.0.1:8443", 600 * time.Second, allScopes,
			"127.0.0.1:8443", now.Unix() + 600, "signature impersonation user_read organization_read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(tt.baseURL)
			cfg.Lifetime, cfg.Scopes = tt.lifetime, tt.scopes
			ts, err := NewTokenSource(cfg)
			require.NoError(t, err)
			assertion, err := ts.Assertion(now)
			require.NoError(t, err)

			claims := jwt.MapClaims{}
			parser := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithJSONNumber(),
				jwt.WithTimeFunc(func() time.Time { return now }))
			token, err := parser.ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) {
				return &testKey().PublicKey, nil
			})
			require.NoError(t, err, "assertion must verify with the public key")
			assert.Equal(t, "RS256", token.Header["alg"])
			assert.Equal(t, "JWT", token.Header["typ"])
			assert.Equal(t, jwt.MapClaims{
				"iss":   testIntegrationKey,
				"sub":   testUserID,
				"aud":   tt.wantAud,
				"iat":   json.Number(strconv.FormatInt(now.Unix(), 10)),
				"exp":   json.Number(strconv.FormatInt(tt.wantExp, 10)),
				"scope": tt.wantScp,
			}, claims)
		})
	}
}

func TestTokenIsFetchedOnceAndReused(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	first, err := ts.Token(context.Background())
	require.NoError(t, err)
	for range 5 {
		again, err := ts.Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, first, again)
	}
	assert.True(t, accepted(t, srv, first), "the token is the one DocuSign issued")
	assert.Equal(t, 1, srv.Stats().TokensIssued)
	assert.EqualValues(t, 1, ts.Fetches())
}

func TestTokenIsRefreshedBeforeExpiry(t *testing.T) {
	tests := []struct {
		name         string
		expiresIn    time.Duration // docusigntest's expires_in
		margin       time.Duration
		refreshAfter time.Duration // first instant at which a new token is fetched
	}{
		{"default margin", time.Hour, 0, 3600*time.Second - 5*time.Minute},
		{"custom margin", time.Hour, time.Minute, 3600*time.Second - time.Minute},
		{"margin capped to half a short token", time.Minute, 0, 30 * time.Second},
		{"huge expires_in is capped", 48 * time.Hour, 0, 24*time.Hour - 5*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testclock.New(epoch)
			srv := docusigntest.NewServer(docusigntest.Options{Now: c.Now, TokenLifetime: tt.expiresIn})
			t.Cleanup(srv.Close)
			ts, _ := sourceFor(t, srv, c, func(cfg *Config) { cfg.RefreshMargin = tt.margin })
			assertRefreshedAt(t, ts, c, tt.refreshAfter)
			assert.Equal(t, 2, srv.Stats().TokensIssued)
		})
	}
}

// docusigntest always sends expires_in as a positive whole number; DocuSign's documentation does
// not promise that, so these forms come from a local endpoint.
func TestExpiresInForms(t *testing.T) {
	tests := []struct {
		name         string
		expiresIn    any // JSON value of expires_in; nil leaves it out
		lifetime     time.Duration
		refreshAfter time.Duration
	}{
		{"expires_in as a string", "600", 0, 300 * time.Second},
		{"expires_in zero falls back to the lifetime", 0, 0, 3600*time.Second - 5*time.Minute},
		{"expires_in missing falls back to the lifetime", nil, 600 * time.Second, 300 * time.Second},
		{"expires_in negative falls back to the lifetime", -5, 120 * time.Second, 60 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var issued atomic.Int64
			endpoint := localTokenEndpoint(t, func(w http.ResponseWriter, _ *http.Request) {
				grant := map[string]any{"access_token": fmt.Sprintf("tok-%d", issued.Add(1)), "token_type": "Bearer"}
				if tt.expiresIn != nil {
					grant["expires_in"] = tt.expiresIn
				}
				_ = json.NewEncoder(w).Encode(grant)
			})
			c := testclock.New(epoch)
			cfg := testConfig(endpoint)
			cfg.Now, cfg.Lifetime = c.Now, tt.lifetime
			ts := newSource(t, cfg, newWire(t))
			assertRefreshedAt(t, ts, c, tt.refreshAfter)
			assert.EqualValues(t, 2, issued.Load())
		})
	}
}

// assertRefreshedAt checks that ts keeps its token until refreshAfter has passed on c, and fetches a
// new one then.
func assertRefreshedAt(t *testing.T, ts *TokenSource, c *testclock.Clock, refreshAfter time.Duration) {
	t.Helper()
	first, err := ts.Token(context.Background())
	require.NoError(t, err)
	c.Advance(refreshAfter - time.Second)
	cached, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, first, cached, "token replaced too early")
	assert.EqualValues(t, 1, ts.Fetches())

	c.Advance(time.Second)
	fresh, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first, fresh, "token not replaced at expiry minus margin")
	assert.EqualValues(t, 2, ts.Fetches())
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, w := sourceFor(t, srv, testclock.New(epoch))
	gate := w.hold()

	const callers = 50
	tokens := make([]string, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { tokens[i], errs[i] = ts.Token(context.Background()) })
	}
	waitForWaiters(t, ts, callers)
	close(gate)
	wg.Wait()

	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, tokens[0], tokens[i])
	}
	assert.NotEmpty(t, tokens[0])
	assert.Equal(t, 1, srv.Stats().Requests)
}

func TestFailedFetchReachesAllWaitersAndIsNotCached(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	srv.SetConsentRequired(true)
	ts, w := sourceFor(t, srv, testclock.New(epoch))
	gate := w.hold()

	const callers = 10
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { _, errs[i] = ts.Token(context.Background()) })
	}
	waitForWaiters(t, ts, callers)
	close(gate)
	wg.Wait()
	for _, err := range errs {
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, CodeConsentRequired, e.Code)
	}
	assert.Equal(t, 1, srv.Stats().Requests)

	srv.SetConsentRequired(false)
	token, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, token)
	assert.Equal(t, 2, srv.Stats().Requests, "the failure must not be cached")
}

func TestTokenReturnsPromptlyOnCancel(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"canceled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, testclock.New(epoch))
			ts, w := sourceFor(t, srv, testclock.New(epoch))
			w.hold() // never opens
			ctx, cancel := tt.ctx()
			defer cancel()

			start := time.Now()
			_, err := tokenWithin(t, ts, ctx)
			require.ErrorIs(t, err, tt.want)
			assert.Less(t, time.Since(start), 2*time.Second)
			select { // the last waiter leaving cancels the request itself
			case <-w.aborted:
			case <-time.After(5 * time.Second):
				t.Fatal("token request was not canceled after its only waiter left")
			}
		})
	}
}

func TestOneWaiterLeavingDoesNotCancelTheOthers(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, w := sourceFor(t, srv, testclock.New(epoch))
	gate := w.hold()

	leaving, leave := context.WithCancel(context.Background())
	leftErr := make(chan error, 1)
	go func() { _, err := ts.Token(leaving); leftErr <- err }()
	waitForWaiters(t, ts, 1)
	stayed := make(chan error, 1)
	var token string
	go func() { var err error; token, err = ts.Token(context.Background()); stayed <- err }()
	waitForWaiters(t, ts, 2)

	leave()
	require.ErrorIs(t, <-leftErr, context.Canceled)
	close(gate)
	require.NoError(t, <-stayed)
	assert.NotEmpty(t, token)
	assert.Equal(t, 1, srv.Stats().TokensIssued)
	assert.Empty(t, w.aborted, "the request was not canceled")
}

func TestInvalidateDropsOnlyTheCurrentToken(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	first, err := ts.Token(context.Background())
	require.NoError(t, err)

	ts.Invalidate("some-older-token")
	again, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, first, again, "invalidating a stale token must keep the current one")

	ts.Invalidate(first)
	fresh, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.NotEqual(t, first, fresh)
	assert.Equal(t, 2, srv.Stats().TokensIssued)
}

func TestTokenErrorCodesMapToHints(t *testing.T) {
	tests := []struct {
		code     string
		provoke  func(srv *docusigntest.Server, c *testclock.Clock, cfg *Config)
		wantHint string
	}{
		{CodeConsentRequired, func(srv *docusigntest.Server, _ *testclock.Clock, _ *Config) { srv.SetConsentRequired(true) },
			"grant consent once by opening "},
		{CodeInvalidGrant, func(_ *docusigntest.Server, c *testclock.Clock, cfg *Config) {
			cfg.Now = func() time.Time { return c.Now().Add(10 * time.Minute) } // iat in DocuSign's future
		}, "check user_id and integration_key, the environment (demo vs production) and this host's clock"},
		{CodeNoValidKeysOrSignature, func(_ *docusigntest.Server, _ *testclock.Clock, cfg *Config) { cfg.PrivateKey = testKey() },
			"the private key does not match an RSA key pair of this integration key"},
		{CodeIssuerNotFound, func(_ *docusigntest.Server, _ *testclock.Clock, cfg *Config) { cfg.IntegrationKey = testIntegrationKey },
			"integration_key is unknown in this environment"},
		{CodeUserNotFound, func(_ *docusigntest.Server, _ *testclock.Clock, cfg *Config) { cfg.UserID = testUserID },
			"user_id is not a user GUID in this environment"},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			c := testclock.New(epoch)
			srv := newServer(t, c)
			cfg := serverConfig(srv, c)
			tt.provoke(srv, c, &cfg)
			w := newWire(t)
			_, err := newSource(t, cfg, w).Token(context.Background())
			require.Error(t, err)

			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, http.StatusBadRequest, e.StatusCode)
			assert.Equal(t, w.lastTrace(), e.TraceToken)
			assert.NotEmpty(t, e.TraceToken)
			assert.NotEmpty(t, e.Description)
			assert.Equal(t, 1, srv.Stats().TokenErrors[tt.code])

			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			assert.True(t, strings.HasPrefix(msg, "docusign oauth: "+tt.code+": "+e.Description+" (trace token "+e.TraceToken+")"), msg)
			assert.Contains(t, msg, " — "+tt.wantHint)
			assert.NotContains(t, msg, "retrying later", "a configuration error: retrying cannot help")
			assert.Equal(t, tt.code == CodeConsentRequired, errors.Is(err, ErrConsentRequired))
		})
	}
}

// docusigntest answers only the codes DocuSign documents; an unknown one comes from a local endpoint.
func TestUnknownTokenErrorCodeHasNoHint(t *testing.T) {
	endpoint := localTokenEndpoint(t, respondJSON(http.StatusBadRequest, "some_new_code", "details from DocuSign", "trace-abc-123"))
	_, err := newSource(t, testConfig(endpoint), newWire(t)).Token(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "some_new_code", e.Code)
	assert.Equal(t, "docusign oauth: some_new_code: details from DocuSign (trace token trace-abc-123)", err.Error())
	assert.NotErrorIs(t, err, ErrConsentRequired)
}

func TestConsentRequiredCarriesTheConsentURL(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	srv.SetConsentRequired(true)
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	_, err := ts.Token(context.Background())
	require.ErrorIs(t, err, ErrConsentRequired)

	want := srv.URL() + "/oauth/auth?response_type=code" +
		"&scope=signature%20impersonation%20user_read%20organization_read" +
		"&client_id=" + srv.IntegrationKey() +
		"&redirect_uri=https%3A%2F%2Fexample.com%2Fcallback"
	assert.Contains(t, err.Error(), "grant consent once by opening "+want+" as the impersonated user")
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, want, e.ConsentURL)
	assert.Equal(t, want, ts.ConsentURL())

	u, perr := url.Parse(want)
	require.NoError(t, perr)
	assert.Equal(t, "signature impersonation user_read organization_read", u.Query().Get("scope"))
}

func TestConsentURL(t *testing.T) {
	assert.Equal(t,
		"https://account-d.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation&client_id=ik%26x",
		ConsentURL("https://account-d.docusign.com/", "ik&x", "", Scopes([]string{ScopeSignature})))
	assert.Equal(t,
		"https://account.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation%20user_read%20organization_read&client_id=ik&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb%3Fa%3D1",
		ConsentURL("account.docusign.com", "ik", "http://localhost:8080/cb?a=1", Scopes([]string{ScopeUserRead, ScopeOrganizationRead})))
}

func TestScopes(t *testing.T) {
	monitor := []string{ScopeSignature}
	users := []string{ScopeUserRead, ScopeOrganizationRead}
	tests := []struct {
		name  string
		needs [][]string
		want  string
	}{
		{"no source: a token with sub still needs impersonation", nil, "signature impersonation"},
		{"monitor", [][]string{monitor}, "signature impersonation"},
		{"users", [][]string{users}, "signature impersonation user_read organization_read"},
		{"monitor and users", [][]string{monitor, users}, "signature impersonation user_read organization_read"},
		{"users and monitor: the consent URL's order holds", [][]string{users, monitor}, "signature impersonation user_read organization_read"},
		{"a scope declared twice is asked once", [][]string{users, {ScopeOrganizationRead, ScopeImpersonation}}, "signature impersonation user_read organization_read"},
		{"a new source's scope comes last", [][]string{monitor, users, {"new_scope"}}, "signature impersonation user_read organization_read new_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, strings.Join(Scopes(tt.needs...), " "))
		})
	}
	needs := [][]string{users}
	Scopes(needs...)
	assert.Equal(t, []string{ScopeUserRead, ScopeOrganizationRead}, users, "a source's declaration is left alone")
}

// retryLater is the hint of a failure that waiting may cure.
const retryLater = "DocuSign's OAuth service or the network failed; retrying later should help"

func TestUnexpectedTokenResponses(t *testing.T) {
	// Rows with an answer come from a local endpoint: docusigntest never sends an empty 5xx or a 200
	// grant that is malformed in these ways.
	tests := []struct {
		name       string
		arm        func(srv *docusigntest.Server) // docusigntest's misbehaviour
		answer     http.HandlerFunc               // or a local endpoint's answer
		wantStatus int
		wantCode   string
		wantRetry  bool // the message says retrying later may help
		wantInMsg  []string
	}{
		{name: "503 HTML", arm: hostileToken(docusigntest.HostileToken503), wantStatus: 503, wantRetry: true,
			wantInMsg: []string{`HTTP 503: Service Unavailable: body "<!doctype html><html><head><title>503 Service`}},
		{name: "502 HTML echoing the request", arm: hostileToken(docusigntest.HostileEchoHTML502), wantStatus: 502, wantRetry: true,
			wantInMsg: []string{"HTTP 502: Bad Gateway: body "}},
		{name: "502 empty", answer: answer(502, ""), wantStatus: 502, wantRetry: true, wantInMsg: []string{"HTTP 502: Bad Gateway (trace token t-1)"}},
		{name: "429 JSON", arm: hostileToken(docusigntest.HostileToken429), wantStatus: 429, wantCode: "too_many_requests",
			wantInMsg: []string{"too_many_requests: too many token requests"}},
		{name: "404 (wrong endpoint)", arm: failToken(404), wantStatus: 404, wantInMsg: []string{"HTTP 404: Not Found", "points at DocuSign's account server"}},
		{name: "400 without an OAuth error code", arm: failToken(400), wantStatus: 400, wantInMsg: []string{"HTTP 400: Bad Request", "points at DocuSign's account server"}},
		{name: "200 without access_token", answer: answer(200, `{"token_type":"Bearer","expires_in":3600}`), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{"no access_token"}},
		{name: "200 not JSON", arm: hostileToken(docusigntest.HostileEchoHTML200), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{"not the expected JSON object"}},
		{name: "200 wrong token_type", answer: answer(200, `{"access_token":"abc","token_type":"mac"}`), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{`token_type "mac" is not Bearer`}},
		{name: "200 token with a newline", answer: answer(200, `{"access_token":"abc\ndef"}`), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{"not allowed in an HTTP header"}},
		{name: "200 over 1 MiB", arm: hostileToken(docusigntest.HostileEndlessBody), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{"not the expected JSON object"}},
		{name: "200 cut short", arm: hostileToken(docusigntest.HostileBareContentLength), wantStatus: 200, wantRetry: true,
			wantInMsg: []string{"reading the token response: unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testclock.New(epoch)
			var cfg Config
			if tt.answer != nil {
				cfg = testConfig(localTokenEndpoint(t, tt.answer))
			} else {
				srv := newServer(t, c)
				tt.arm(srv)
				cfg = serverConfig(srv, c)
			}
			w := newWire(t)
			token, err := newSource(t, cfg, w).Token(context.Background())
			require.Error(t, err)
			assert.Empty(t, token)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantStatus, e.StatusCode)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.LessOrEqual(t, len(e.Snippet), redact.SnippetBytes)
			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			for _, want := range tt.wantInMsg {
				assert.Contains(t, msg, want)
			}
			assert.NotEmpty(t, e.TraceToken)
			assert.Equal(t, w.lastTrace(), e.TraceToken)
			assert.Contains(t, msg, "(trace token "+e.TraceToken+")")
			if tt.wantRetry {
				assert.Contains(t, msg, " — "+retryLater)
			} else {
				assert.NotContains(t, msg, retryLater)
			}
			assert.Less(t, len(msg), 800, "one short line")
		})
	}
}

func TestNetworkFailureIsTemporary(t *testing.T) {
	srv := newServer(t, testclock.New(epoch))
	ts, _ := sourceFor(t, srv, testclock.New(epoch))
	srv.Close()
	_, err := ts.Token(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 0, e.StatusCode)
	var urlErr *url.Error
	assert.ErrorAs(t, err, &urlErr, "the network error stays reachable through Unwrap")
	assert.True(t, strings.HasPrefix(err.Error(), "docusign oauth: token request failed: "), err.Error())
	assert.True(t, strings.HasSuffix(err.Error(), " — "+retryLater), err.Error())
}

// hostileToken arms docusigntest to misbehave on the next token request.
func hostileToken(kind docusigntest.Hostile) func(*docusigntest.Server) {
	return func(srv *docusigntest.Server) { srv.ArmHostileAt("/oauth/token", kind, 1) }
}

// failToken makes docusigntest answer the next token request with status and its API error JSON,
// which is not the OAuth error shape.
func failToken(status int) func(*docusigntest.Server) {
	return func(srv *docusigntest.Server) { srv.FailNext("/oauth/token", 1, status) }
}

// answer is a local endpoint's fixed answer, with trace token t-1.
func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set(headers.TraceTokenKey, "t-1")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

func respondJSON(status int, code, description, trace string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if trace != "" {
			w.Header().Set(headers.TraceTokenKey, trace)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": description})
	}
}

// panickingTransport panics inside the token request, as a buggy proxy round tripper could.
type panickingTransport struct{}

func (panickingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	panic("round tripper bug")
}

// Issue 11 defect 1: the token request runs on the source's own goroutine; a panic there must reach
// the waiters as an error instead of ending the process.
func TestPanicInTheTokenRequestIsAnError(t *testing.T) {
	cfg := testConfig("https://account-d.docusign.com")
	cfg.HTTPClient = &http.Client{Transport: panickingTransport{}}
	ts, err := NewTokenSource(cfg)
	require.NoError(t, err)
	_, err = tokenWithin(t, ts, context.Background())
	require.ErrorContains(t, err, "(recovered panic): round tripper bug")
	_, err = tokenWithin(t, ts, context.Background())
	require.Error(t, err, "not cached: the next call tries again")
}
