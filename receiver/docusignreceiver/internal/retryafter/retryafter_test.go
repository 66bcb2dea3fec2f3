package retryafter

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var now = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
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
		{"exactly the cap", "3600", Max, false, true},
		{"a year", "31536000", Max, true, true},
		{"overflows time.Duration", "10000000000", Max, true, true},
		{"overflows int64", "99999999999999999999999999999", Max, true, true},
		{"negative", "-5", 0, false, false},
		{"fraction", "1.5", 0, false, false},
		{"garbage", "soon", 0, false, false},
		{"HTTP date", now.Add(2 * time.Minute).Format(http.TimeFormat), 2 * time.Minute, false, true},
		{"HTTP date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, false, true},
		{"HTTP date next year", now.AddDate(1, 0, 0).Format(http.TimeFormat), Max, true, true},
		{"HTTP date far beyond time.Duration", "Fri, 31 Dec 9999 23:59:59 GMT", Max, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.value != "" {
				h.Set("Retry-After", tt.value)
			}
			d, clamped, ok := Parse(h, now)
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
		{"a clock a year ahead", unix(365 * 24 * time.Hour), now.Add(Max), true, true},
		{"milliseconds a year ahead", millis(365 * 24 * time.Hour), now.Add(Max), true, true},
		{"largest int64", "9223372036854775807", now.Add(Max), true, true},
		{"beyond int64", "92233720368547758070", now.Add(Max), true, true},
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
