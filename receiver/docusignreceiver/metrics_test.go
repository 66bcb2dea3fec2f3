// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadatatest"
)

// startPipelines creates the receiver for cfg in a logs pipeline (logs non-nil) and a metrics
// pipeline (metrics non-nil), as the collector does, and starts both; they are shut down at cleanup.
func startPipelines(t *testing.T, cfg *Config, host component.Host, logs consumer.Logs, metrics consumer.Metrics) []component.Component {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	var started []component.Component
	if logs != nil {
		rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, logs)
		require.NoError(t, err)
		started = append(started, rcv)
	}
	if metrics != nil {
		rcv, err := NewFactory().CreateMetrics(context.Background(), set, cfg, metrics)
		require.NoError(t, err)
		started = append(started, rcv)
	}
	for _, c := range started {
		require.NoError(t, c.Start(context.Background(), host))
	}
	var once sync.Once
	t.Cleanup(func() {
		once.Do(func() {
			for _, c := range started {
				require.NoError(t, c.Shutdown(context.Background()))
			}
		})
	})
	return started
}

// eventCounts counts the Monitor records by object, action and result as DocuSign sent them (the body).
func eventCounts(all []plog.Logs) map[[3]string]int64 {
	out := map[[3]string]int64{}
	for _, ld := range all {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if lr.EventName() != convert.EventNameMonitor {
				return
			}
			body := lr.Body().Map().AsRaw()
			s := func(k string) string { v, _ := body[k].(string); return v }
			out[[3]string{s("object"), s("action"), s("result")}]++
		})
	}
	return out
}

// lastSums returns the last emitted value of every data point of the sum metric name, by its attributes.
func lastSums(all []pmetric.Metrics, name string) map[[3]string]int64 {
	out := map[[3]string]int64{}
	for _, md := range all {
		rms := md.ResourceMetrics()
		for i := range rms.Len() {
			sms := rms.At(i).ScopeMetrics()
			for j := range sms.Len() {
				ms := sms.At(j).Metrics()
				for k := range ms.Len() {
					if ms.At(k).Name() != name {
						continue
					}
					dps := ms.At(k).Sum().DataPoints()
					for d := range dps.Len() {
						var key [3]string
						n := 0
						for _, v := range dps.At(d).Attributes().All() {
							key[n] = v.AsString()
							n++
						}
						out[key] = dps.At(d).IntValue()
					}
				}
			}
		}
	}
	return out
}

// One receiver in a logs and a metrics pipeline polls once: one token, one stream, and the metrics
// count exactly what the logs pipeline got.
func TestLogsAndMetricsPipelinesShareOnePoller(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	logs := new(consumertest.LogsSink)
	metrics := new(consumertest.MetricsSink)
	startPipelines(t, cfg, newFileStorageHost(t, t.TempDir()), logs, metrics)
	require.Eventually(t, func() bool { return logs.LogRecordCount() == 3000 }, waitFor, 5*time.Millisecond)
	want := eventCounts(logs.AllLogs())
	require.Eventually(t, func() bool {
		got := lastSums(metrics.AllMetrics(), "docusign.monitor.events")
		return assert.ObjectsAreEqual(want, got) // attributes in mdatagen's order: object, action, result
	}, waitFor, 5*time.Millisecond, "the metrics count what was delivered")
	st := srv.Stats()
	assert.Equal(t, 1, st.TokensIssued, "one token")
	waitPolls(t, srv, 1)
	assert.Equal(t, 3000, srv.Stats().MonitorEventsServed, "one poller: every event fetched once")
}

// With only a metrics pipeline the events are counted from what was fetched, and the checkpoint
// moves only once the metrics were consumed: a refused emission is counted again, never lost or doubled.
func TestMetricsOnlyPipelineCountsFetchedEventsAndGatesTheCheckpoint(t *testing.T) {
	srv := backlogServer(t, 2500)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 500
	host := newFileStorageHost(t, t.TempDir())
	metrics := &refusingMetrics{refuse: 2}
	comps := startPipelines(t, cfg, host, nil, metrics)
	require.Eventually(t, func() bool { return sumOf(metrics.last(), "docusign.monitor.events") == 2500 }, waitFor, 5*time.Millisecond)
	assert.GreaterOrEqual(t, metrics.refused(), 2)
	for _, c := range comps {
		require.NoError(t, c.Shutdown(context.Background()))
	}

	srv.AddMonitorEvents(100, time.Now(), time.Millisecond)
	again := &refusingMetrics{}
	startPipelines(t, cfg, host, nil, again)
	require.Eventually(t, func() bool { return sumOf(again.last(), "docusign.monitor.events") == 100 }, waitFor, 5*time.Millisecond,
		"after a restart only the new events: the checkpoint moved with the consumed metrics")
	waitPolls(t, srv, 2)
	assert.Equal(t, int64(100), sumOf(again.last(), "docusign.monitor.events"))
}

// Users, their changes and the lag are reported; no attribute carries an id, email or address.
func TestMetricsOfUsersAndLag(t *testing.T) {
	srv := identityServer(t, 25, 200, 0)
	cfg := identityConfig(srv)
	cfg.Users.PollInterval = 50 * time.Millisecond
	logs := new(consumertest.LogsSink)
	metrics := new(consumertest.MetricsSink)
	startPipelines(t, cfg, newFileStorageHost(t, t.TempDir()), logs, metrics)
	require.Eventually(t, func() bool { return logs.LogRecordCount() >= 225 }, waitFor, 5*time.Millisecond)
	ids := srv.UserIDs()
	before := map[string]float64{}
	require.Eventually(t, func() bool {
		before = lastGauges(metrics.AllMetrics(), "docusign.users")
		return before["active"]+before["created"]+before["closed"] == 25
	}, waitFor, 5*time.Millisecond, "every user counted by status")
	var active string
	for _, u := range userRecords(logs.AllLogs()) {
		if u.attrs[convert.AttrDocuSignUserStatus] == "active" {
			active = u.id
		}
	}
	require.NotEmpty(t, active)
	require.NoError(t, srv.ModifyUser(active, func(u map[string]any) { u["user_status"] = "closed" }))
	require.Eventually(t, func() bool {
		return lastSums(metrics.AllMetrics(), "docusign.users.changes")[[3]string{"UPDATE", ""}] == 1
	}, waitFor, 5*time.Millisecond)
	assert.Equal(t, int64(25), lastSums(metrics.AllMetrics(), "docusign.users.changes")[[3]string{"CREATE", ""}])
	require.Eventually(t, func() bool {
		g := lastGauges(metrics.AllMetrics(), "docusign.users")
		return g["closed"] == before["closed"]+1 && g["active"] == before["active"]-1
	}, waitFor, 5*time.Millisecond)
	lag := lastGauges(metrics.AllMetrics(), "docusign.monitor.lag")
	require.Contains(t, lag, "")
	assert.Zero(t, lag[""], "caught up: no lag")

	for _, md := range metrics.AllMetrics() {
		rms := md.ResourceMetrics()
		for i := range rms.Len() {
			assert.Equal(t, srv.OrganizationID(), rms.At(i).Resource().Attributes().AsRaw()["docusign.organization.id"])
			sms := rms.At(i).ScopeMetrics()
			for j := range sms.Len() {
				for _, m := range sms.At(j).Metrics().All() {
					forEachPointAttr(m, func(v string) {
						assert.NotContains(t, v, "@", "no email in %s", m.Name())
						for _, id := range ids {
							assert.NotEqual(t, id, v, "no user id in %s", m.Name())
						}
					})
				}
			}
		}
	}
}

func lastGauges(all []pmetric.Metrics, name string) map[string]float64 {
	out := map[string]float64{}
	for _, md := range all {
		rms := md.ResourceMetrics()
		for i := range rms.Len() {
			sms := rms.At(i).ScopeMetrics()
			for j := range sms.Len() {
				for _, m := range sms.At(j).Metrics().All() {
					if m.Name() != name {
						continue
					}
					latest := map[string]float64{}
					for _, dp := range m.Gauge().DataPoints().All() {
						key := ""
						for _, v := range dp.Attributes().All() {
							key = v.AsString()
						}
						if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
							latest[key] = float64(dp.IntValue())
						} else {
							latest[key] = dp.DoubleValue()
						}
					}
					out = latest // each emission carries every value
				}
			}
		}
	}
	return out
}

func forEachPointAttr(m pmetric.Metric, fn func(string)) {
	dps := pmetric.NewNumberDataPointSlice()
	switch m.Type() {
	case pmetric.MetricTypeSum:
		dps = m.Sum().DataPoints()
	case pmetric.MetricTypeGauge:
		dps = m.Gauge().DataPoints()
	}
	for _, dp := range dps.All() {
		for _, v := range dp.Attributes().All() {
			fn(v.AsString())
		}
	}
}

func sumOf(md pmetric.Metrics, name string) int64 {
	var total int64
	for _, v := range lastSums([]pmetric.Metrics{md}, name) {
		total += v
	}
	return total
}

// refusingMetrics refuses its first refuse emissions, then keeps the last one it accepted.
type refusingMetrics struct {
	mu       sync.Mutex
	refuse   int
	refusals int
	latest   pmetric.Metrics
	any      bool
}

func (r *refusingMetrics) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (r *refusingMetrics) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refusals < r.refuse {
		r.refusals++
		return errors.New("metrics pipeline full")
	}
	r.latest = pmetric.NewMetrics()
	md.CopyTo(r.latest)
	r.any = true
	return nil
}

func (r *refusingMetrics) last() pmetric.Metrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.any {
		return pmetric.NewMetrics()
	}
	return r.latest
}

func (r *refusingMetrics) refused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.refusals
}

var _ receiver.Metrics = (*handle)(nil)

// With only a metrics pipeline the receiver's operations are metrics points, never log records.
func TestMetricsOnlyObsReportCountsMetricPoints(t *testing.T) {
	srv := backlogServer(t, 500)
	cfg := backlogConfig(srv)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	metrics := new(consumertest.MetricsSink)
	rcv, err := NewFactory().CreateMetrics(context.Background(), metadatatest.NewSettings(tt), cfg, metrics)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), newFileStorageHost(t, t.TempDir())))
	require.Eventually(t, func() bool { return sumOf(lastMetrics(metrics), "docusign.monitor.events") == 500 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	_, err = tt.GetMetric("otelcol_receiver_accepted_log_records")
	assert.Error(t, err, "no log records were accepted: there is no logs pipeline")
	points, err := tt.GetMetric("otelcol_receiver_accepted_metric_points")
	require.NoError(t, err)
	var total int64
	for _, dp := range points.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	assert.Positive(t, total)
}

func lastMetrics(sink *consumertest.MetricsSink) pmetric.Metrics {
	all := sink.AllMetrics()
	if len(all) == 0 {
		return pmetric.NewMetrics()
	}
	return all[len(all)-1]
}
