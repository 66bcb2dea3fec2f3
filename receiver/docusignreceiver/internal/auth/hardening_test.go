package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Defect 3: a redirect from the token endpoint is never followed, so the assertion stays put.
func TestTokenEndpointRedirectIsNeverFollowed(t *testing.T) {
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var stolen atomic.Int64
			elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				stolen.Add(1)
				_, _ = w.Write([]byte(`{"access_token":"from-elsewhere","token_type":"Bearer"}`))
			}))
			defer elsewhere.Close()
			f := newFakeOAuth(t, newClock())
			f.set(func(f *fakeOAuth) {
				f.respond = func(w http.ResponseWriter, r *http.Request, _ string) {
					http.Redirect(w, r, elsewhere.URL+"/oauth/token?state=s3cr3t", status)
				}
			})
			ts := newTestSource(t, f)

			_, err := ts.Token(context.Background())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Zero(t, stolen.Load(), "the redirect was followed")
			assert.Equal(t, status, e.StatusCode)
			assert.False(t, e.Temporary())
			host := strings.TrimPrefix(elsewhere.URL, "http://")
			assert.Contains(t, err.Error(), host)
			assert.NotContains(t, err.Error(), "s3cr3t", "host only")
			assert.NotContains(t, err.Error(), host+"/oauth", "host only")
		})
	}
}

// Defect 7: the token endpoint's Retry-After reaches the caller, bounded, also when the body is cut short.
func TestTokenErrorsCarryRetryAfter(t *testing.T) {
	c := newClock()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		body       string
		cutShort   bool
		want       time.Duration
		wantInMsg  string
	}{
		{"429 seconds", 429, "30", `{"error":"rate_limited","error_description":"slow down"}`, false, 30 * time.Second, "(retry after 30s)"},
		{"503 HTTP date", 503, c.Now().Add(2 * time.Minute).Format(http.TimeFormat), "<html>maintenance</html>", false, 2 * time.Minute, "(retry after 2m0s)"},
		{"429 a year, clamped", 429, "31536000", "", false, time.Hour, "(retry after 1h0m0s)"},
		{"429 body cut short", 429, "30", `{"error":"rate_`, true, 30 * time.Second, "(retry after 30s)"},
		{"429 without Retry-After", 429, "", "", false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeOAuth(t, c)
			f.set(func(f *fakeOAuth) {
				f.respond = func(w http.ResponseWriter, _ *http.Request, _ string) {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					if tt.cutShort {
						w.Header().Set("Content-Length", "1000")
					}
					w.WriteHeader(tt.status)
					_, _ = w.Write([]byte(tt.body))
				}
			})
			_, err := newTestSource(t, f).Token(context.Background())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.True(t, e.Temporary())
			assert.Equal(t, tt.want, e.RetryAfter)
			if tt.wantInMsg != "" {
				assert.Contains(t, err.Error(), tt.wantInMsg)
			} else {
				assert.NotContains(t, err.Error(), "retry after")
			}
		})
	}
}

// Defect 18: behind an egress proxy the assertion is signed for DocuSign's OAuth host, not the proxy.
func TestAudienceOverridesTheOAuthHost(t *testing.T) {
	proxy := newFakeOAuth(t, newClock()) // stands in for a proxy that forwards to DocuSign
	proxy.set(func(f *fakeOAuth) { f.wantAud = "account-d.docusign.com" })
	ts := newTestSource(t, proxy, func(cfg *Config) { cfg.Audience = "account-d.docusign.com" })
	token, err := ts.Token(context.Background())
	require.NoError(t, err, "the proxy verifies aud is account-d.docusign.com")
	assert.NotEmpty(t, token)
	assertions, _ := proxy.issued()
	require.Len(t, assertions, 1)
	assert.Equal(t, "account-d.docusign.com", claimsOf(t, assertions[0])["aud"])
}

func TestAudienceMustBeABareHost(t *testing.T) {
	valid := []string{"account-d.docusign.com", "account.docusign.com", "127.0.0.1:8443", "[::1]:9443", "localhost"}
	invalid := []string{"https://account-d.docusign.com", "account-d.docusign.com/oauth", " account-d.docusign.com",
		"account d.docusign.com", "user@account-d.docusign.com", "account-d.docusign.com:", "account-d.docusign.com:x",
		"account-d.docusign.com?x=1", "account-d.docusign.com#f", "account-d.docusign.com\n"}
	for _, aud := range valid {
		cfg := testConfig("https://proxy.example", newClock(), nil)
		cfg.Audience = aud
		ts, err := NewTokenSource(cfg)
		require.NoError(t, err, aud)
		assertion, err := ts.Assertion(time.Now())
		require.NoError(t, err)
		assert.Equal(t, aud, claimsOf(t, assertion)["aud"], "verbatim")
	}
	for _, aud := range invalid {
		cfg := testConfig("https://proxy.example", newClock(), nil)
		cfg.Audience = aud
		_, err := NewTokenSource(cfg)
		require.Error(t, err, "%q", aud)
		assert.Contains(t, err.Error(), "audience")
		assert.NotContains(t, err.Error(), "\n")
	}
}
