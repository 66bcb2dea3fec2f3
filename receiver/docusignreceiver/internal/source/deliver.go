// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
)

// Tap sees every batch a source hands to the pipeline. It runs before the pipeline owns the batch;
// what it returns (nil allowed) runs once the pipeline accepted it, e.g. to count what was delivered.
type Tap func(source string, logs plog.Logs) (accepted func())

// Deliverer hands one source's batches to the pipeline.
type Deliverer struct {
	source    string
	next      consumer.Logs
	obs       *receiverhelper.ObsReport
	telemetry Telemetry
	health    func(error)
	logger    *zap.Logger
	clock     Clock
	tap       Tap
	maxWait   time.Duration
}

// Batch is one delivery: the records and how to retry them.
type Batch struct {
	Logs plog.Logs
	// Rebuild returns a fresh copy for a retry: the pipeline may have changed a batch it refused.
	// nil resends Logs, which is right only when the pipeline does not mutate data (MutatesData).
	Rebuild func() plog.Logs
	// Where names the data in log lines (a cursor, a start index).
	Where zap.Field
	// BeforeRetry runs once, before the first retry.
	BeforeRetry func()
}

// MutatesData reports whether the pipeline may change what it is given: a retry then needs a fresh batch.
func (d *Deliverer) MutatesData() bool { return d.next.Capabilities().MutatesData }

// Deliver hands b to the pipeline until it accepts it, rejects it for good (counted, logged once,
// skipped) or ctx ends. Only a nil return lets the caller move its checkpoint. The receiver's
// accepted/refused counts see the batch once, with its final outcome, however many attempts it took.
func (d *Deliverer) Deliver(ctx context.Context, b Batch) error {
	n := b.Logs.LogRecordCount()
	var err error
	if d.obs != nil {
		obsCtx := d.obs.StartLogsOp(ctx)
		err = d.deliver(obsCtx, b)
		d.obs.EndLogsOp(obsCtx, "json", n, err)
	} else {
		err = d.deliver(ctx, b)
	}
	if consumererror.IsPermanent(err) {
		d.telemetry.Dropped(n, "permanent_error")
		d.logger.Error("Pipeline rejected records permanently; skipping them", zap.Int("records", n), b.Where, zap.Error(err))
		return nil
	}
	return err
}

func (d *Deliverer) deliver(ctx context.Context, b Batch) error {
	wait := newBackoff(min(30*time.Second, d.maxWait))
	logs := b.Logs
	for attempt := 0; ; attempt++ {
		var accepted func()
		if d.tap != nil {
			accepted = d.tap(d.source, logs)
		}
		err := d.next.ConsumeLogs(ctx, logs)
		if err == nil {
			if accepted != nil {
				accepted()
			}
			return nil
		}
		if consumererror.IsPermanent(err) {
			return err
		}
		if attempt == 0 && b.BeforeRetry != nil {
			b.BeforeRetry()
		}
		pause := wait.next(err)
		d.telemetry.Retry("consume")
		d.logger.Warn("Pipeline refused records; retrying the same data", zap.Int("records", logs.LogRecordCount()), b.Where,
			zap.Error(err), zap.Duration("retry_in", pause))
		d.health(err)
		if !d.clock.Sleep(ctx, pause) {
			return ctx.Err()
		}
		if b.Rebuild != nil {
			logs = b.Rebuild()
		}
	}
}
