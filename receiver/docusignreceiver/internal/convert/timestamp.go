// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"time"
)

// Bounds of what a pcommon.Timestamp (uint64 ns since the Unix epoch) can hold.
var (
	minTimestamp = time.Unix(0, 0).UTC()
	maxTimestamp = time.Unix(0, 1<<63-1).UTC()
)

// parseTimestamp parses a Monitor timestamp. The common UTC form with up to 9 fractional digits
// (DocuSign sends 7) is parsed by hand; anything else (offsets, no fraction) goes through
// time.Parse(RFC3339Nano), and a time without a zone is taken as UTC.
func parseTimestamp(s string) (time.Time, bool) {
	if t, ok := parseUTC(s); ok {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, time.UTC); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// parseUTC handles exactly YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z and reports false for anything else,
// leaving the decision to time.Parse.
func parseUTC(s string) (time.Time, bool) {
	if len(s) < 20 || len(s) > 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' || s[len(s)-1] != 'Z' {
		return time.Time{}, false
	}
	year, ok1 := digits(s, 0, 4)
	month, ok2 := digits(s, 5, 2)
	day, ok3 := digits(s, 8, 2)
	hour, ok4 := digits(s, 11, 2)
	minute, ok5 := digits(s, 14, 2)
	sec, ok6 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 ||
		month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if len(s) > 20 {
		frac := s[19 : len(s)-1]
		if len(frac) < 2 || frac[0] != '.' {
			return time.Time{}, false
		}
		n, ok := digits(frac, 1, len(frac)-1)
		if !ok {
			return time.Time{}, false
		}
		for range 10 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	unix := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(unix, int64(nsec)).UTC(), true
}

func digits(s string, from, n int) (int, bool) {
	v := 0
	for i := from; i < from+n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(month, year int) int {
	switch month {
	case 2:
		if isLeap(year) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch converts a proleptic Gregorian date to days since 1970-01-01 (civil-from-days
// inverted: years start in March so the leap day is last).
func daysSinceEpoch(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= -1 here, so truncation equals floor except for y == -1
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// toUnixNano converts t to a pcommon.Timestamp value; false when it does not fit (before 1970, after 2262).
func toUnixNano(t time.Time) (uint64, bool) {
	if t.Before(minTimestamp) || t.After(maxTimestamp) {
		return 0, false
	}
	return uint64(t.UnixNano()), true
}
