// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadatatest"
)

// drainWithTelemetry runs one Monitor drain of srv into next until done, recording the receiver's telemetry in tt.
func drainWithTelemetry(t *testing.T, srv *docusigntest.Server, next *flakyConsumer, done func() bool) *componenttest.Telemetry {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	cfg.Monitor.PollInterval = time.Hour // one drain only
	rcv, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), newFileStorageHost(t, t.TempDir())))
	require.Eventually(t, done, 30*time.Second, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the client records a request just after the server counted it
	require.NoError(t, rcv.Shutdown(context.Background()))
	return tt
}

func TestTelemetryRequestsRecordsAndFetchRetries(t *testing.T) {
	srv := backlogServer(t, 3000)
	srv.FailNext("/api/v2.0/datasets/monitor/stream", 1, http.StatusServiceUnavailable)
	next := &flakyConsumer{}
	tt := drainWithTelemetry(t, srv, next, func() bool {
		return next.LogRecordCount() == 3000 && srv.Stats().MonitorRequests >= 4 // three pages and the caught-up request
	})

	monitor := attribute.NewSet(attribute.String("source", "monitor"))
	metadatatest.AssertEqualReceiverDocusignRecordsFetched(t, tt, []metricdata.DataPoint[int64]{{Attributes: monitor, Value: 3000}},
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverDocusignAPIRequests(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("operation", "monitor stream"), attribute.String("status_class", "5xx")), Value: 1},
		{Attributes: attribute.NewSet(attribute.String("operation", "monitor stream"), attribute.String("status_class", "2xx")), Value: 4},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverDocusignRetries(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("source", "monitor"), attribute.String("reason", "poll")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())

	remaining, err := tt.GetMetric("otelcol_receiver_docusign_rate_limit_remaining")
	require.NoError(t, err)
	points := remaining.Data.(metricdata.Gauge[int64]).DataPoints
	require.Len(t, points, 1)
	assert.InDelta(t, docusigntest.DefaultRateLimit-5, points[0].Value, 5, "DocuSign's budget as last reported")

	lag, err := tt.GetMetric("otelcol_receiver_docusign_checkpoint_lag")
	require.NoError(t, err)
	lagPoints := lag.Data.(metricdata.Gauge[float64]).DataPoints
	require.Len(t, lagPoints, 1)
	newest, ok := srv.MonitorEventTime(2999)
	require.True(t, ok)
	assert.InDelta(t, time.Since(newest).Seconds(), lagPoints[0].Value, 5, "now minus the newest consumed event")
}

func TestTelemetryConsumeRetriesAndDrops(t *testing.T) {
	srv := backlogServer(t, 3000)
	next := &flakyConsumer{failOn: map[int]error{
		2: errors.New("queue full"),
		4: consumererror.NewPermanent(errors.New("too large")),
	}}
	tt := drainWithTelemetry(t, srv, next, func() bool { return next.LogRecordCount() == 2000 && next.callCount() >= 4 })

	metadatatest.AssertEqualReceiverDocusignRetries(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("source", "monitor"), attribute.String("reason", "consume")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualReceiverDocusignRecordsDropped(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("source", "monitor"), attribute.String("reason", "permanent_error")), Value: 1000},
	}, metricdatatest.IgnoreTimestamp())
}
