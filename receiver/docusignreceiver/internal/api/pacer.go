package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/retryafter"
)

// pacer spreads requests out when the hourly budget runs low and holds them after a 429. Whatever the
// headers say, it never waits longer than retryafter.Max.
type pacer struct {
	mu           sync.Mutex
	limit        int64
	remaining    int64
	reset        time.Time
	resetClamped bool // the last reset lay beyond retryafter.Max
	blocked      time.Time
	known        bool
}

// lowWater is the fraction of the hourly budget below which requests are spread until the reset.
const lowWater = 10

// maxCount bounds the header counts so remaining*lowWater cannot overflow; real budgets are thousands.
const maxCount = math.MaxInt32

// update reads the budget headers; garbage leaves the pacer as it was. It reports a reset clamped to
// retryafter.Max when the one before it was not, so the caller warns once per occurrence.
func (p *pacer) update(h http.Header, now time.Time) (newlyClamped bool) {
	limit, errL := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Limit")), 10, 64)
	remaining, errR := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Remaining")), 10, 64)
	reset, clamped, ok := retryafter.ResetAt(h, now)
	if errL != nil || errR != nil || !ok || limit <= 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit = min(limit, maxCount)
	p.remaining = min(max(remaining, 0), maxCount) // below zero: nothing left
	p.reset, p.known = reset, true
	newlyClamped = clamped && !p.resetClamped
	p.resetClamped = clamped
	return newlyClamped
}

// block holds every request until until (at most retryafter.Max ahead: the caller clamps it).
func (p *pacer) block(until time.Time) {
	p.mu.Lock()
	if until.After(p.blocked) {
		p.blocked = until
	}
	p.mu.Unlock()
}

// delay is how long the next request should wait.
func (p *pacer) delay(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d time.Duration
	if p.blocked.After(now) {
		d = p.blocked.Sub(now)
	}
	if p.known && p.reset.After(now) && p.remaining*lowWater < p.limit {
		// Spread what is left evenly over the time to the reset, instead of hitting the wall.
		spread := p.reset.Sub(now) / time.Duration(p.remaining+1) // remaining ≥ 0
		d = max(d, spread)
		if p.remaining > 0 {
			p.remaining--
		}
	}
	return min(d, retryafter.Max) // also when the local clock jumped back since the headers came
}
