// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"net/url"
	"slices"
	"strings"
)

// DocuSign's OAuth scopes (docusign-api.md "Authentication"). A source declares the ones it needs.
const (
	ScopeSignature        = "signature"         // eSignature and the Monitor streams
	ScopeImpersonation    = "impersonation"     // the JWT grant: acting as the user named by `sub`
	ScopeUserRead         = "user_read"         // Admin API: reading users
	ScopeOrganizationRead = "organization_read" // Admin API: reading the organisation
)

// Scopes unions the scopes each enabled source declares, in the order first declared, after
// signature and impersonation, which every token needs: a token with `sub` needs impersonation.
func Scopes(needs ...[]string) []string {
	scopes := []string{ScopeSignature, ScopeImpersonation}
	for _, need := range needs {
		for _, s := range need {
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	return scopes
}

// ConsentURL builds the page the impersonated user opens once to grant consent to the integration.
func ConsentURL(oauthBaseURL, integrationKey, redirectURI string, scopes []string) string {
	base := strings.TrimRight(strings.TrimSpace(oauthBaseURL), "/")
	if scheme, host, err := parseOAuthBase(oauthBaseURL); err == nil {
		base = scheme + "://" + host
	}
	u := base + "/oauth/auth?response_type=code" +
		"&scope=" + queryEscape(strings.Join(scopes, " ")) +
		"&client_id=" + queryEscape(integrationKey)
	if redirectURI != "" {
		u += "&redirect_uri=" + queryEscape(redirectURI)
	}
	return u
}

// queryEscape encodes spaces as %20, as DocuSign's own consent URLs do.
func queryEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
