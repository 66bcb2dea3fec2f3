package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSecretsNeverPrinted drives every failure path and every way of printing the config and the
// source, then checks that no key line, assertion (or its signature) or access token shows up.
func TestSecretsNeverPrinted(t *testing.T) {
	var printed []string
	capture := func(err error) {
		require.Error(t, err)
		printed = append(printed, err.Error(), fmt.Sprintf("%v|%+v|%#v", err, err, err))
	}

	c := newClock()
	f := newFakeOAuth(t, c)
	ts := newTestSource(t, f)
	token, err := ts.Token(context.Background())
	require.NoError(t, err)
	assertion, err := ts.Assertion(c.Now())
	require.NoError(t, err)

	// Servers that echo the request or leak a token into a malformed answer.
	decoy := "leaked-" + randomHex(t)
	responders := map[string]func(http.ResponseWriter, *http.Request, string){
		"5xx echoing the form": func(w http.ResponseWriter, _ *http.Request, form string) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("upstream got: " + form))
		},
		"5xx echoing the form as JSON": func(w http.ResponseWriter, _ *http.Request, form string) {
			w.WriteHeader(http.StatusInternalServerError)
			_ = json.NewEncoder(w).Encode(map[string]string{"assertion": strings.TrimPrefix(form, "assertion=")})
		},
		"description echoing the assertion": func(w http.ResponseWriter, r *http.Request, _ string) {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{
				"error": CodeInvalidGrant, "error_description": "bad assertion " + r.PostForm.Get("assertion"),
			})
		},
		"5xx echoing credential headers": func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte("Proxy-Authorization: Basic " + decoy + "\r\nAuthorization: Bearer " + decoy + "\r\n"))
		},
		"description echoing a bearer token": func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": CodeInvalidGrant, "error_description": "got bearer " + decoy})
		},
		"200 with the token under another name": func(w http.ResponseWriter, _ *http.Request, _ string) {
			_, _ = w.Write([]byte(`{"accessToken":"` + decoy + `","token_type":"Bearer"}`))
		},
		"200 with a non-Bearer token": func(w http.ResponseWriter, _ *http.Request, _ string) {
			_, _ = w.Write([]byte(`{"access_token":"` + decoy + `","token_type":"mac"}`))
		},
		"200 truncated": func(w http.ResponseWriter, _ *http.Request, _ string) {
			_, _ = w.Write([]byte(`{"access_token":"` + decoy))
		},
		"403 HTML with a token": func(w http.ResponseWriter, _ *http.Request, _ string) {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<p>{"access_token": "` + decoy + `"}</p>`))
		},
	}
	for _, code := range []string{CodeConsentRequired, CodeInvalidGrant, CodeNoValidKeysOrSignature, CodeIssuerNotFound, CodeUserNotFound} {
		responders[code] = respondJSON(http.StatusBadRequest, code, "nope", "trace")
	}
	for name, respond := range responders {
		f.set(func(f *fakeOAuth) { f.respond = respond })
		ts.Invalidate(token)
		_, err := ts.Token(context.Background())
		require.Error(t, err, name)
		capture(err)
	}

	// Cancellation, network failure, config validation, key parsing.
	f.set(func(f *fakeOAuth) { f.respond = nil; f.gate = make(chan struct{}) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, err = ts.Token(ctx)
	cancel()
	capture(err)
	<-f.aborted
	closed := newFakeOAuth(t, c)
	down := newTestSource(t, closed)
	closed.srv.Close()
	_, err = down.Token(context.Background())
	capture(err)
	_, err = NewTokenSource(Config{PrivateKey: testKey(), OAuthBaseURL: "https://u:p@h/x"})
	capture(err)
	for _, m := range pasteManglings {
		_, err = ParsePrivateKey([]byte(m.mangle(pkcs1PEM(testKey()))[:700]))
		capture(err)
	}

	// Every way of printing the config and the source, alone and nested, while a token is cached.
	f.set(func(f *fakeOAuth) { f.gate = nil })
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

	assertions, tokens := f.issued()
	secrets := append(append([]string{assertion, token, live, decoy}, assertions...), tokens...)
	for _, a := range append(assertions, assertion) {
		if parts := strings.Split(a, "."); len(parts) == 3 {
			secrets = append(secrets, parts[1], parts[2][:32])
		}
	}
	for _, pemText := range []string{pkcs1PEM(testKey()), pkcs8PEM(t, testKey())} {
		for _, line := range strings.Split(pemText, "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				secrets = append(secrets, line, line[:16])
			}
		}
	}
	secrets = append(secrets, testKey().D.String()[:24], testKey().Primes[0].String()[:24], testKey().N.String()[:24])

	all := strings.Join(printed, "\n")
	require.Contains(t, all, "[redacted", "the redaction markers should be visible")
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Errorf("secret %.12s… appears in printed output", s)
		}
	}
}
