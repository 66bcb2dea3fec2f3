// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DocuSign's token-endpoint error codes (docusign-api.md "Authentication").
const (
	CodeConsentRequired        = "consent_required"
	CodeInvalidGrant           = "invalid_grant"
	CodeNoValidKeysOrSignature = "no_valid_keys_or_signatures"
	CodeIssuerNotFound         = "issuer_not_found"
	CodeUserNotFound           = "user_not_found"
)

// ErrConsentRequired matches (errors.Is) a token error whose code is consent_required.
var ErrConsentRequired = errors.New("docusign oauth: consent_required")

// Bounds of what an error quotes from DocuSign's error JSON.
const (
	maxCodeBytes = 64
	maxDescBytes = 300
)

var fixes = map[string]string{
	CodeInvalidGrant: "check user_id and integration_key, the environment (demo vs production) " +
		"and this host's clock",
	CodeNoValidKeysOrSignature: "the private key does not match an RSA key pair of this integration key " +
		"(Apps and Keys in DocuSign admin)",
	CodeIssuerNotFound: "integration_key is unknown in this environment (demo vs production)",
	CodeUserNotFound:   "user_id is not a user GUID in this environment (demo vs production)",
}

// Error is a failure of the token request: DocuSign's error code and description, or for responses that
// are not DocuSign's JSON the HTTP status and the first bytes of the body. It never holds a secret.
type Error struct {
	StatusCode  int           // 0 when no response arrived
	Code        string        // DocuSign's `error`; "" when the body was not DocuSign's error JSON
	Description string        // DocuSign's `error_description`, or what went wrong
	TraceToken  string        // X-DocuSign-TraceToken, for DocuSign support
	ConsentURL  string        // set for consent_required
	Snippet     string        // first bytes of an unexpected body, one line, secrets redacted
	RetryAfter  time.Duration // Retry-After of a 429 or 503, at most headers.MaxWait; 0 when not given

	temporary bool // retrying later may help; says so in the message when DocuSign gave no code
	cause     error
}

// Error returns one line: "docusign oauth: <what> (retry after <d>) (trace token <t>) — <fix>".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("docusign oauth: ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
	case e.StatusCode != 0:
		b.WriteString("HTTP " + strconv.Itoa(e.StatusCode))
	default:
		b.WriteString("token request failed")
	}
	if e.Description != "" {
		b.WriteString(": " + e.Description)
	}
	if e.Snippet != "" {
		b.WriteString(": body " + strconv.Quote(e.Snippet))
	}
	if e.RetryAfter > 0 {
		b.WriteString(" (retry after " + e.RetryAfter.String() + ")")
	}
	if e.TraceToken != "" {
		b.WriteString(" (trace token " + e.TraceToken + ")")
	}
	if fix := e.fix(); fix != "" {
		b.WriteString(" — " + fix)
	}
	return b.String()
}

func (e *Error) fix() string {
	switch {
	case e.Code == CodeConsentRequired:
		return "grant consent once by opening " + e.ConsentURL + " as the impersonated user"
	case e.Code != "":
		return fixes[e.Code]
	case e.temporary:
		return "DocuSign's OAuth service or the network failed; retrying later should help"
	case e.StatusCode != http.StatusOK:
		return "check that the OAuth base URL (environment / auth_endpoint) points at DocuSign's account server"
	}
	return ""
}

// Is makes errors.Is(err, ErrConsentRequired) hold for consent_required.
func (e *Error) Is(target error) bool {
	return target == ErrConsentRequired && e.Code == CodeConsentRequired
}

// Unwrap returns the network or read error behind the failure, if any.
func (e *Error) Unwrap() error { return e.cause }

func isTemporaryStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}
