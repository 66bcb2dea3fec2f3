// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package auth implements DocuSign's OAuth JWT grant: parsing the integration's RSA key, signing the
// assertion, fetching and caching access tokens, and an http.RoundTripper that adds them to API calls.
package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

const (
	// DefaultLifetime is exp−iat of the assertion, the longest DocuSign allows.
	DefaultLifetime = time.Hour
	// DefaultRefreshMargin is how long before expiry a cached token is replaced.
	DefaultRefreshMargin = 5 * time.Minute

	jwtBearerGrant        = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	maxTokenResponseBytes = 1 << 20
	// maxTokenTTL bounds a server-announced lifetime so a bogus expires_in cannot pin a token forever.
	maxTokenTTL = 24 * time.Hour
)

// TokenSource fetches DocuSign access tokens with the JWT grant and caches them until shortly before
// expiry. It is safe for concurrent use; concurrent callers share one in-flight request.
type TokenSource struct {
	cfg        Config
	audience   string
	scope      string
	tokenURL   string
	consentURL string
	client     *http.Client
	now        func() time.Time
	fetches    atomic.Int64

	mu        sync.Mutex
	token     string
	refreshAt time.Time
	inflight  *tokenFetch
}

// tokenFetch is one token request shared by every caller waiting on it.
type tokenFetch struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // guarded by TokenSource.mu; the request is canceled when the last waiter leaves

	token string // set before done is closed
	err   error
}

// NewTokenSource validates cfg, filling defaults, and returns a TokenSource with no token yet.
func NewTokenSource(cfg Config) (*TokenSource, error) {
	var errs []error
	if strings.TrimSpace(cfg.IntegrationKey) == "" {
		errs = append(errs, errors.New("integration_key is empty"))
	}
	if strings.TrimSpace(cfg.UserID) == "" {
		errs = append(errs, errors.New("user_id is empty"))
	}
	if cfg.PrivateKey == nil || cfg.PrivateKey.N == nil {
		errs = append(errs, errors.New("private_key is missing"))
	} else if bits := cfg.PrivateKey.N.BitLen(); bits < minRSABits {
		errs = append(errs, fmt.Errorf("private_key has %d bits; DocuSign needs at least %d", bits, minRSABits))
	}
	scheme, host, err := parseOAuthBase(cfg.OAuthBaseURL)
	if err != nil {
		errs = append(errs, err)
	}
	audience := host
	if cfg.Audience != "" {
		audience = cfg.Audience
		if err := checkAudience(cfg.Audience); err != nil {
			errs = append(errs, err)
		}
	}
	if len(cfg.Scopes) == 0 {
		errs = append(errs, errors.New("scopes: at least one scope is needed (impersonation)"))
	}
	for _, s := range cfg.Scopes {
		if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			errs = append(errs, fmt.Errorf("scopes: %q is not a single scope", s))
		}
	}
	if cfg.Lifetime == 0 {
		cfg.Lifetime = DefaultLifetime
	}
	if cfg.Lifetime < time.Second || cfg.Lifetime > time.Hour || cfg.Lifetime%time.Second != 0 {
		errs = append(errs, fmt.Errorf("lifetime %s must be whole seconds in (0s, 1h]", cfg.Lifetime))
	}
	if cfg.RefreshMargin == 0 {
		cfg.RefreshMargin = DefaultRefreshMargin
	}
	if cfg.RefreshMargin < 0 {
		errs = append(errs, fmt.Errorf("refresh margin %s must not be negative", cfg.RefreshMargin))
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, err := range errs {
			msgs[i] = err.Error()
		}
		return nil, errors.New("docusign auth config: " + strings.Join(msgs, "; "))
	}

	ts := &TokenSource{
		cfg:      cfg,
		audience: audience,
		scope:    strings.Join(cfg.Scopes, " "),
		tokenURL: scheme + "://" + host + "/oauth/token",
		client:   noRedirects(cfg.HTTPClient),
		now:      cfg.Now,
	}
	ts.consentURL = ConsentURL(cfg.OAuthBaseURL, cfg.IntegrationKey, cfg.RedirectURI, cfg.Scopes)
	if ts.now == nil {
		ts.now = time.Now
	}
	return ts, nil
}

// noRedirects returns a shallow copy of c (nil → http.DefaultClient) that never follows a redirect:
// following one would send the assertion to whatever host the Location names.
func noRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	copied := *c
	copied.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &copied
}

// ConsentURL is the consent page for this integration key, user scopes and redirect URI.
func (ts *TokenSource) ConsentURL() string { return ts.consentURL }

// Fetches returns how many token requests have been sent.
func (ts *TokenSource) Fetches() int64 { return ts.fetches.Load() }

// Format describes the source without its key, assertion or token.
func (ts *TokenSource) Format(f fmt.State, _ rune) {
	ts.mu.Lock()
	cached := ts.token != ""
	ts.mu.Unlock()
	_, _ = fmt.Fprintf(f, "auth.TokenSource{%s cachedToken:%t fetches:%d}", ts.cfg.String(), cached, ts.Fetches())
}

// Assertion builds the RS256-signed JWT for the grant: iss, sub, aud, iat = now, exp = iat + Lifetime, scope.
func (ts *TokenSource) Assertion(now time.Time) (string, error) {
	iat := now.Unix()
	claims := jwt.MapClaims{ // aud as a plain string: jwt's ClaimStrings would marshal it as an array
		"iss":   ts.cfg.IntegrationKey,
		"sub":   ts.cfg.UserID,
		"aud":   ts.audience,
		"iat":   iat,
		"exp":   iat + int64(ts.cfg.Lifetime/time.Second),
		"scope": ts.scope,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(ts.cfg.PrivateKey)
	if err != nil {
		return "", fmt.Errorf("docusign oauth: signing the JWT assertion: %w", err)
	}
	return signed, nil
}

// Token returns the cached access token, or fetches a new one when none is cached or it expires within
// the refresh margin. Concurrent callers share one request; a failure reaches all of them and is not cached.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	if ts.token != "" && ts.now().Before(ts.refreshAt) {
		token := ts.token
		ts.mu.Unlock()
		return token, nil
	}
	call := ts.inflight
	if call == nil {
		// The request outlives any single caller (others may join), so it gets its own cancel.
		fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		call = &tokenFetch{done: make(chan struct{}), cancel: cancel}
		ts.inflight = call
		go ts.run(fetchCtx, call)
	}
	call.waiters++
	ts.mu.Unlock()

	select {
	case <-call.done:
		return call.token, call.err
	case <-ctx.Done():
		ts.mu.Lock()
		call.waiters--
		if call.waiters == 0 {
			call.cancel()
			if ts.inflight == call {
				ts.inflight = nil
			}
		}
		ts.mu.Unlock()
		return "", fmt.Errorf("docusign oauth: waiting for an access token: %w", ctx.Err())
	}
}

// Invalidate drops the cached token if it is still token, so the next Token call fetches a new one.
func (ts *TokenSource) Invalidate(token string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if token != "" && ts.token == token {
		ts.token = ""
		ts.refreshAt = time.Time{}
	}
}

func (ts *TokenSource) run(ctx context.Context, call *tokenFetch) {
	defer call.cancel()
	token, refreshAt, err := ts.fetchSafely(ctx)
	ts.mu.Lock()
	if ts.inflight == call {
		ts.inflight = nil
	}
	if err == nil {
		ts.token, ts.refreshAt = token, refreshAt
	}
	call.token, call.err = token, err
	ts.mu.Unlock()
	close(call.done)
}

// fetchSafely is fetch on the token source's own goroutine, where a panic would end the collector
// process: it becomes an error that every waiter sees instead.
func (ts *TokenSource) fetchSafely(ctx context.Context) (token string, refreshAt time.Time, err error) {
	defer func() {
		if p := recover(); p != nil {
			token, refreshAt, err = "", time.Time{}, fmt.Errorf("docusign oauth: internal error (recovered panic): %v", p)
		}
	}()
	return ts.fetch(ctx)
}

// fetch performs one token request and returns the token and when to replace it.
func (ts *TokenSource) fetch(ctx context.Context) (string, time.Time, error) {
	issued := ts.now() // before the request, so the computed expiry errs on the early side
	assertion, err := ts.Assertion(issued)
	if err != nil {
		return "", time.Time{}, err
	}
	form := url.Values{"grant_type": {jwtBearerGrant}, "assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ts.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("docusign oauth: building the token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	ts.fetches.Add(1)
	resp, err := ts.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", time.Time{}, fmt.Errorf("docusign oauth: token request: %w", ctx.Err())
		}
		return "", time.Time{}, &Error{Description: err.Error(), temporary: true, cause: err}
	}
	defer resp.Body.Close()
	// Status and headers first: a body that fails to arrive loses only its text.
	trace := headers.TraceToken(resp.Header)
	if resp.StatusCode/100 == 3 {
		return "", time.Time{}, redirectError(resp, trace)
	}
	var retryAfter time.Duration
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		retryAfter, _, _ = headers.RetryAfter(resp.Header, ts.now())
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponseBytes))
	if err != nil {
		return "", time.Time{}, &Error{StatusCode: resp.StatusCode, TraceToken: trace, RetryAfter: retryAfter,
			Description: "reading the token response: " + err.Error(), temporary: true, cause: err}
	}
	if resp.StatusCode != http.StatusOK {
		e := ts.grantError(resp.StatusCode, body, trace)
		e.RetryAfter = retryAfter
		return "", time.Time{}, e
	}
	token, ttl, gerr := ts.parseGrant(body, trace)
	if gerr != nil {
		return "", time.Time{}, gerr
	}
	margin := min(ts.cfg.RefreshMargin, ttl/2)
	return token, issued.Add(ttl - margin), nil
}

// redirectError refuses a redirect from the token endpoint, naming only the host it pointed to.
func redirectError(resp *http.Response, trace string) *Error {
	target := "without a valid Location"
	if u, err := resp.Request.URL.Parse(resp.Header.Get("Location")); err == nil && u.Host != "" {
		target = "to host " + strconv.Quote(redact.Line(u.Host, 100))
	}
	return &Error{StatusCode: resp.StatusCode, TraceToken: trace,
		Description: "the token endpoint redirects " + target + "; the assertion is never sent on to another host"}
}

// parseGrant validates a 200 body. Its errors never quote the body: it may hold a token.
func (ts *TokenSource) parseGrant(body []byte, trace string) (string, time.Duration, *Error) {
	malformed := func(what string) *Error {
		return &Error{StatusCode: http.StatusOK, Description: what, TraceToken: trace, temporary: true}
	}
	var grant struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if json.Unmarshal(body, &grant) != nil {
		return "", 0, malformed("token response is not the expected JSON object")
	}
	switch {
	case grant.AccessToken == "":
		return "", 0, malformed("token response has no access_token")
	case strings.ContainsFunc(grant.AccessToken, func(r rune) bool { return r <= ' ' || r >= 0x7f }):
		return "", 0, malformed("access_token has characters not allowed in an HTTP header")
	case grant.TokenType != "" && !strings.EqualFold(grant.TokenType, "Bearer"):
		return "", 0, malformed("token_type " + strconv.Quote(redact.Line(grant.TokenType, 32)) + " is not Bearer")
	}
	ttl := parseExpiresIn(grant.ExpiresIn)
	if ttl <= 0 {
		ttl = ts.cfg.Lifetime // unknown lifetime: assume no longer than the assertion's
	}
	return grant.AccessToken, ttl, nil
}

// parseExpiresIn accepts a number or a numeric string; anything else or ≤ 0 is 0 (unknown).
func parseExpiresIn(raw json.RawMessage) time.Duration {
	secs, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64)
	if err != nil || math.IsNaN(secs) || secs <= 0 {
		return 0
	}
	if secs >= maxTokenTTL.Seconds() {
		return maxTokenTTL
	}
	return time.Duration(secs * float64(time.Second))
}

// grantError maps a non-200 token response to an Error.
func (ts *TokenSource) grantError(status int, body []byte, trace string) *Error {
	e := &Error{StatusCode: status, TraceToken: trace}
	var payload struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &payload) == nil && strings.TrimSpace(payload.Error) != "" {
		e.Code = redact.Line(payload.Error, maxCodeBytes)
		e.Description = redact.Line(payload.Description, maxDescBytes)
		if e.Code == CodeConsentRequired {
			e.ConsentURL = ts.consentURL
		}
		return e
	}
	e.Description = http.StatusText(status)
	e.Snippet = redact.Snippet(body)
	e.temporary = isTemporaryStatus(status)
	return e
}
