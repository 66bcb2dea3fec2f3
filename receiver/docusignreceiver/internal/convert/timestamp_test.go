// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2024-07-07T16:20:36.1227494Z", utc(2024, 7, 7, 16, 20, 36, 122749400), true},
		{"2026-10-02T14:07:40.12Z", utc(2026, 10, 2, 14, 7, 40, 120000000), true},
		{"2026-10-02T14:07:40Z", utc(2026, 10, 2, 14, 7, 40, 0), true},
		{"2026-10-02T14:07:40.123456789Z", utc(2026, 10, 2, 14, 7, 40, 123456789), true},
		{"2026-10-02T16:07:40.5+02:00", utc(2026, 10, 2, 14, 7, 40, 500000000), true},
		{"2026-10-02T14:07:40.1227494", utc(2026, 10, 2, 14, 7, 40, 122749400), true}, // no zone: UTC
		{"2024-02-29T00:00:00Z", utc(2024, 2, 29, 0, 0, 0, 0), true},
		{"1970-01-01T00:00:00Z", time.Unix(0, 0).UTC(), true},
		{"2026-02-29T00:00:00Z", time.Time{}, false},
		{"2026-13-01T00:00:00Z", time.Time{}, false},
		{"2026-10-02T24:00:00Z", time.Time{}, false},
		{"2026-10-02T14:60:00Z", time.Time{}, false},
		{"2026-10-02T14:07:40.Z", time.Time{}, false},
		{"2026-10-02 14:07:40Z", time.Time{}, false},
		{"yesterday", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseTimestamp(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		if tt.ok {
			assert.True(t, tt.want.Equal(got), "%s: got %v", tt.in, got)
		}
	}
}

// TestFastTimestampMatchesTimeParse: the hand-written parser agrees with time.Parse on every
// input of its form, valid or not.
func TestFastTimestampMatchesTimeParse(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		sec := r.Int64N(10_000_000_000) - 1_000_000_000 // 1938..2286
		tm := time.Unix(sec, r.Int64N(1e9)).UTC()
		layout := "2006-01-02T15:04:05"
		if digits := r.IntN(10); digits > 0 {
			layout += "." + "000000000"[:digits]
		}
		s := tm.Format(layout + "Z")
		if r.IntN(4) == 0 { // corrupt one digit to hit range checks
			b := []byte(s)
			i := r.IntN(19)
			if b[i] >= '0' && b[i] <= '9' {
				b[i] = byte('0' + r.IntN(10))
			}
			s = string(b)
		}
		fast, fastOK := parseUTC(s)
		std, err := time.Parse(time.RFC3339Nano, s)
		require.Equal(t, err == nil, fastOK, "%s: %v", s, err)
		if fastOK {
			require.True(t, std.Equal(fast), "%s: fast %v, time.Parse %v", s, fast, std)
		}
	}
}

func TestTimestampOutOfRangeIsFlagged(t *testing.T) {
	page := `{"data":[{"eventId":"e","timestamp":"1969-12-31T23:59:59Z"},{"eventId":"f","timestamp":"2300-01-01T00:00:00Z"}]}`
	lrs, _, refs, stats := convertPage(t, []byte(page))
	assert.Equal(t, 2, stats.Flagged)
	for i := range 2 {
		assert.Zero(t, lrs.At(i).Timestamp())
		v, _ := lrs.At(i).Attributes().Get(AttrConversionError)
		assert.Contains(t, v.Str(), "timestamp is out of range")
		assert.False(t, refs[i].Timestamp.IsZero(), "the parsed time is still reported")
	}
}
