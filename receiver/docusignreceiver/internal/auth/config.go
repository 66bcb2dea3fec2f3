// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is what the JWT grant needs. String and GoString redact the private key; other verbs print it
// only as a pointer.
type Config struct {
	IntegrationKey string          // iss
	UserID         string          // sub
	PrivateKey     *rsa.PrivateKey // signs the assertion
	OAuthBaseURL   string          // scheme://host[:port] of the OAuth service; a bare host means https
	Audience       string          // the JWT aud, a bare host[:port]; "" → OAuthBaseURL's host
	Scopes         []string        // joined with a space into the `scope` claim
	RedirectURI    string          // only used to build the consent URL
	HTTPClient     *http.Client    // for the token request (its redirects are never followed); nil → http.DefaultClient
	Lifetime       time.Duration   // exp−iat; 0 → DefaultLifetime; whole seconds in [1s, 1h]
	RefreshMargin  time.Duration   // 0 → DefaultRefreshMargin; capped to half the token lifetime
	Now            func() time.Time
}

// String describes the config with the private key redacted.
func (c Config) String() string {
	key := "<nil>"
	if c.PrivateKey != nil && c.PrivateKey.N != nil {
		key = "[redacted RSA-" + strconv.Itoa(c.PrivateKey.N.BitLen()) + "]"
	}
	return fmt.Sprintf("auth.Config{IntegrationKey:%q UserID:%q PrivateKey:%s OAuthBaseURL:%q Audience:%q Scopes:%q "+
		"RedirectURI:%q Lifetime:%s RefreshMargin:%s}",
		c.IntegrationKey, c.UserID, key, c.OAuthBaseURL, c.Audience, c.Scopes, c.RedirectURI, c.Lifetime, c.RefreshMargin)
}

// GoString is String, so %#v cannot dump the key either.
func (c Config) GoString() string { return c.String() }

// parseOAuthBase returns the scheme and the bare host of the OAuth base URL, default port dropped.
// Errors do not echo the URL: it could carry user info.
func parseOAuthBase(raw string) (scheme, host string, err error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", "", errors.New("OAuth base URL is empty")
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", "", errors.New("OAuth base URL is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", "", errors.New("OAuth base URL must use https (or http for local tests)")
	case u.User != nil:
		return "", "", errors.New("OAuth base URL must not contain user info")
	case u.Hostname() == "" || strings.HasSuffix(u.Host, ":"):
		return "", "", errors.New("OAuth base URL has no host or an empty port")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "", "", errors.New("OAuth base URL must be scheme://host[:port] without a path, e.g. https://account-d.docusign.com")
	}
	host = strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") { // IPv6 literal keeps its brackets
			host = "[" + host + "]"
		}
	}
	return u.Scheme, host, nil
}

// checkAudience accepts a bare host[:port]: what DocuSign compares aud with, so nothing to normalise.
func checkAudience(aud string) error {
	u, err := url.Parse("https://" + aud)
	if err != nil || u.Host != aud || u.Hostname() == "" || strings.HasSuffix(aud, ":") ||
		strings.ContainsFunc(aud, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("audience %.80q must be a bare host[:port] such as account-d.docusign.com, without scheme or path", aud)
	}
	return nil
}
