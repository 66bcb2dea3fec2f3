// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package testclock is the settable clock of the module's tests: a Now that moves only when the test
// says, so token expiry, retention and rate windows are tested without sleeping. It imports nothing
// of the module, so any package's tests can use it.
package testclock // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"

import (
	"context"
	"sync"
	"time"
)

// Clock is a time that stands still until Advance; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock standing at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time; pass the method value where a func() time.Time is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock d ahead (back, for a negative d).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Sleep moves the clock d ahead at once, as if the caller had slept; false when ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	c.Advance(d)
	return true
}
