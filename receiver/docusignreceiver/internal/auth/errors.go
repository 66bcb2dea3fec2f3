package auth

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
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

const (
	traceTokenHeader = "X-DocuSign-TraceToken"
	maxSnippetBytes  = 200
	maxDescBytes     = 300
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
	StatusCode  int    // 0 when no response arrived
	Code        string // DocuSign's `error`; "" when the body was not DocuSign's error JSON
	Description string // DocuSign's `error_description`, or what went wrong
	TraceToken  string // X-DocuSign-TraceToken, for DocuSign support
	ConsentURL  string // set for consent_required
	Snippet     string // first bytes of an unexpected body, one line, secrets redacted

	temporary bool
	cause     error
}

// Error returns one line: "docusign oauth: <what> (trace token <t>) — <fix>".
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

// Temporary reports whether retrying the same request later may succeed: true for network failures,
// 408, 429 and 5xx, false for DocuSign's 400 codes, which need a change of configuration or consent.
func (e *Error) Temporary() bool { return e.temporary }

// Is makes errors.Is(err, ErrConsentRequired) hold for consent_required.
func (e *Error) Is(target error) bool {
	return target == ErrConsentRequired && e.Code == CodeConsentRequired
}

// Unwrap returns the network or read error behind the failure, if any.
func (e *Error) Unwrap() error { return e.cause }

func isTemporaryStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// credentialPatterns match what an echoing proxy or server could send back of a request: JWTs (the
// assertion, access tokens), the form field carrying the assertion, and token fields in JSON.
var credentialPatterns = []*regexp.Regexp{
	regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*`),
	regexp.MustCompile(`(?i)assertion=[^&\s"'<]*`),
	regexp.MustCompile(`(?i)"(access_token|assertion)"\s*:\s*"[^"]*"?`),
}

// snippet returns the first bytes of an unexpected body as one printable line with credentials redacted.
func snippet(body []byte) string {
	const scan = 8 << 10 // redact over more than we keep so a credential cut at the edge still matches
	if len(body) > scan {
		body = body[:scan]
	}
	return oneLine(redactCredentials(string(body)), maxSnippetBytes)
}

func redactCredentials(s string) string {
	for _, re := range credentialPatterns {
		s = re.ReplaceAllString(s, "[redacted]")
	}
	return s
}

// oneLine makes server-provided text safe for a one-line message: valid UTF-8, no control characters,
// collapsed whitespace, at most max bytes.
func oneLine(s string, limit int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
