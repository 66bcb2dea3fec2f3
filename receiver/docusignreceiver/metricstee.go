// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"maps"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/meter"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"
)

// metricsRefresh is how often the metrics are emitted when no batch is: gauges stay current and a
// Prometheus exporter does not expire the sums of a quiet week. A gauge that changed (the users
// listing records a page after delivering it) is emitted at the next check.
const (
	metricsRefresh = 30 * time.Second
	metricsCheck   = 2 * time.Second
)

// metricsTee is the sources' pipeline when a metrics pipeline takes the receiver: each batch goes to
// the logs pipeline (when there is one), and what was delivered is counted into the metrics. With
// no logs pipeline the batch is only counted, and it counts as delivered once its metrics are consumed.
type metricsTee struct {
	r       *docusignReceiver
	logs    consumer.Logs // nil: only a metrics pipeline
	meter   *meter.Meter
	users   *identity.Inventory  // nil: no docusign.users
	monitor *sources.StreamState // nil: no docusign.monitor.lag

	lastEmit  time.Time // under meter's lock
	lastUsers map[string]int64
	lastLag   *float64
}

func (r *docusignReceiver) newMetricsTee(logs consumer.Logs, users *identity.Inventory, monitor *sources.StreamState) *metricsTee {
	batch, _ := r.newBatch() // the same resource as the records
	res := batch.ResourceLogs().At(0).Resource()
	return &metricsTee{r: r, logs: logs, meter: meter.New(r.cfg.MetricsBuilderConfig, r.settings, res, time.Now()), users: users, monitor: monitor}
}

func (t *metricsTee) Capabilities() consumer.Capabilities {
	if t.logs != nil {
		return t.logs.Capabilities()
	}
	return consumer.Capabilities{}
}

func (t *metricsTee) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	delta := meter.Count(ld) // before the logs pipeline, which may change ld
	if t.logs == nil {
		return t.emit(ctx, delta)
	}
	if err := t.logs.ConsumeLogs(ctx, ld); err != nil {
		return err
	}
	if err := t.emit(ctx, delta); err != nil {
		// The records are delivered: refusing them now would deliver them twice. The sums keep the
		// batch and the next emission carries it.
		t.r.settings.Logger.Warn("Metrics not delivered; the next emission carries them", zap.Error(err))
	}
	return nil
}

// emit sends the metrics with delta added and keeps delta once they were consumed — or, with a logs
// pipeline, whatever happens, since the records were delivered.
func (t *metricsTee) emit(ctx context.Context, delta meter.Counts) error {
	t.meter.Lock()
	defer t.meter.Unlock()
	now := time.Now()
	g := t.gauges()
	md := t.meter.Build(now, delta, g)
	obsCtx := t.r.obsrecv.StartMetricsOp(ctx)
	err := t.r.metrics.ConsumeMetrics(obsCtx, md)
	t.r.obsrecv.EndMetricsOp(obsCtx, "json", md.DataPointCount(), err)
	if err == nil || t.logs != nil {
		t.meter.Commit(delta)
	}
	if err == nil {
		t.lastEmit, t.lastUsers, t.lastLag = now, g.Users, g.Lag
	}
	return err
}

// due says whether the refresh should emit: it is time, Monitor caught up or fell behind, or the
// users by status changed.
func (t *metricsTee) due(now time.Time) bool {
	t.meter.Lock()
	defer t.meter.Unlock()
	if now.Sub(t.lastEmit) >= metricsRefresh {
		return true
	}
	g := t.gauges()
	if g.Lag != nil && (t.lastLag == nil || (*g.Lag == 0) != (*t.lastLag == 0)) {
		return true
	}
	return !maps.Equal(g.Users, t.lastUsers)
}

func (t *metricsTee) gauges() meter.Gauges {
	var g meter.Gauges
	if t.monitor != nil {
		lag := t.monitor.Lag(time.Now())
		g.Lag = &lag
	}
	if t.users != nil {
		select {
		case <-t.users.Ready(): // before the first listing the count would read as users lost
			g.Users = t.users.Statuses()
		default:
		}
	}
	return g
}

// refresh checks every interval whether the metrics are due, until ctx ends.
func (t *metricsTee) refresh(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if !t.due(now) {
				continue
			}
			if err := t.emit(ctx, meter.Counts{}); err != nil && ctx.Err() == nil {
				t.r.settings.Logger.Debug("Metrics refresh not delivered", zap.Error(err))
			}
		}
	}
}
