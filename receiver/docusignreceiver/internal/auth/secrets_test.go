// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// TestSecretsNeverPrinted drives every failure path and every way of printing the config and the
// source, then checks that no key line, assertion (or its signature) or access token shows up.
func TestSecretsNeverPrinted(t *testing.T) {
	var printed []string
	capture := func(err error) {
		require.Error(t, err)
		printed = append(printed, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
	}

	c := testclock.New(epoch)
	srv := newServer(t, c)
	w := newWire(t) // every token request below crosses it, so it saw every assertion and token
	ts := newSource(t, serverConfig(srv, c), w)
	token, err := ts.Token(context.Background())
	require.NoError(t, err)
	assertion, err := ts.Assertion(c.Now())
	require.NoError(t, err)

	// docusigntest's hostile token endpoint, and its refusals of a wrong identity.
	for _, kind := range []docusigntest.Hostile{
		docusigntest.HostileTokenEchoAssertion, docusigntest.HostileToken503, docusigntest.HostileToken429,
		docusigntest.HostileEchoHTML502, docusigntest.HostileEchoJSON500, docusigntest.HostileEchoHTML403,
		docusigntest.HostileEchoHTML200, docusigntest.HostileBareContentLength, docusigntest.HostileEndlessBody,
	} {
		srv.ArmHostileAt("/oauth/token", kind, 1)
		ts.Invalidate(token)
		_, err := ts.Token(context.Background())
		require.Error(t, err, kind)
		capture(err)
	}
	srv.SetConsentRequired(true)
	_, err = newSource(t, serverConfig(srv, c), w).Token(context.Background())
	capture(err)
	srv.SetConsentRequired(false)
	for _, wrong := range []func(*Config){
		func(cfg *Config) { cfg.PrivateKey = testKey() },
		func(cfg *Config) { cfg.IntegrationKey = testIntegrationKey },
		func(cfg *Config) { cfg.UserID = testUserID },
		func(cfg *Config) { cfg.Now = func() time.Time { return c.Now().Add(10 * time.Minute) } },
	} {
		cfg := serverConfig(srv, c)
		wrong(&cfg)
		_, err := newSource(t, cfg, w).Token(context.Background())
		capture(err)
	}

	// Servers that echo the request or leak a token into a malformed answer, as docusigntest never
	// does: a local endpoint plays them.
	decoy := "leaked-" + randomHex(t)
	var respond atomic.Pointer[http.HandlerFunc]
	local := testConfig(localTokenEndpoint(t, func(w http.ResponseWriter, r *http.Request) { (*respond.Load())(w, r) }))
	echoes := newSource(t, local, w)
	responders := map[string]http.HandlerFunc{
		"5xx echoing the form": func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("upstream got: " + r.PostForm.Encode()))
		},
		"5xx echoing the form as JSON": func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"assertion": r.PostForm.Get("assertion")})
		},
		"5xx echoing credential headers": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("Proxy-Authorization: Basic " + decoy + "\r\nAuthorization: Bearer " + decoy + "\r\n"))
		},
		"description echoing a bearer token": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": CodeInvalidGrant, "error_description": "got bearer " + decoy})
		},
		"200 with the token under another name": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"accessToken":"` + decoy + `","token_type":"Bearer"}`))
		},
		"200 with a non-Bearer token": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"` + decoy + `","token_type":"mac"}`))
		},
		"200 truncated": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"` + decoy))
		},
		"403 HTML with a token": func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<p>{"access_token": "` + decoy + `"}</p>`))
		},
	}
	for name, fn := range responders {
		respond.Store(&fn)
		_, err := echoes.Token(context.Background())
		require.Error(t, err, name)
		capture(err)
	}

	// Cancellation, network failure, config validation, key parsing.
	gate := w.hold()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	ts.Invalidate(token)
	_, err = ts.Token(ctx)
	cancel()
	capture(err)
	<-w.aborted
	close(gate)
	closed := newServer(t, c)
	down := newSource(t, serverConfig(closed, c), w)
	closed.Close()
	_, err = down.Token(context.Background())
	capture(err)
	_, err = NewTokenSource(Config{PrivateKey: testKey(), OAuthBaseURL: "https://u:p@h/x"})
	capture(err)
	for _, m := range pasteManglings {
		_, err = ParsePrivateKey([]byte(m.mangle(pkcs1PEM(testKey()))[:700]))
		capture(err)
	}

	// Every way of printing the config and the source, alone and nested, while a token is cached.
	live, err := ts.Token(context.Background())
	require.NoError(t, err)
	cfg := ts.cfg
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		printed = append(printed,
			fmt.Sprintf(verb, cfg), fmt.Sprintf(verb, &cfg), fmt.Sprintf(verb, ts),
			fmt.Sprintf(verb, struct{ C Config }{cfg}), fmt.Sprintf(verb, []any{cfg, ts}),
			fmt.Sprintf(verb, &Transport{Source: ts}), fmt.Sprintf(verb, struct{ T Transport }{Transport{Source: ts}}))
	}
	printed = append(printed, cfg.String(), cfg.GoString())

	assertions, tokens := w.sent(), w.accessTokens()
	require.NotEmpty(t, tokens)
	secrets := append(append([]string{assertion, token, live, decoy}, assertions...), tokens...)
	for _, a := range append(assertions, assertion) {
		if parts := strings.Split(a, "."); len(parts) == 3 {
			secrets = append(secrets, parts[1], parts[2][:32])
		}
	}
	for _, key := range []*rsa.PrivateKey{testKey(), srv.PrivateKey()} {
		for _, pemText := range []string{pkcs1PEM(key), pkcs8PEM(t, key)} {
			for _, line := range strings.Split(pemText, "\n") {
				if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
					secrets = append(secrets, line, line[:16])
				}
			}
		}
		secrets = append(secrets, key.D.String()[:24], key.Primes[0].String()[:24], key.N.String()[:24])
	}

	all := strings.Join(printed, "\n")
	require.Contains(t, all, "[redacted", "the redaction markers should be visible")
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("secret %.12s… appears in printed output", s)
		}
	}
}
