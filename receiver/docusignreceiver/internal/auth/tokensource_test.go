package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

func TestNewTokenSourceValidates(t *testing.T) {
	base := testConfig("https://account-d.docusign.com", newClock(), nil)
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
		ts, err := NewTokenSource(testConfig(in, newClock(), nil))
		require.NoError(t, err, "OAuthBaseURL %q", in)
		assertion, err := ts.Assertion(time.Now())
		require.NoError(t, err)
		assert.Equal(t, want, claimsOf(t, assertion)["aud"], "OAuthBaseURL %q", in)
	}
	for _, in := range []string{"https://account-d.docusign.com/oauth", "https://account-d.docusign.com?x=1", "ftp://account-d.docusign.com", "https://", "https://host:", ""} {
		_, err := NewTokenSource(testConfig(in, newClock(), nil))
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
		{"demo, default lifetime", "https://account-d.docusign.com", 0, ScopesFor(true, false),
			"account-d.docusign.com", now.Unix() + 3600, "signature impersonation"},
		{"local port, 600s", "http://127.0.0.1:8443", 600 * time.Second, ScopesFor(true, true),
			"127.0.0.1:8443", now.Unix() + 600, "signature impersonation user_read organization_read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig(tt.baseURL, newClock(), nil)
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
	f := newFakeOAuth(t, newClock())
	ts := newTestSource(t, f)
	first, err := ts.Token(context.Background())
	require.NoError(t, err)
	for range 5 {
		again, err := ts.Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, first, again)
	}
	_, tokens := f.issued()
	assert.Equal(t, []string{first}, tokens)
	assert.EqualValues(t, 1, f.requests.Load())
	assert.EqualValues(t, 1, ts.Fetches())
}

func TestTokenIsRefreshedBeforeExpiry(t *testing.T) {
	tests := []struct {
		name         string
		expiresIn    any
		lifetime     time.Duration
		margin       time.Duration
		refreshAfter time.Duration // first instant at which a new token is fetched
	}{
		{"default margin", 3600, 0, 0, 3600*time.Second - 5*time.Minute},
		{"custom margin", 3600, 0, time.Minute, 3600*time.Second - time.Minute},
		{"margin capped to half a short token", 60, 0, 0, 30 * time.Second},
		{"expires_in as a string", "600", 0, 0, 300 * time.Second},
		{"expires_in zero falls back to the lifetime", 0, 0, 0, 3600*time.Second - 5*time.Minute},
		{"expires_in missing falls back to the lifetime", nil, 600 * time.Second, 0, 300 * time.Second},
		{"expires_in negative falls back to the lifetime", -5, 120 * time.Second, 0, 60 * time.Second},
		{"huge expires_in is capped", 1e12, 0, 0, 24*time.Hour - 5*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			f := newFakeOAuth(t, c)
			f.set(func(f *fakeOAuth) { f.expiresIn = tt.expiresIn })
			ts := newTestSource(t, f, func(cfg *Config) { cfg.Lifetime, cfg.RefreshMargin = tt.lifetime, tt.margin })

			first, err := ts.Token(context.Background())
			require.NoError(t, err)
			c.Advance(tt.refreshAfter - time.Second)
			cached, err := ts.Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, first, cached, "token replaced too early")
			assert.EqualValues(t, 1, ts.Fetches())

			c.Advance(time.Second)
			fresh, err := ts.Token(context.Background())
			require.NoError(t, err)
			assert.NotEqual(t, first, fresh, "token not replaced at expiry minus margin")
			assert.EqualValues(t, 2, ts.Fetches())
			assert.EqualValues(t, 2, f.requests.Load())
		})
	}
}

func TestConcurrentCallersShareOneFetch(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	gate := make(chan struct{})
	f.set(func(f *fakeOAuth) { f.gate = gate })
	ts := newTestSource(t, f)

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
	assert.EqualValues(t, 1, f.requests.Load())
}

func TestFailedFetchReachesAllWaitersAndIsNotCached(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	gate := make(chan struct{})
	f.set(func(f *fakeOAuth) {
		f.gate = gate
		f.respond = respondJSON(http.StatusBadRequest, CodeInvalidGrant, "no good", "")
	})
	ts := newTestSource(t, f)

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
		assert.Equal(t, CodeInvalidGrant, e.Code)
	}
	assert.EqualValues(t, 1, f.requests.Load())

	f.set(func(f *fakeOAuth) { f.respond = nil })
	token, err := ts.Token(context.Background())
	require.NoError(t, err)
	assert.NotEmpty(t, token)
	assert.EqualValues(t, 2, f.requests.Load(), "the failure must not be cached")
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
			f := newFakeOAuth(t, newClock())
			f.set(func(f *fakeOAuth) { f.gate = make(chan struct{}) }) // never opens
			ts := newTestSource(t, f)
			ctx, cancel := tt.ctx()
			defer cancel()

			start := time.Now()
			_, err := tokenWithin(t, ts, ctx)
			require.ErrorIs(t, err, tt.want)
			assert.Less(t, time.Since(start), 2*time.Second)
			select { // the last waiter leaving cancels the request itself
			case <-f.aborted:
			case <-time.After(5 * time.Second):
				t.Fatal("token request was not canceled after its only waiter left")
			}
		})
	}
}

func TestOneWaiterLeavingDoesNotCancelTheOthers(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	gate := make(chan struct{})
	f.set(func(f *fakeOAuth) { f.gate = gate })
	ts := newTestSource(t, f)

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
	assert.EqualValues(t, 1, f.requests.Load())
}

func TestInvalidateDropsOnlyTheCurrentToken(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	ts := newTestSource(t, f)
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
	assert.EqualValues(t, 2, f.requests.Load())
}

func TestTokenErrorCodesMapToHints(t *testing.T) {
	tests := []struct {
		code     string
		wantHint string
	}{
		{CodeConsentRequired, "grant consent once by opening "},
		{CodeInvalidGrant, "check user_id and integration_key, the environment (demo vs production) and this host's clock"},
		{CodeNoValidKeysOrSignature, "the private key does not match an RSA key pair of this integration key"},
		{CodeIssuerNotFound, "integration_key is unknown in this environment"},
		{CodeUserNotFound, "user_id is not a user GUID in this environment"},
		{"some_new_code", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newFakeOAuth(t, newClock())
			f.set(func(f *fakeOAuth) {
				f.respond = respondJSON(http.StatusBadRequest, tt.code, "details from DocuSign", "trace-abc-123")
			})
			ts := newTestSource(t, f)
			_, err := ts.Token(context.Background())
			require.Error(t, err)

			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.code, e.Code)
			assert.Equal(t, http.StatusBadRequest, e.StatusCode)
			assert.Equal(t, "trace-abc-123", e.TraceToken)
			assert.False(t, e.Temporary())

			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			assert.True(t, strings.HasPrefix(msg, "docusign oauth: "+tt.code+": details from DocuSign (trace token trace-abc-123)"), msg)
			if tt.wantHint != "" {
				assert.Contains(t, msg, " — "+tt.wantHint)
			} else {
				assert.NotContains(t, msg, " — ")
			}
			assert.Equal(t, tt.code == CodeConsentRequired, errors.Is(err, ErrConsentRequired))
		})
	}
}

func TestConsentRequiredCarriesTheConsentURL(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	f.set(func(f *fakeOAuth) {
		f.respond = respondJSON(http.StatusBadRequest, CodeConsentRequired, "consent_required", "")
	})
	ts := newTestSource(t, f)
	_, err := ts.Token(context.Background())
	require.ErrorIs(t, err, ErrConsentRequired)

	want := f.srv.URL + "/oauth/auth?response_type=code" +
		"&scope=signature%20impersonation%20user_read%20organization_read" +
		"&client_id=" + testIntegrationKey +
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
		ConsentURL("https://account-d.docusign.com/", "ik&x", "", ScopesFor(true, false)))
	assert.Equal(t,
		"https://account.docusign.com/oauth/auth?response_type=code&scope=signature%20impersonation%20user_read%20organization_read&client_id=ik&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb%3Fa%3D1",
		ConsentURL("account.docusign.com", "ik", "http://localhost:8080/cb?a=1", ScopesFor(false, true)))
}

func TestScopesFor(t *testing.T) {
	assert.Equal(t, []string{"signature", "impersonation"}, ScopesFor(true, false))
	assert.Equal(t, []string{"signature", "impersonation", "user_read", "organization_read"}, ScopesFor(true, true))
	assert.Equal(t, []string{"signature", "impersonation", "user_read", "organization_read"}, ScopesFor(false, true))
}

func TestUnexpectedTokenResponses(t *testing.T) {
	html := "<html><head><title>503 Service Temporarily Unavailable</title></head><body>" +
		strings.Repeat("<p>maintenance</p>\n", 60) + "</body></html>"
	tests := []struct {
		name          string
		status        int
		body          string
		wantStatus    int
		wantCode      string
		wantTemporary bool
		wantInMsg     []string
	}{
		{"503 HTML", 503, html, 503, "", true,
			[]string{"HTTP 503: Service Unavailable: body \"<html><head><title>503 Service", "(trace token t-1)", "retrying later"}},
		{"502 empty", 502, "", 502, "", true, []string{"HTTP 502: Bad Gateway"}},
		{"429 JSON", 429, `{"error":"rate_limited","error_description":"slow down"}`, 429, "rate_limited", true,
			[]string{"rate_limited: slow down"}},
		{"404 HTML (wrong endpoint)", 404, "<html>not found</html>", 404, "", false, []string{"points at DocuSign's account server"}},
		{"400 without error code", 400, `{"message":"bad"}`, 400, "", false, []string{"HTTP 400: Bad Request"}},
		{"200 without access_token", 200, `{"token_type":"Bearer","expires_in":3600}`, 200, "", true, []string{"no access_token"}},
		{"200 not JSON", 200, "<html>hello</html>", 200, "", true, []string{"not the expected JSON object"}},
		{"200 wrong token_type", 200, `{"access_token":"abc","token_type":"mac"}`, 200, "", true, []string{`token_type "mac" is not Bearer`}},
		{"200 token with a newline", 200, `{"access_token":"abc\ndef"}`, 200, "", true, []string{"not allowed in an HTTP header"}},
		{"200 over 1 MiB", 200, `{"access_token":"` + strings.Repeat("a", 2<<20) + `"}`, 200, "", true, []string{"not the expected JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth(t, newClock())
			f.set(func(f *fakeOAuth) {
				f.respond = func(w http.ResponseWriter, _ *http.Request, _ string) {
					w.Header().Set(traceTokenHeader, "t-1")
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
				}
			})
			ts := newTestSource(t, f)
			token, err := ts.Token(context.Background())
			require.Error(t, err)
			assert.Empty(t, token)
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantStatus, e.StatusCode)
			assert.Equal(t, tt.wantCode, e.Code)
			assert.Equal(t, tt.wantTemporary, e.Temporary())
			assert.LessOrEqual(t, len(e.Snippet), redact.SnippetBytes)
			msg := err.Error()
			assert.NotContains(t, msg, "\n")
			for _, want := range tt.wantInMsg {
				assert.Contains(t, msg, want)
			}
			assert.Less(t, len(msg), 800, "one short line")
		})
	}
}

func TestNetworkFailureIsTemporary(t *testing.T) {
	f := newFakeOAuth(t, newClock())
	ts := newTestSource(t, f)
	f.srv.Close()
	_, err := ts.Token(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 0, e.StatusCode)
	assert.True(t, e.Temporary())
	var urlErr *url.Error
	assert.ErrorAs(t, err, &urlErr, "the network error stays reachable through Unwrap")
	assert.True(t, strings.HasPrefix(err.Error(), "docusign oauth: token request failed: "), err.Error())
}

func respondJSON(status int, code, description, trace string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, _ string) {
		if trace != "" {
			w.Header().Set(traceTokenHeader, trace)
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
	f := newFakeOAuth(t, newClock())
	ts := newTestSource(t, f, func(c *Config) { c.HTTPClient = &http.Client{Transport: panickingTransport{}} })
	_, err := tokenWithin(t, ts, context.Background())
	require.ErrorContains(t, err, "(recovered panic): round tripper bug")
	_, err = tokenWithin(t, ts, context.Background())
	require.Error(t, err, "not cached: the next call tries again")
}
