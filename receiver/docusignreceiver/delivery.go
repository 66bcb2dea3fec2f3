package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// checkpointSaveTimeout bounds a checkpoint write, which runs even during shutdown: a page the pipeline
// accepted is recorded rather than repeated after the restart.
const checkpointSaveTimeout = 10 * time.Second

// pollResult is what one poll achieved besides its error.
type pollResult struct {
	more       bool // a per-poll page cap was reached: poll again at once
	progressed bool // a page was delivered: a failure after it starts the backoff afresh
}

// pollFunc is one poll of a source.
type pollFunc func(ctx context.Context) (pollResult, error)

// pollLoop loads the source's checkpoint with load, then runs poll until ctx ends, waiting interval
// after a success and a growing backoff (or DocuSign's Retry-After) after a failure; every outcome
// updates the receiver's health. A poll that delivered pages before failing starts the backoff
// afresh: intermittent faults slow a drain by a retry, not by a growing wait. A storage that cannot
// be read is retried before any poll. A panic in load or poll is recovered, counted and logged, and
// the source restarts from its checkpoint.
func (r *docusignReceiver) pollLoop(ctx context.Context, source string, interval time.Duration, logger *zap.Logger,
	failure string, load func(context.Context) error, poll pollFunc,
) {
	retry := newBackoff(min(5*time.Minute, max(interval, 30*time.Second)))
	loaded := false
	for {
		var res pollResult
		err := safely(func() error {
			if !loaded {
				if err := load(ctx); err != nil {
					return err
				}
				loaded = true
			}
			var err error
			res, err = poll(ctx)
			return err
		})
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if res.more {
			wait = 0
		}
		if err != nil {
			if res.progressed {
				retry.reset()
			}
			wait = retry.next(err)
			var pe *panicError
			if errors.As(err, &pe) {
				loaded = false // in-memory state may be half-updated: start again from what was saved
				r.tb.ReceiverDocusignPanics.Add(context.Background(), 1, metric.WithAttributes(attrSource.String(source)))
				logger.Error("Internal error in the source; restarting it from its checkpoint", zap.Error(err), zap.Duration("retry_in", wait))
				logger.Debug("Internal error stack", zap.ByteString("stack", pe.stack))
			} else {
				logger.Warn(failure, zap.Error(err), zap.Duration("retry_in", wait))
			}
			r.tb.ReceiverDocusignRetries.Add(context.Background(), 1,
				metric.WithAttributes(attrSource.String(source), attrReason.String("poll")))
		} else {
			retry.reset()
		}
		r.reportStatus(source, err)
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// consumeWithRetry hands logs to the pipeline until it accepts them, rejects them for good (counted,
// logged once, skipped) or ctx ends. The pipeline may have changed a batch it refused, so every retry
// sends a fresh one from rebuild. beforeRetry runs once, before the first retry; where names the data
// in log lines. Only a nil return lets the caller move its checkpoint.
func (r *docusignReceiver) consumeWithRetry(ctx context.Context, source string, logs plog.Logs, rebuild func() plog.Logs,
	logger *zap.Logger, maxWait time.Duration, where zap.Field, beforeRetry func(),
) error {
	wait := newBackoff(min(30*time.Second, maxWait))
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			logs = rebuild()
		}
		n := logs.LogRecordCount()
		obsCtx := r.obsrecv.StartLogsOp(ctx)
		err := r.next.ConsumeLogs(obsCtx, logs)
		r.obsrecv.EndLogsOp(obsCtx, "json", n, err)
		if err == nil {
			return nil
		}
		if consumererror.IsPermanent(err) {
			r.tb.ReceiverDocusignRecordsDropped.Add(context.Background(), int64(n),
				metric.WithAttributes(attrSource.String(source), attrReason.String("permanent_error")))
			logger.Error("Pipeline rejected records permanently; skipping them", zap.Int("records", n), where, zap.Error(err))
			return nil
		}
		if attempt == 0 && beforeRetry != nil {
			beforeRetry()
		}
		d := wait.next(err)
		r.tb.ReceiverDocusignRetries.Add(context.Background(), 1,
			metric.WithAttributes(attrSource.String(source), attrReason.String("consume")))
		logger.Warn("Pipeline refused records; retrying the same data", zap.Int("records", n), where, zap.Error(err), zap.Duration("retry_in", d))
		r.reportStatus(source, err)
		if !sleepCtx(ctx, d) {
			return ctx.Err()
		}
	}
}
