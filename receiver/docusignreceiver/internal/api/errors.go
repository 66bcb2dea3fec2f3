// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

// Error is a failed DocuSign API request.
type Error struct {
	Op         string        // what was attempted, e.g. "monitor stream"
	StatusCode int           // 0 when no response arrived
	TraceToken string        // X-DocuSign-TraceToken, for DocuSign support
	Code       string        // errorCode / error from the body
	Message    string        // message / error_description from the body
	Snippet    string        // the first bytes of a body that was not DocuSign's error JSON, redacted
	RetryAfter time.Duration // how long DocuSign asked us to wait (429), at most headers.MaxWait
	Err        error         // network or read failure; ErrTooLarge for a body over MaxPageBytes
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("docusign ")
	b.WriteString(e.Op)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Snippet != "" {
		fmt.Fprintf(&b, ": body %q", e.Snippet)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.TraceToken != "" {
		fmt.Fprintf(&b, " (trace token %s)", e.TraceToken)
	}
	if h := e.Hint(); h != "" {
		b.WriteString(" — ")
		b.WriteString(h)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Hint names the likely cause of a non-retryable failure in one line.
func (e *Error) Hint() string {
	switch e.StatusCode {
	case http.StatusUnauthorized:
		return "the access token was refused after a refresh; check that the integration key's RSA key pair and user_id belong to this environment"
	case http.StatusForbidden:
		return "access denied: production Monitor needs the Monitor add-on, an admin of several organisations is refused by the lens stream, and users needs the user_read scope with consent"
	case http.StatusNotFound:
		return "not found: check the endpoint overrides and users.organization_id"
	}
	return ""
}

func (e *Error) rateLimited() bool {
	return e.StatusCode == http.StatusBadRequest && strings.Contains(strings.ToUpper(e.Code), "LIMIT_EXCEEDED")
}

// Bounds of what an error quotes from DocuSign's error JSON.
const (
	maxCodeBytes    = 100
	maxMessageBytes = 300
)

// decode reads DocuSign's error body, in either of its two shapes, or quotes the body; either way
// through redact, since an echoing proxy can put our token into any of them.
func (e *Error) decode(body []byte) {
	var shaped struct {
		ErrorCode        string `json:"errorCode"`
		Message          string `json:"message"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &shaped) == nil && (shaped.ErrorCode != "" || shaped.Error != "") {
		e.Code = redact.Line(cmp.Or(shaped.ErrorCode, shaped.Error), maxCodeBytes)
		e.Message = redact.Line(cmp.Or(shaped.Message, shaped.ErrorDescription), maxMessageBytes)
	} else if len(body) > 0 {
		e.Snippet = redact.Snippet(body)
	}
}
