// Package retryafter turns what a server says about waiting (Retry-After, X-RateLimit-Reset) into a
// bounded wait: a hostile or confused answer can make us wait at most Max.
package retryafter // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/retryafter"

import (
	"net/http"
	"strings"
	"time"
)

// Max is the longest wait a server can impose; DocuSign's budget window is one hour.
const Max = time.Hour

// maxSeconds is Max in whole seconds, the bound while parsing digits.
const maxSeconds = int64(Max / time.Second)

// millisecondsAbove: an epoch above it is milliseconds (1e11 seconds is the year 5138).
const millisecondsAbove = 1e11

// Parse reads Retry-After, delta-seconds or an HTTP date, as a wait in [0, Max]; clamped says it asked
// for longer. ok is false when the header is absent or not one of those forms.
func Parse(h http.Header, now time.Time) (d time.Duration, clamped, ok bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false, false
	}
	if secs, over, isNum := digits(v, maxSeconds); isNum {
		if over {
			return Max, true, true
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
// an instant in [now, now+Max]; clamped says it lay further ahead. ok is false when absent or not a
// non-negative integer.
func ResetAt(h http.Header, now time.Time) (at time.Time, clamped, ok bool) {
	v := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	epoch, over, isNum := digits(v, 1<<62)
	if v == "" || !isNum {
		return time.Time{}, false, false
	}
	if over {
		return now.Add(Max), true, true
	}
	reset := time.Unix(epoch, 0)
	if epoch > millisecondsAbove {
		reset = time.UnixMilli(epoch)
	}
	d, clamped := bound(reset.Sub(now))
	return now.Add(d), clamped, true
}

// digits parses an unsigned decimal; over reports a value above limit (parsing stops there, so no
// number of digits overflows). isNum is false for anything but ASCII digits.
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

// bound clamps a wait into [0, Max].
func bound(d time.Duration) (time.Duration, bool) {
	switch {
	case d < 0:
		return 0, false
	case d > Max:
		return Max, true
	}
	return d, false
}
