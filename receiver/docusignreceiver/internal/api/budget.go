// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"errors"
	"time"
)

// errBudgetSpent is the cause a request's context is canceled with when its timeout budget runs out.
var errBudgetSpent = errors.New("timeout budget spent")

// budget bounds the time one request spends waiting on the network. It runs from sending until the
// response headers arrive and during body reads, and is paused while a Stream is parked between
// reads, so a prefetched response waiting for a slow consumer never times out.
type budget struct {
	ctx     context.Context // the request's: the caller's, canceled when the budget is spent
	cancel  context.CancelCauseFunc
	timer   *time.Timer // nil: no budget
	total   time.Duration
	left    time.Duration
	since   time.Time // when it last resumed
	running bool
}

// startBudget returns a running budget of d for a request on ctx; d ≤ 0 means none.
func startBudget(ctx context.Context, d time.Duration) budget {
	if d <= 0 {
		return budget{ctx: ctx}
	}
	b := budget{total: d, left: d, since: time.Now(), running: true}
	b.ctx, b.cancel = context.WithCancelCause(ctx)
	cancel := b.cancel
	b.timer = time.AfterFunc(d, func() { cancel(errBudgetSpent) })
	return b
}

func (b *budget) pause() {
	if b.timer == nil || !b.running {
		return
	}
	b.running = false
	if b.timer.Stop() {
		b.left -= time.Since(b.since)
	} else {
		b.left = 0
	}
}

func (b *budget) resume() {
	if b.timer == nil || b.running {
		return
	}
	if b.left <= 0 { // spent while paused, before the timer could fire
		b.cancel(errBudgetSpent)
		return
	}
	b.running, b.since = true, time.Now()
	b.timer.Reset(b.left)
}

// end releases the budget once the request is done with.
func (b *budget) end() {
	if b.timer == nil {
		return
	}
	b.timer.Stop()
	b.running = false
	b.cancel(nil)
}

// spent reports whether the request failed because the budget ran out.
func (b *budget) spent() bool {
	return b.timer != nil && context.Cause(b.ctx) == errBudgetSpent
}
