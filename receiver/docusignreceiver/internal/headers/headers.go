// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package headers reads what DocuSign's response headers say: the trace token to quote to DocuSign
// support, how long to wait (Retry-After, X-RateLimit-Reset) and what is left of the account's hourly
// request budget. A hostile or confused value is bounded: at most MaxWait of waiting, one short
// redacted line of quoting.
package headers // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

// The keys of the response headers DocuSign sends that a client acts on.
const (
	TraceTokenKey         = "X-DocuSign-TraceToken"
	RetryAfterKey         = "Retry-After"
	RateLimitLimitKey     = "X-RateLimit-Limit"
	RateLimitRemainingKey = "X-RateLimit-Remaining"
	RateLimitResetKey     = "X-RateLimit-Reset"
)

// MaxWait is the longest wait a server can impose; DocuSign's budget window is one hour.
const MaxWait = time.Hour

const (
	// maxTraceTokenBytes bounds a trace token; DocuSign's are GUIDs.
	maxTraceTokenBytes = 100
	// quoteBytes bounds a header value quoted in a log line.
	quoteBytes = 64
	// maxSeconds is MaxWait in whole seconds, the bound while parsing digits.
	maxSeconds = int64(MaxWait / time.Second)
	// millisecondsAbove: an epoch above it is milliseconds (1e11 seconds is the year 5138).
	millisecondsAbove = 1e11
)

// TraceToken is X-DocuSign-TraceToken, the id DocuSign support looks a request up by, as one short
// line with anything credential-like redacted; "" when absent.
func TraceToken(h http.Header) string {
	return redact.Line(h.Get(TraceTokenKey), maxTraceTokenBytes)
}

// Quote is the value of header key as sent, as one short redacted line, for a log line that explains
// what DocuSign said.
func Quote(h http.Header, key string) string { return redact.Line(h.Get(key), quoteBytes) }

// RetryAfter reads Retry-After, delta-seconds or an HTTP date, as a wait in [0, MaxWait]; clamped says
// it asked for longer. ok is false when the header is absent or not one of those forms.
func RetryAfter(h http.Header, now time.Time) (d time.Duration, clamped, ok bool) {
	v := strings.TrimSpace(h.Get(RetryAfterKey))
	if v == "" {
		return 0, false, false
	}
	if secs, over, isNum := digits(v, maxSeconds); isNum {
		if over {
			return MaxWait, true, true
		}
		return time.Duration(secs) * time.Second, false, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false, false
	}
	d, clamped = bound(t.Sub(now)) // Sub saturates instead of overflowing
	return d, clamped, true
}

// ResetAt reads X-RateLimit-Reset, unix seconds (or milliseconds, when only that can make sense), as
// an instant in [now, now+MaxWait]; clamped says it lay further ahead. ok is false when absent or not
// a non-negative integer.
func ResetAt(h http.Header, now time.Time) (at time.Time, clamped, ok bool) {
	v := strings.TrimSpace(h.Get(RateLimitResetKey))
	epoch, over, isNum := digits(v, 1<<62)
	if !isNum {
		return time.Time{}, false, false
	}
	if over {
		return now.Add(MaxWait), true, true
	}
	reset := time.Unix(epoch, 0)
	if epoch > millisecondsAbove {
		reset = time.UnixMilli(epoch)
	}
	d, clamped := bound(reset.Sub(now))
	return now.Add(d), clamped, true
}

// Budget is what the X-RateLimit-* headers of one answer say of the account's hourly request budget.
// A header that is absent or not an integer leaves its part unknown.
type Budget struct {
	Limit        int64     // requests per window; ≤ 0 when unknown
	Remaining    int64     // requests left, as sent (garbage such as -1 included): valid when HasRemaining
	HasRemaining bool      // X-RateLimit-Remaining was an integer
	Reset        time.Time // when the window resets, in [now, now+MaxWait]; zero when unknown
	ResetClamped bool      // the reset lay further ahead than MaxWait
}

// RateLimit reads the budget headers of an answer received at now.
func RateLimit(h http.Header, now time.Time) Budget {
	var b Budget
	if limit, err := strconv.ParseInt(strings.TrimSpace(h.Get(RateLimitLimitKey)), 10, 64); err == nil {
		b.Limit = limit
	}
	if remaining, err := strconv.ParseInt(strings.TrimSpace(h.Get(RateLimitRemainingKey)), 10, 64); err == nil {
		b.Remaining, b.HasRemaining = remaining, true
	}
	if at, clamped, ok := ResetAt(h, now); ok {
		b.Reset, b.ResetClamped = at, clamped
	}
	return b
}

// Known reports whether limit, remaining and reset all arrived: only then can requests be paced by them.
func (b Budget) Known() bool { return b.Limit > 0 && b.HasRemaining && !b.Reset.IsZero() }

// digits parses an unsigned decimal; over reports a value above limit (parsing stops there, so no
// number of digits overflows). isNum is false for anything but ASCII digits, and for "".
func digits(s string, limit int64) (n int64, over, isNum bool) {
	if s == "" {
		return 0, false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false, false
		}
		if d := int64(c - '0'); !over && n <= (limit-d)/10 {
			n = n*10 + d
		} else {
			over = true
		}
	}
	return n, over, true
}

// bound clamps a wait into [0, MaxWait].
func bound(d time.Duration) (time.Duration, bool) {
	switch {
	case d < 0:
		return 0, false
	case d > MaxWait:
		return MaxWait, true
	}
	return d, false
}
