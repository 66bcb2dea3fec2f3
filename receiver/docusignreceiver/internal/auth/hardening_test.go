// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// Defect 3: a redirect from the token endpoint is never followed, so the assertion stays put.
func TestTokenEndpointRedirectIsNeverFollowed(t *testing.T) {
	// docusigntest redirects with 307 and 308 only; 301, 302 and 303 (which a client would follow
	// with a GET) come from a local endpoint that points at docusigntest's recording elsewhere host.
	tests := []struct {
		name   string
		kind   docusigntest.Hostile
		status int
	}{
		{"token-redirect", docusigntest.HostileTokenRedirect, http.StatusTemporaryRedirect},
		{"redirect-307-elsewhere", docusigntest.HostileRedirect307Elsewhere, http.StatusTemporaryRedirect},
		{"redirect-308-elsewhere", docusigntest.HostileRedirect308Elsewhere, http.StatusPermanentRedirect},
		{"local 301", "", http.StatusMovedPermanently},
		{"local 302", "", http.StatusFound},
		{"local 303", "", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testclock.New(epoch)
			srv := newServer(t, c)
			cfg := serverConfig(srv, c)
			if tt.kind != "" {
				srv.ArmHostileAt("/oauth/token", tt.kind, 1)
			} else {
				cfg.OAuthBaseURL = localTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, srv.ElsewhereURL()+"/oauth/token?state=s3cr3t", tt.status)
				})
			}
			_, err := newSource(t, cfg, newWire(t)).Token(context.Background())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Empty(t, srv.ElsewhereRequests(), "the redirect was followed")
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Contains(t, err.Error(), "check that the OAuth base URL", "a configuration error, not one to wait out")
			elsewhere, perr := url.Parse(srv.ElsewhereURL())
			require.NoError(t, perr)
			assert.Contains(t, err.Error(), `"`+elsewhere.Host+`"`)
			assert.NotContains(t, err.Error(), "s3cr3t", "host only")
			assert.NotContains(t, err.Error(), elsewhere.Host+"/oauth", "host only")
		})
	}
}

// Defect 7: the token endpoint's Retry-After reaches the caller, bounded, also when the body is cut short.
func TestTokenErrorsCarryRetryAfter(t *testing.T) {
	c := testclock.New(epoch)
	// Rows with an answer come from a local endpoint: docusigntest's token errors say Retry-After in
	// seconds, at most 2, and always send their whole body.
	tests := []struct {
		name      string
		arm       func(srv *docusigntest.Server)
		answer    http.HandlerFunc
		wantCode  int
		want      time.Duration
		wantInMsg string
	}{
		{name: "429 token-429", arm: hostileToken(docusigntest.HostileToken429), wantCode: 429, want: 2 * time.Second, wantInMsg: "(retry after 2s)"},
		{name: "429 injected", arm: failToken(429), wantCode: 429, want: time.Second, wantInMsg: "(retry after 1s)"},
		{name: "503 without Retry-After", arm: failToken(503), wantCode: 503},
		{name: "503 HTTP date", answer: retryAfterAnswer(503, c.Now().Add(2*time.Minute).Format(http.TimeFormat), "<html>maintenance</html>", false),
			wantCode: 503, want: 2 * time.Minute, wantInMsg: "(retry after 2m0s)"},
		{name: "429 a year, clamped", answer: retryAfterAnswer(429, "31536000", "", false), wantCode: 429, want: time.Hour, wantInMsg: "(retry after 1h0m0s)"},
		{name: "429 body cut short", answer: retryAfterAnswer(429, "30", `{"error":"rate_`, true), wantCode: 429, want: 30 * time.Second, wantInMsg: "(retry after 30s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			if tt.answer != nil {
				cfg = testConfig(localTokenEndpoint(t, tt.answer))
				cfg.Now = c.Now
			} else {
				srv := newServer(t, c)
				tt.arm(srv)
				cfg = serverConfig(srv, c)
			}
			_, err := newSource(t, cfg, newWire(t)).Token(context.Background())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantCode, e.StatusCode)
			assert.Equal(t, tt.want, e.RetryAfter)
			if tt.wantInMsg != "" {
				assert.Contains(t, err.Error(), tt.wantInMsg)
			} else {
				assert.NotContains(t, err.Error(), "retry after")
			}
		})
	}
}

// retryAfterAnswer is a local endpoint's answer with a Retry-After; cutShort promises more body than sent.
func retryAfterAnswer(status int, retryAfter, body string, cutShort bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		if cutShort {
			w.Header().Set("Content-Length", "1000")
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}
}

// Defect 18: behind an egress proxy the assertion is signed for DocuSign's OAuth host, not the proxy.
func TestAudienceOverridesTheOAuthHost(t *testing.T) {
	c := testclock.New(epoch)
	srv := newServer(t, c) // stands in for a proxy that forwards to DocuSign's demo OAuth host
	ts, _ := sourceFor(t, srv, c, func(cfg *Config) { cfg.Audience = srv.RealAudience() })
	token, err := ts.Token(context.Background())
	require.NoError(t, err, "docusigntest accepts its environment's real OAuth host as aud")
	assert.NotEmpty(t, token)
	assert.Equal(t, "account-d.docusign.com", srv.LastAssertionClaims()["aud"])
}

func TestAudienceMustBeABareHost(t *testing.T) {
	valid := []string{"account-d.docusign.com", "account.docusign.com", "127.0.0.1:8443", "[::1]:9443", "localhost"}
	invalid := []string{"https://account-d.docusign.com", "account-d.docusign.com/oauth", " account-d.docusign.com",
		"account d.docusign.com", "user@account-d.docusign.com", "account-d.docusign.com:", "account-d.docusign.com:x",
		"account-d.docusign.com?x=1", "account-d.docusign.com#f", "account-d.docusign.com\n"}
	for _, aud := range valid {
		cfg := testConfig("https://proxy.example")
		cfg.Audience = aud
		ts, err := NewTokenSource(cfg)
		require.NoError(t, err, aud)
		assertion, err := ts.Assertion(time.Now())
		require.NoError(t, err)
		assert.Equal(t, aud, claimsOf(t, assertion)["aud"], "verbatim")
	}
	for _, aud := range invalid {
		cfg := testConfig("https://proxy.example")
		cfg.Audience = aud
		_, err := NewTokenSource(cfg)
		require.Error(t, err, "%q", aud)
		assert.Contains(t, err.Error(), "audience")
		assert.NotContains(t, err.Error(), "\n")
	}
}
