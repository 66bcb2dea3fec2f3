// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"errors"
	"strings"
	"time"
)

// .NET ticks (100 ns since 0001-01-01) are DocuSign's cursor unit and the precision of its timestamps.
const (
	unixEpochTicks = 621355968000000000
	ticksPerSecond = 10_000_000
	tick           = 100 * time.Nanosecond
)

func toTicks(t time.Time) int64 {
	return t.Unix()*ticksPerSecond + int64(t.Nanosecond())/100 + unixEpochTicks
}

func fromTicks(ticks int64) time.Time {
	u := ticks - unixEpochTicks
	sec, frac := u/ticksPerSecond, u%ticksPerSecond
	if frac < 0 {
		sec, frac = sec-1, frac+ticksPerSecond
	}
	return time.Unix(sec, frac*100).UTC()
}

// appendTimestamp writes ticks as DocuSign does: UTC, up to 7 fractional digits, trailing zeros dropped.
func appendTimestamp(b []byte, ticks int64) []byte {
	t := fromTicks(ticks)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if frac := (ticks - unixEpochTicks) % ticksPerSecond; frac != 0 {
		if frac < 0 {
			frac += ticksPerSecond
		}
		var digits [8]byte
		digits[0] = '.'
		for i := 7; i >= 1; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		n := 8
		for digits[n-1] == '0' {
			n--
		}
		b = append(b, digits[:n]...)
	}
	return append(b, 'Z')
}

var errBadTime = errors.New("not an ISO-8601 date or date-time")

// parseISOTime accepts the shapes DocuSign's clients send: RFC 3339 with Z or an offset and any
// number of fractional digits, a date-time without zone (UTC), or a bare date.
func parseISOTime(s string) (time.Time, error) {
	s = strings.ReplaceAll(s, " ", "+") // an offset's '+' sent unencoded in a query string arrives as a space
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errBadTime
}
