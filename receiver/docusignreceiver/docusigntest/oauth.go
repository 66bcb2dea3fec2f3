// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"fmt"
	"html"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	// JWTBearerGrant is the grant_type of DocuSign's JWT grant.
	JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	// MaxAssertionLifetime is the largest exp−iat DocuSign accepts.
	MaxAssertionLifetime = time.Hour
	// ClockSkew is how far in the future an assertion's iat may be.
	ClockSkew = 60 * time.Second
)

type issuedToken struct {
	expires time.Time
	scopes  []string
}

// SetConsentRequired makes the token endpoint answer consent_required (once the assertion is otherwise valid).
func (s *Server) SetConsentRequired(required bool) {
	s.mu.Lock()
	s.consent = required
	s.mu.Unlock()
}

// ExpireTokens invalidates every access token issued so far; API calls with them get 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}

// LastAssertionClaims returns the claims of the last assertion the token endpoint parsed,
// accepted or rejected (numbers are float64, as decoded from JSON); nil if none.
func (s *Server) LastAssertionClaims() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.lastClaims)
}

// IssueToken mints an access token directly, bypassing the JWT grant, for tests of API clients.
func (s *Server) IssueToken(scopes ...string) string {
	if len(scopes) == 0 {
		scopes = s.opts.Scopes
	}
	token := randomToken()
	s.mu.Lock()
	s.tokens[token] = issuedToken{expires: s.now().Add(s.opts.TokenLifetime), scopes: slices.Clone(scopes)}
	s.mu.Unlock()
	return token
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.rejectToken(w, http.StatusMethodNotAllowed, "invalid_request", "the token endpoint accepts POST only")
		return
	}
	if err := r.ParseForm(); err != nil {
		s.rejectToken(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != JWTBearerGrant {
		s.rejectToken(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not %s", gt, JWTBearerGrant))
		return
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		s.rejectToken(w, http.StatusBadRequest, "invalid_request", "the assertion parameter is missing")
		return
	}
	scopes, code, description := s.verifyAssertion(assertion, r.Host)
	if code != "" {
		s.rejectToken(w, http.StatusBadRequest, code, description)
		return
	}
	token := s.IssueToken(scopes...)
	s.count(func(st *Stats) { st.TokensIssued++ })
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int64(s.opts.TokenLifetime / time.Second),
	})
}

func (s *Server) rejectToken(w http.ResponseWriter, status int, code, description string) {
	s.count(func(st *Stats) {
		st.TokenRejected++
		if st.TokenErrors == nil {
			st.TokenErrors = make(map[string]int)
		}
		st.TokenErrors[code]++
	})
	writeOAuthError(w, status, code, description)
}

// verifyAssertion checks the JWT in DocuSign's order (app, signature, user, audience, times,
// consent, scopes) and returns the granted scopes, or an OAuth error code and description.
func (s *Server) verifyAssertion(assertion, requestHost string) (scopes []string, code, description string) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, claims); err != nil {
		return nil, "invalid_grant", "the assertion is not a well-formed JWT"
	}
	now := s.now()
	s.mu.Lock()
	s.lastClaims = maps.Clone(claims)
	consentRequired := s.consent
	s.mu.Unlock()

	if iss, _ := claims.GetIssuer(); iss != s.opts.IntegrationKey {
		return nil, "issuer_not_found", fmt.Sprintf("no integration key %q (iss)", iss)
	}
	verify := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithoutClaimsValidation())
	if _, err := verify.Parse(assertion, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil }); err != nil {
		return nil, "no_valid_keys_or_signatures", "the assertion is not RS256-signed by a key of the integration"
	}
	if sub, _ := claims.GetSubject(); sub != s.opts.UserID {
		return nil, "user_not_found", fmt.Sprintf("no user %q (sub)", sub)
	}
	if code, description := s.checkAudience(claims, requestHost); code != "" {
		return nil, code, description
	}
	iat, errIat := claims.GetIssuedAt()
	exp, errExp := claims.GetExpirationTime()
	switch {
	case errIat != nil || iat == nil:
		return nil, "invalid_grant", "iat is missing or not a number"
	case errExp != nil || exp == nil:
		return nil, "invalid_grant", "exp is missing or not a number"
	case iat.After(now.Add(ClockSkew)):
		return nil, "invalid_grant", fmt.Sprintf("iat %s is in the future (server time %s)", iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case !exp.After(now):
		return nil, "invalid_grant", fmt.Sprintf("the assertion expired at %s (server time %s)", exp.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case !exp.After(iat.Time) || exp.Sub(iat.Time) > MaxAssertionLifetime:
		return nil, "invalid_grant", fmt.Sprintf("exp-iat is %s; it must be more than 0 and at most %s", exp.Sub(iat.Time), MaxAssertionLifetime)
	}
	if consentRequired {
		return nil, "consent_required", "the user has not granted consent to the integration"
	}
	scopeClaim, _ := claims["scope"].(string)
	requested := strings.Fields(scopeClaim)
	if !slices.Contains(requested, "impersonation") {
		return nil, "invalid_grant", fmt.Sprintf("scope %q lacks impersonation", scopeClaim)
	}
	for _, sc := range requested {
		if !slices.Contains(s.opts.Scopes, sc) {
			return nil, "consent_required", fmt.Sprintf("consent does not cover scope %q", sc)
		}
	}
	return requested, "", ""
}

// checkAudience accepts this server's host (as sent or as dialled) and the real OAuth host of the
// simulated environment; the other environment's OAuth host is refused as DocuSign refuses a demo key
// at production.
func (s *Server) checkAudience(claims jwt.MapClaims, requestHost string) (code, description string) {
	aud, _ := claims.GetAudience()
	if slices.Contains(aud, s.host) || slices.Contains(aud, requestHost) || slices.Contains(aud, s.RealAudience()) {
		return "", ""
	}
	for env, host := range oauthHosts {
		if env != s.opts.Environment && slices.Contains(aud, host) {
			return "invalid_grant", fmt.Sprintf("aud %q is the OAuth host of DocuSign's %s environment; this server simulates %s (%s)",
				host, env, s.opts.Environment, s.RealAudience())
		}
	}
	return "invalid_grant", fmt.Sprintf("aud %q is neither this server's host %q nor %q (no scheme)", []string(aud), s.host, s.RealAudience())
}

// authorize checks the bearer token and that it carries scope (if any); on failure it answers 401/403.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string) bool {
	auth := r.Header.Get("Authorization")
	token, isBearer := strings.CutPrefix(auth, "Bearer ")
	if !isBearer {
		token, isBearer = strings.CutPrefix(auth, "bearer ")
	}
	now := s.now()
	s.mu.Lock()
	issued, found := s.tokens[token]
	if found && !now.Before(issued.expires) {
		delete(s.tokens, token)
		found = false
	}
	s.mu.Unlock()
	switch {
	case !isBearer || token == "":
		writeAPIError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", "no bearer token in the Authorization header")
		return false
	case !found:
		writeAPIError(w, http.StatusUnauthorized, "AUTHORIZATION_INVALID_TOKEN", "the access token provided is expired, revoked or malformed")
		return false
	case scope != "" && !slices.Contains(issued.scopes, scope):
		writeAPIError(w, http.StatusForbidden, "USER_LACKS_PERMISSIONS", fmt.Sprintf("the access token lacks scope %q", scope))
		return false
	}
	return true
}

// userInfoAccount is an account userinfo lists besides the default one (AddUserInfoAccount).
type userInfoAccount struct{ accountID, organizationID, name string }

// AddUserInfoAccount makes the user a member of one more account, listed by /oauth/userinfo after the
// default one with is_default "false"; organizationID "" lists the account without an organization.
// Only userinfo shows it: the Monitor and Admin endpoints still know the default account and organisation.
func (s *Server) AddUserInfoAccount(accountID, organizationID, name string) {
	s.mu.Lock()
	s.userInfoAccounts = append(s.userInfoAccounts, userInfoAccount{accountID, organizationID, name})
	s.mu.Unlock()
}

// userInfoEntry is one account of the userinfo response.
func (s *Server) userInfoEntry(a userInfoAccount, isDefault bool) map[string]any {
	entry := map[string]any{
		"account_id":   a.accountID,
		"is_default":   strconv.FormatBool(isDefault), // a string, as DocuSign sends it
		"account_name": a.name,
		"base_uri":     s.URL(),
	}
	if a.organizationID != "" {
		entry["organization"] = map[string]any{
			"organization_id": a.organizationID,
			"links": []map[string]string{{
				"rel":  "self",
				"href": s.URL() + "/management/v2/organizations/" + a.organizationID,
			}},
		}
	}
	return entry
}

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.UserInfoRequests++ })
	if !s.authorize(w, r, "") {
		return
	}
	accounts := []map[string]any{s.userInfoEntry(userInfoAccount{s.opts.AccountID, s.opts.OrganizationID, accountName}, true)}
	s.mu.Lock()
	for _, a := range s.userInfoAccounts {
		accounts = append(accounts, s.userInfoEntry(a, false))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"sub":         s.opts.UserID,
		"name":        adminName,
		"given_name":  adminFirstName,
		"family_name": adminLastName,
		"email":       adminEmail,
		"created":     "2025-03-14T09:26:53.58",
		"accounts":    accounts,
	})
}

// handleConsentPage stands in for DocuSign's consent screen, so the demo's printed link opens something.
func (s *Server) handleConsentPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprintf(w, "<!doctype html><title>DocuSign simulator consent</title>"+
		"<h1>Consent would be granted</h1><p>Integration <code>%s</code> would be allowed scopes <code>%s</code> "+
		"for redirect URI <code>%s</code>. The simulator grants consent for %s already.</p>",
		html.EscapeString(q.Get("client_id")), html.EscapeString(q.Get("scope")),
		html.EscapeString(q.Get("redirect_uri")), html.EscapeString(strings.Join(s.opts.Scopes, " ")))
}
