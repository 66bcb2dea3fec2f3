// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package headers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name        string
		value       string // "" leaves the header out
		want        time.Duration
		wantClamped bool
		wantOK      bool
	}{
		{"absent", "", 0, false, false},
		{"seconds", "7", 7 * time.Second, false, true},
		{"zero", "0", 0, false, true},
		{"padded", " 12 ", 12 * time.Second, false, true},
		{"exactly the cap", "3600", MaxWait, false, true},
		{"a year", "31536000", MaxWait, true, true},
		{"overflows time.Duration", "10000000000", MaxWait, true, true},
		{"overflows int64", "99999999999999999999999999999", MaxWait, true, true},
		{"negative", "-5", 0, false, false},
		{"fraction", "1.5", 0, false, false},
		{"garbage", "soon", 0, false, false},
		{"HTTP date", now.Add(2 * time.Minute).Format(http.TimeFormat), 2 * time.Minute, false, true},
		{"HTTP date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, false, true},
		{"HTTP date next year", now.AddDate(1, 0, 0).Format(http.TimeFormat), MaxWait, true, true},
		{"HTTP date far beyond time.Duration", "Fri, 31 Dec 9999 23:59:59 GMT", MaxWait, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			d, clamped, ok := RetryAfter(h, now)
			assert.Equal(t, tt.want, d)
			assert.Equal(t, tt.wantClamped, clamped)
			assert.Equal(t, tt.wantOK, ok)
		})
	}
}

func TestResetAt(t *testing.T) {
	unix := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	millis := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	tests := []struct {
		name        string
		value       string
		want        time.Time
		wantClamped bool
		wantOK      bool
	}{
		{"absent", "", time.Time{}, false, false},
		{"seconds ahead", unix(90 * time.Second), now.Add(90 * time.Second), false, true},
		{"milliseconds ahead", millis(90 * time.Second), now.Add(90 * time.Second), false, true},
		{"milliseconds in the past", millis(-time.Minute), now, false, true},
		{"the past is now", unix(-time.Hour), now, false, true},
		{"zero", "0", now, false, true},
		{"a clock a year ahead", unix(365 * 24 * time.Hour), now.Add(MaxWait), true, true},
		{"milliseconds a year ahead", millis(365 * 24 * time.Hour), now.Add(MaxWait), true, true},
		{"largest int64", "9223372036854775807", now.Add(MaxWait), true, true},
		{"beyond int64", "92233720368547758070", now.Add(MaxWait), true, true},
		{"negative", "-1", time.Time{}, false, false},
		{"garbage", "tomorrow", time.Time{}, false, false},
		{"fraction", "1800000000.5", time.Time{}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("X-RateLimit-Reset", tt.value)
			}
			at, clamped, ok := ResetAt(h, now)
			assert.True(t, tt.want.Equal(at), "got %s, want %s", at, tt.want)
			assert.Equal(t, tt.wantClamped, clamped)
			assert.Equal(t, tt.wantOK, ok)
		})
	}
}

func TestRateLimit(t *testing.T) {
	reset := strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)
	tests := []struct {
		name             string
		limit, remaining string // "" leaves the header out
		reset            string
		want             Budget
		wantKnown        bool
	}{
		{"all three", "3000", "2999", reset, Budget{Limit: 3000, Remaining: 2999, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, true},
		{"padded", " 3000 ", " 7 ", reset, Budget{Limit: 3000, Remaining: 7, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, true},
		{"remaining zero", "3000", "0", reset, Budget{Limit: 3000, Remaining: 0, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, true},
		{"remaining negative, as sent", "3000", "-1", reset, Budget{Limit: 3000, Remaining: -1, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, true},
		{"remaining alone", "", "12", "", Budget{Remaining: 12, HasRemaining: true}, false},
		{"remaining beyond int64", "3000", "99999999999999999999", reset, Budget{Limit: 3000, Reset: now.Add(10 * time.Minute)}, false},
		{"remaining not a number", "3000", "lots", reset, Budget{Limit: 3000, Reset: now.Add(10 * time.Minute)}, false},
		{"limit zero", "0", "5", reset, Budget{Remaining: 5, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, false},
		{"limit negative", "-3000", "5", reset, Budget{Limit: -3000, Remaining: 5, HasRemaining: true, Reset: now.Add(10 * time.Minute)}, false},
		{"reset missing", "3000", "5", "", Budget{Limit: 3000, Remaining: 5, HasRemaining: true}, false},
		{"reset garbage", "3000", "5", "soon", Budget{Limit: 3000, Remaining: 5, HasRemaining: true}, false},
		{"reset a year ahead", "3000", "5", strconv.FormatInt(now.AddDate(1, 0, 0).Unix(), 10),
			Budget{Limit: 3000, Remaining: 5, HasRemaining: true, Reset: now.Add(MaxWait), ResetClamped: true}, true},
		{"none", "", "", "", Budget{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for key, v := range map[string]string{RateLimitLimitKey: tt.limit, RateLimitRemainingKey: tt.remaining, RateLimitResetKey: tt.reset} {
				if v != "" {
					h.Set(key, v)
				}
			}
			got := RateLimit(h, now)
			assert.True(t, tt.want.Reset.Equal(got.Reset), "reset %s, want %s", got.Reset, tt.want.Reset)
			got.Reset = tt.want.Reset
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantKnown, got.Known())
		})
	}
}

func TestTraceTokenIsOneShortRedactedLine(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"absent", "", ""},
		{"a GUID, as sent", "3f9d1c2e-7b6a-4e5d-9c8b-0a1f2e3d4c5b", "3f9d1c2e-7b6a-4e5d-9c8b-0a1f2e3d4c5b"},
		{"an echoed bearer token", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "Bearer [redacted]"},
		{"control characters", "abc\x1b[31mdef", "abc [31mdef"},
		{"too long", strings.Repeat("a", 500), strings.Repeat("a", maxTraceTokenBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set(TraceTokenKey, tt.value)
			}
			assert.Equal(t, tt.want, TraceToken(h))
		})
	}
}

func TestQuoteIsOneShortRedactedLine(t *testing.T) {
	h := http.Header{}
	h.Set(RetryAfterKey, strings.Repeat("9", 200))
	h.Set(RateLimitResetKey, "Bearer abc\ndef")
	assert.Equal(t, strings.Repeat("9", quoteBytes), Quote(h, RetryAfterKey))
	assert.Equal(t, "Bearer [redacted] def", Quote(h, RateLimitResetKey), "one line, the token redacted")
	assert.Empty(t, Quote(h, RateLimitLimitKey))
}
