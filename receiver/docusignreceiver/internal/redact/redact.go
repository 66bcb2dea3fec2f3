// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package redact makes text from the network safe to quote in an error, a log line or a status: it
// removes credentials a proxy or server may echo back and folds the rest into one short printable line.
package redact // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SnippetBytes bounds a Snippet, its trailing "…" included.
const SnippetBytes = 200

// scanBytes is how much of a body is redacted before it is cut, so a credential straddling the cut
// still matches whole.
const scanBytes = 8 << 10

const (
	marker   = "[redacted]"
	ellipsis = "…"
)

// credentials lists what an echoing proxy or server can send back of our requests, each with what is
// kept of the match ($1 is the prefix that names the credential).
var credentials = []struct {
	pattern *regexp.Regexp
	keep    string
}{
	// The whole value of an echoed Authorization (or Proxy-Authorization) header: wire format, JSON
	// (also nested in a JSON string) or an HTML table cell.
	{regexp.MustCompile(`(?i)(authorization(?:\\?["']?\s*[:=]|(?:\s*<[^>]*>)+)\s*\[?\s*\\?["']?)(?:[^"'\\\r\n<\]]|\\[^"'])*`), "$1" + marker},
	// An auth scheme and its token, also URL- or HTML-encoded: "Bearer eyJ…", "bearer%20abc".
	{regexp.MustCompile(`(?i)\b(bearer)(?:\s|%20|\+|&nbsp;|&#0*32;|&#x0*20;)+[^\s"'<>&,;]+`), "$1 " + marker},
	// JWTs: the assertion, DocuSign's access tokens.
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_.-]*`), marker},
	// Form and query values carrying a credential.
	{regexp.MustCompile(`(?i)\b((?:assertion|access_token|refresh_token|id_token|client_secret)=)[^&\s"'<]*`), "$1" + marker},
	// JSON fields carrying a credential, also nested in a JSON string.
	{regexp.MustCompile(`(?i)("(?:assertion|access_token|refresh_token|id_token|client_secret)\\?"\s*:\s*)\\?"(?:[^"\\]|\\.)*"?`), `$1"` + marker + `"`},
}

// Snippet returns the first bytes of body as one printable line of at most SnippetBytes, credentials
// redacted, ending in "…" when something was left out.
func Snippet(body []byte) string {
	cut := len(body) > scanBytes
	if cut {
		body = body[:scanBytes]
	}
	s := oneLine(secrets(string(body)))
	if !cut && len(s) <= SnippetBytes {
		return s
	}
	return truncate(s, SnippetBytes-len(ellipsis)) + ellipsis
}

// Line returns s as one printable line of at most limit bytes, credentials redacted. Use it for text a
// server chose: error codes, messages, trace tokens.
func Line(s string, limit int) string {
	if len(s) <= limit && plain(s) {
		return s // the common case (a trace token, an error code) costs nothing
	}
	if len(s) > scanBytes {
		s = s[:scanBytes]
	}
	return truncate(oneLine(secrets(s)), limit)
}

// plain reports text that no credential pattern can match and that is already one printable line.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func secrets(s string) string {
	for _, c := range credentials {
		s = c.pattern.ReplaceAllString(s, c.keep)
	}
	return s
}

// oneLine makes s valid UTF-8 without control, format (bidi) or line-breaking characters, with runs
// of spaces collapsed.
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// truncate cuts valid UTF-8 to at most limit bytes at a rune boundary.
func truncate(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	cut := max(limit, 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
