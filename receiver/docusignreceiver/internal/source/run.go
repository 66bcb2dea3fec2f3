// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// maxPollBackoff bounds the wait after failed polls.
const maxPollBackoff = 5 * time.Minute

// Run loads s's checkpoint, then polls s until ctx ends: after a success it waits the source's
// interval (none when the poll says there is more), after a failure a growing backoff or DocuSign's
// Retry-After. A poll that delivered something before it failed starts the backoff afresh:
// intermittent faults slow a drain by a retry, not by a growing wait. A storage that cannot be read
// is retried before any poll. A panic in Load or Poll is recovered, counted and logged, and the
// source starts again from its checkpoint. Every outcome updates health.
func Run(ctx context.Context, s Source, d Deps) {
	interval := s.Interval()
	retry := newBackoff(min(maxPollBackoff, max(interval, 30*time.Second)))
	loaded := false
	for {
		var res Result
		err := Safely(func() error {
			if !loaded {
				if err := s.Load(ctx); err != nil {
					return err
				}
				loaded = true
			}
			var err error
			res, err = s.Poll(ctx)
			return err
		})
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if res.More {
			wait = 0
		}
		if err != nil {
			if res.Progressed {
				retry.reset()
			}
			wait = retry.next(err)
			var pe *PanicError
			if errors.As(err, &pe) {
				loaded = false // in-memory state may be half-updated: start again from what was saved
				d.Telemetry.Panic()
				d.Logger.Error("Internal error in the source; restarting it from its checkpoint", zap.Error(err), zap.Duration("retry_in", wait))
				d.Logger.Debug("Internal error stack", zap.ByteString("stack", pe.Stack))
			} else {
				d.Logger.Warn("Poll failed; will retry", zap.Error(err), zap.Duration("retry_in", wait))
			}
			d.Telemetry.Retry("poll")
		} else {
			retry.reset()
		}
		d.Health("", err)
		if !d.Clock.Sleep(ctx, wait) {
			return
		}
	}
}
