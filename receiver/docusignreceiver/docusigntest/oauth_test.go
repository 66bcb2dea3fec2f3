// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

func TestTokenAcceptsAValidAssertion(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now})
	claims := assertionClaims(s, clk.Now())
	claims["iat"] = clk.Now().Add(30 * time.Second).Unix() // within the 60 s clock skew

	status, body := postToken(t, s, signRS256(t, s, claims))

	require.Equal(t, http.StatusOK, status, "%v", body)
	assert.Equal(t, "Bearer", body["token_type"])
	assert.InDelta(t, 3600, body["expires_in"], 0)
	assert.Len(t, body["access_token"], 64)
	got := s.LastAssertionClaims()
	assert.Equal(t, s.IntegrationKey(), got["iss"])
	assert.Equal(t, s.UserID(), got["sub"])
	assert.Equal(t, s.Audience(), got["aud"])
	assert.Equal(t, "signature impersonation user_read", got["scope"])
	assert.Equal(t, 1, s.Stats().TokensIssued)
	assert.Equal(t, strings.TrimPrefix(s.URL(), "http://"), s.Audience())
}

func TestTokenRejectsBadAssertions(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now})
	now := clk.Now()
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)

	with := func(mutate func(jwt.MapClaims)) jwt.MapClaims {
		c := assertionClaims(s, now)
		mutate(c)
		return c
	}
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		signed, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return signed
	}
	valid := assertionClaims(s, now)

	for _, tc := range []struct {
		name      string
		assertion string
		code      string
	}{
		{"signed by another key", sign(jwt.SigningMethodRS256, otherKey, valid), "no_valid_keys_or_signatures"},
		{"HS256", sign(jwt.SigningMethodHS256, []byte("shared-secret"), valid), "no_valid_keys_or_signatures"},
		{"alg none", sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, valid), "no_valid_keys_or_signatures"},
		{"RS512", sign(jwt.SigningMethodRS512, s.PrivateKey(), valid), "no_valid_keys_or_signatures"},
		{"wrong aud", signRS256(t, s, with(func(c jwt.MapClaims) { c["aud"] = "account.example.com" })), "invalid_grant"},
		{"the other environment's aud", signRS256(t, s, with(func(c jwt.MapClaims) { c["aud"] = "account.docusign.com" })), "invalid_grant"},
		{"aud with scheme", signRS256(t, s, with(func(c jwt.MapClaims) { c["aud"] = s.URL() })), "invalid_grant"},
		{"no aud", signRS256(t, s, with(func(c jwt.MapClaims) { delete(c, "aud") })), "invalid_grant"},
		{"wrong iss", signRS256(t, s, with(func(c jwt.MapClaims) { c["iss"] = "00000000-0000-4000-8000-000000000009" })), "issuer_not_found"},
		{"wrong sub", signRS256(t, s, with(func(c jwt.MapClaims) { c["sub"] = "00000000-0000-4000-8000-000000000009" })), "user_not_found"},
		{"exp-iat over an hour", signRS256(t, s, with(func(c jwt.MapClaims) { c["exp"] = now.Add(time.Hour + time.Second).Unix() })), "invalid_grant"},
		{"exp before iat", signRS256(t, s, with(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(50*time.Second).Unix(), now.Add(40*time.Second).Unix()
		})), "invalid_grant"},
		{"expired", signRS256(t, s, with(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		})), "invalid_grant"},
		{"iat in the future", signRS256(t, s, with(func(c jwt.MapClaims) {
			c["iat"], c["exp"] = now.Add(5*time.Minute).Unix(), now.Add(30*time.Minute).Unix()
		})), "invalid_grant"},
		{"no iat", signRS256(t, s, with(func(c jwt.MapClaims) { delete(c, "iat") })), "invalid_grant"},
		{"no exp", signRS256(t, s, with(func(c jwt.MapClaims) { delete(c, "exp") })), "invalid_grant"},
		{"no impersonation", signRS256(t, s, with(func(c jwt.MapClaims) { c["scope"] = "signature user_read" })), "invalid_grant"},
		{"scope not consented", signRS256(t, s, with(func(c jwt.MapClaims) {
			c["scope"] = "signature impersonation organization_monitor_events_read"
		})), "consent_required"},
		{"not a JWT", "not.a.jwt", "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postToken(t, s, tc.assertion)
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, tc.code, body["error"])
			assert.NotEmpty(t, body["error_description"])
			assert.NotContains(t, body["error_description"], tc.assertion, "the assertion is a secret")
		})
	}
	st := s.Stats()
	assert.Equal(t, 19, st.TokenRejected)
	assert.Equal(t, 0, st.TokensIssued)
	assert.Equal(t, 4, st.TokenErrors["no_valid_keys_or_signatures"])
	assert.Equal(t, 1, st.TokenErrors["user_not_found"])
	assert.Equal(t, 1, st.TokenErrors["issuer_not_found"])
	assert.Equal(t, 1, st.TokenErrors["consent_required"])
}

// TestTokenAudienceOfTheSimulatedEnvironment: besides its own host, the server accepts the real OAuth
// host of the environment it simulates and refuses the other one's, as DocuSign refuses a demo key at
// production.
func TestTokenAudienceOfTheSimulatedEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env, accepted, refused, refusedEnv string
	}{
		{"", "account-d.docusign.com", "account.docusign.com", "production"},
		{EnvironmentDemo, "account-d.docusign.com", "account.docusign.com", "production"},
		{EnvironmentProduction, "account.docusign.com", "account-d.docusign.com", "demo"},
	} {
		t.Run(tc.env, func(t *testing.T) {
			s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Environment: tc.env})
			assert.Equal(t, tc.accepted, s.RealAudience())
			assert.Equal(t, strings.TrimPrefix(s.URL(), "http://"), s.Audience(), "what a client pointed at URL() signs")

			for _, aud := range []string{tc.accepted, s.Audience()} {
				claims := assertionClaims(s, testNow)
				claims["aud"] = aud
				status, body := postToken(t, s, signRS256(t, s, claims))
				assert.Equal(t, http.StatusOK, status, "aud %q: %v", aud, body)
			}

			claims := assertionClaims(s, testNow)
			claims["aud"] = tc.refused
			status, body := postToken(t, s, signRS256(t, s, claims))
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Equal(t, "invalid_grant", body["error"])
			assert.Contains(t, body["error_description"], tc.refusedEnv+" environment", "the description names the other environment")
			assert.Contains(t, body["error_description"], tc.accepted, "and the audience this server wants")
		})
	}
}

func TestUnknownEnvironmentPanics(t *testing.T) {
	assert.PanicsWithValue(t, `docusigntest: Options.Environment "staging" is neither "demo" nor "production"`,
		func() { NewServer(Options{Environment: "staging"}) })
}

func TestLastAssertionClaimsRecordsRejectedAssertions(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	claims := assertionClaims(s, testNow)
	claims["sub"] = "someone-else"
	status, _ := postToken(t, s, signRS256(t, s, claims))
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "someone-else", s.LastAssertionClaims()["sub"])
	assert.InDelta(t, float64(testNow.Unix()), s.LastAssertionClaims()["iat"], 0)
}

func TestTokenRejectsWrongGrantAndMissingAssertion(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	for _, tc := range []struct {
		form url.Values
		code string
	}{
		{url.Values{"grant_type": {"client_credentials"}, "assertion": {signRS256(t, s, assertionClaims(s, testNow))}}, "unsupported_grant_type"},
		{url.Values{"grant_type": {JWTBearerGrant}}, "invalid_request"},
	} {
		resp, err := http.PostForm(s.URL()+"/oauth/token", tc.form)
		require.NoError(t, err)
		var body map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		assert.Equal(t, tc.code, body["error"])
	}
	resp, _ := get(t, s.URL()+"/oauth/token", "")
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

func TestConsentRequiredSwitch(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.SetConsentRequired(true)
	status, body := postToken(t, s, signRS256(t, s, assertionClaims(s, testNow)))
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "consent_required", body["error"])

	s.SetConsentRequired(false)
	status, _ = postToken(t, s, signRS256(t, s, assertionClaims(s, testNow)))
	assert.Equal(t, http.StatusOK, status)
}

func TestConsentedScopesOption(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Scopes: []string{"signature", "impersonation"}})
	status, body := postToken(t, s, signRS256(t, s, assertionClaims(s, testNow))) // asks for user_read too
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "consent_required", body["error"])
	assert.Contains(t, body["error_description"], "user_read")
}

func TestTokenLifetimeAndExpireTokens(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, TokenLifetime: 10 * time.Minute})
	s.AddMonitorEvents(5, testNow.Add(-time.Minute), time.Second)
	status, body := postToken(t, s, signRS256(t, s, assertionClaims(s, clk.Now())))
	require.Equal(t, http.StatusOK, status)
	assert.InDelta(t, 600, body["expires_in"], 0)
	tok := body["access_token"].(string)

	fresh := token(t, s, clk.Now())
	s.ExpireTokens()
	for _, bearer := range []string{tok, fresh} {
		resp, respBody := get(t, streamURL(s, "", 10), bearer)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, string(respBody), "AUTHORIZATION_INVALID_TOKEN")
	}
	resp, _ := get(t, streamURL(s, "", 10), token(t, s, clk.Now()))
	assert.Equal(t, http.StatusOK, resp.StatusCode, "a token issued after ExpireTokens works")
}

func TestUserInfo(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	resp, _ := get(t, s.URL()+"/oauth/userinfo", "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	resp, body := get(t, s.URL()+"/oauth/userinfo", token(t, s, testNow))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var info struct {
		Sub      string `json:"sub"`
		Name     string `json:"name"`
		Email    string `json:"email"`
		Accounts []struct {
			AccountID    string `json:"account_id"`
			IsDefault    any    `json:"is_default"`
			AccountName  string `json:"account_name"`
			BaseURI      string `json:"base_uri"`
			Organization struct {
				OrganizationID string `json:"organization_id"`
			} `json:"organization"`
		} `json:"accounts"`
	}
	require.NoError(t, json.Unmarshal(body, &info))
	assert.Equal(t, s.UserID(), info.Sub)
	assert.NotEmpty(t, info.Name)
	assert.NotEmpty(t, info.Email)
	require.Len(t, info.Accounts, 1)
	assert.Equal(t, s.AccountID(), info.Accounts[0].AccountID)
	assert.Equal(t, "true", info.Accounts[0].IsDefault, "is_default arrives as a string, as DocuSign sometimes sends it")
	assert.Equal(t, s.URL(), info.Accounts[0].BaseURI)
	assert.Equal(t, s.OrganizationID(), info.Accounts[0].Organization.OrganizationID)
}

func TestConsentPage(t *testing.T) {
	s := newTestServer(t, Options{})
	q := url.Values{"response_type": {"code"}, "client_id": {s.IntegrationKey()}, "scope": {"signature impersonation"},
		"redirect_uri": {"http://localhost/<script>"}}
	resp, body := get(t, s.URL()+"/oauth/auth?"+q.Encode(), "")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Contains(t, string(body), "Consent would be granted")
	assert.Contains(t, string(body), s.IntegrationKey())
	assert.NotContains(t, string(body), "<script>", "reflected input is escaped")
}

func TestCustomIdentitiesAndKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	s := newTestServer(t, Options{IntegrationKey: "ik", UserID: "uid", OrganizationID: "org", AccountID: "acct", PrivateKey: key})
	assert.Equal(t, []string{"ik", "uid", "org", "acct"}, []string{s.IntegrationKey(), s.UserID(), s.OrganizationID(), s.AccountID()})
	assert.Same(t, key, s.PrivateKey())
	assert.Contains(t, string(s.PrivateKeyPEM()), "-----BEGIN RSA PRIVATE KEY-----")
	assert.Contains(t, string(s.PrivateKeyPKCS8PEM()), "-----BEGIN PRIVATE KEY-----")
	assert.Contains(t, string(s.PublicKeyPEM()), "-----BEGIN PUBLIC KEY-----")
	parsed, err := jwt.ParseRSAPrivateKeyFromPEM(s.PrivateKeyPEM())
	require.NoError(t, err)
	assert.True(t, key.Equal(parsed))
	assert.NotNil(t, token(t, s, time.Now()))
}

func TestUserInfoAdditionalAccounts(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	tok := token(t, s, testNow)
	accounts := func() []map[string]any {
		resp, body := get(t, s.URL()+"/oauth/userinfo", tok)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var info struct {
			Accounts []map[string]any `json:"accounts"`
		}
		require.NoError(t, json.Unmarshal(body, &info))
		return info.Accounts
	}
	defaults := accounts()
	require.Len(t, defaults, 1)

	const otherOrg = "0e0e0e0e-9999-4888-8777-666655554444"
	s.AddUserInfoAccount("a1a1a1a1-1111-4111-8111-111111111111", otherOrg, "Subsidiary Ltd")
	s.AddUserInfoAccount("b2b2b2b2-2222-4222-8222-222222222222", "", "Personal")
	all := accounts()
	require.Len(t, all, 3)
	assert.Equal(t, defaults[0], all[0], "the default account is listed first, unchanged")

	assert.Equal(t, "a1a1a1a1-1111-4111-8111-111111111111", all[1]["account_id"])
	assert.Equal(t, "false", all[1]["is_default"])
	assert.Equal(t, "Subsidiary Ltd", all[1]["account_name"])
	assert.Equal(t, s.URL(), all[1]["base_uri"])
	org, _ := all[1]["organization"].(map[string]any)
	assert.Equal(t, otherOrg, org["organization_id"], "the user is in two organisations")

	assert.Equal(t, "Personal", all[2]["account_name"])
	assert.NotContains(t, all[2], "organization", "an account outside any organisation")
}
