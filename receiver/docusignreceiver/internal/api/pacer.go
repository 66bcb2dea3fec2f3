// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
)

// pacer spreads requests out when the hourly budget runs low and holds them after a 429. Whatever the
// headers say, it never waits longer than headers.MaxWait.
type pacer struct {
	mu           sync.Mutex
	limit        int64
	remaining    int64
	reset        time.Time
	resetClamped bool // the last reset lay beyond headers.MaxWait
	blocked      time.Time
	known        bool
	noSpread     bool // a client of a few requests (the doctor) does not spread them over the hour
}

// lowWater is the fraction of the hourly budget below which requests are spread until the reset.
const lowWater = 10

// maxCount bounds the header counts so remaining*lowWater cannot overflow; real budgets are thousands.
const maxCount = math.MaxInt32

// defaultRateLimitWait applies to a 429 that says neither Retry-After nor X-RateLimit-Reset.
const defaultRateLimitWait = 30 * time.Second

// update takes in the budget an answer reported; an incomplete one leaves the pacer as it was. It
// reports a reset clamped to headers.MaxWait when the one before it was not, so the caller warns once
// per occurrence.
func (p *pacer) update(b headers.Budget) (newlyClamped bool) {
	if !b.Known() {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit = min(b.Limit, maxCount)
	p.remaining = min(max(b.Remaining, 0), maxCount) // below zero: nothing left
	p.reset, p.known = b.Reset, true
	newlyClamped = b.ResetClamped && !p.resetClamped
	p.resetClamped = b.ResetClamped
	return newlyClamped
}

// block holds every request until until (at most headers.MaxWait ahead: the caller clamps it).
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
	if !p.noSpread && p.known && p.reset.After(now) && p.remaining*lowWater < p.limit {
		// Spread what is left evenly over the time to the reset, instead of hitting the wall.
		spread := p.reset.Sub(now) / time.Duration(p.remaining+1) // remaining ≥ 0
		d = max(d, spread)
		if p.remaining > 0 {
			p.remaining--
		}
	}
	return min(d, headers.MaxWait) // also when the local clock jumped back since the headers came
}

// wait holds the next request for its delay; the caller's context ends the wait early.
func (p *pacer) wait(ctx context.Context) error {
	d := p.delay(time.Now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// serverWait is how long a rate-limited answer holds every request: Retry-After, else
// X-RateLimit-Reset, else a default, at most headers.MaxWait; clamped says the server asked for longer.
func serverWait(h http.Header, now time.Time) (d time.Duration, clamped bool) {
	if d, clamped, ok := headers.RetryAfter(h, now); ok {
		return d, clamped
	}
	if at, clamped, ok := headers.ResetAt(h, now); ok && at.After(now) {
		return at.Sub(now), clamped
	}
	return defaultRateLimitWait, false
}
