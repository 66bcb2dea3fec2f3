// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package redact

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	opaque = "tok-1-9c0ffee1234567890abcdef"
	jwt    = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz"
)

func TestSnippetRedactsCredentials(t *testing.T) {
	tests := map[string]struct {
		body   string
		secret string
	}{
		"bearer in plain text":          {"upstream saw Bearer " + opaque + " and gave up", opaque},
		"bearer lower case":             {"token: bearer " + opaque, opaque},
		"bearer upper case, tab":        {"BEARER\t" + opaque, opaque},
		"bearer URL-encoded":            {"/echo?h=Bearer%20" + opaque + "&x=1", opaque},
		"bearer HTML-escaped space":     {"<td>Bearer&nbsp;" + opaque + "</td>", opaque},
		"header echo":                   {"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + opaque + "\r\nAccept: */*\r\n", opaque},
		"header echo, other scheme":     {"authorization: Token " + opaque + "\r\n", opaque},
		"proxy header echo":             {"Proxy-Authorization: Basic dXNlcjpodW50ZXIy\n", "dXNlcjpodW50ZXIy"},
		"header echo as JSON map":       {`{"headers":{"Authorization":["Bearer ` + opaque + `"],"Accept":["*/*"]}}`, opaque},
		"header echo as JSON string":    {`{"Authorization":"Token ` + opaque + `"}`, opaque},
		"header echo inside JSON text":  {`{"msg":"{\"Authorization\":\"Token ` + opaque + `\"}"}`, opaque},
		"header echo in an HTML table":  {`<tr><td>Authorization</td><td>Bearer ` + opaque + `</td></tr>`, opaque},
		"header echo, escaped slash":    {`{"h":"Authorization: Bearer ab\\/` + opaque + `"}`, opaque},
		"header echo, HTML entity":      {"Authorization: Bearer&nbsp;" + opaque + "<br>", opaque},
		"JWT anywhere":                  {"id " + jwt + " end", jwt[20:]},
		"assertion form value":          {"grant_type=x&assertion=" + opaque + "&y=1", opaque},
		"access_token form value":       {"?access_token=" + opaque, opaque},
		"access_token JSON":             {`{"access_token": "` + opaque + `","expires_in":3600}`, opaque},
		"refresh_token JSON":            {`{"refresh_token":"` + opaque + `"}`, opaque},
		"id_token JSON":                 {`{"id_token":"` + opaque + `"}`, opaque},
		"client_secret JSON":            {`{"client_secret":"` + opaque + `"}`, opaque},
		"assertion JSON, escaped quote": {`{"assertion":"ab\"` + opaque + `"}`, opaque},
		"JSON field in upper case":      {`{"ACCESS_TOKEN":"` + opaque + `"}`, opaque},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			for _, got := range []string{Snippet([]byte(tt.body)), Line(tt.body, 1000)} {
				assert.NotContains(t, got, tt.secret)
				assert.Contains(t, got, "[redacted]")
			}
		})
	}
}

func TestSnippetKeepsOrdinaryText(t *testing.T) {
	assert.Equal(t, "<html><body>Bad Gateway</body></html>", Snippet([]byte("<html><body>Bad Gateway</body></html>")))
	assert.Equal(t, "Authorization failed: the token expired", Snippet([]byte("Authorization failed: the token expired")))
	assert.Equal(t, "a b c", Snippet([]byte("a\r\n\tb \x00 c")))
}

func TestSnippetIsOneBoundedLine(t *testing.T) {
	long := strings.Repeat("a", SnippetBytes-2) + "é tail" + strings.Repeat("z", 10000)
	s := Snippet([]byte(long))
	assert.LessOrEqual(t, len(s), SnippetBytes)
	assert.True(t, strings.HasSuffix(s, "…"), s)
	assert.True(t, utf8.ValidString(s))
	assert.NotContains(t, s, "\uFFFD", "cut at a rune boundary")
	assert.Equal(t, "short", Snippet([]byte("short")))
}

func TestCredentialStraddlingTheCutIsRedacted(t *testing.T) {
	body := strings.Repeat("x", SnippetBytes-20) + " Bearer " + opaque
	s := Snippet([]byte(body))
	assert.NotContains(t, s, opaque[:8])
}

func TestLineFastPathLeavesPlainTokensAlone(t *testing.T) {
	trace := "1f0e6b2a-97c4-4a2f-9a3c-0b5f6d7e8f90"
	assert.Equal(t, trace, Line(trace, 100))
	assert.Equal(t, "abc", Line("abcdef", 3))
}

func FuzzSnippet(f *testing.F) {
	for _, seed := range []string{"", "Bearer x", "Authorization: Bearer eyJa.b.c\r\n", "\xff\xfe\u202e<html>", `{"access_token":"`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, s := range []string{Snippet(body), Line(string(body), 64)} {
			if !utf8.ValidString(s) {
				t.Fatalf("not UTF-8: %q", s)
			}
			if len(s) > SnippetBytes {
				t.Fatalf("%d bytes: %q", len(s), s)
			}
			for _, r := range s {
				if r != ' ' && (unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)) {
					t.Fatalf("unprintable %U in %q", r, s)
				}
			}
		}
	})
}
