package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// checkpointSaveTimeout bounds a checkpoint write, which runs even during shutdown: a page the pipeline
// accepted is recorded rather than repeated after the restart.
const checkpointSaveTimeout = 10 * time.Second

// pollLoop runs poll until ctx ends, waiting interval after a success and a growing backoff (or
// DocuSign's Retry-After) after a failure; every outcome updates the receiver's health.
func (r *docusignReceiver) pollLoop(ctx context.Context, source string, interval time.Duration, logger *zap.Logger, failure string, poll func(context.Context) error) {
	retry := newBackoff(min(5*time.Minute, max(interval, 30*time.Second)))
	for {
		err := poll(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := interval
		if err != nil {
			wait = retry.next(err)
			r.tb.ReceiverDocusignRetries.Add(context.Background(), 1,
				metric.WithAttributes(attrSource.String(source), attrReason.String("poll")))
			logger.Warn(failure, zap.Error(err), zap.Duration("retry_in", wait))
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
// logged once, skipped) or ctx ends. beforeRetry runs once, before the first retry; where names the
// data in log lines. Only a nil return lets the caller move its checkpoint.
func (r *docusignReceiver) consumeWithRetry(ctx context.Context, source string, logs plog.Logs, logger *zap.Logger,
	maxWait time.Duration, where zap.Field, beforeRetry func(),
) error {
	wait := newBackoff(min(30*time.Second, maxWait))
	n := logs.LogRecordCount()
	for attempt := 0; ; attempt++ {
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
