// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadatatest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fakeClock never waits: Sleep records the wait and returns at once, unless ctx ended.
type fakeClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC) }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) bool {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err() == nil
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// statusHost records the status events a component reports.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []*componentstatus.Event
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	h.events = append(h.events, ev)
	h.mu.Unlock()
}

func (h *statusHost) last() componentstatus.Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.events[len(h.events)-1].Status()
}

// testEnv is an Env whose records go to next, with telemetry the test reads in tt.
func testEnv(t *testing.T, next consumer.Logs, clock Clock, host component.Host) (Env, *componenttest.Telemetry, *observer.ObservedLogs) {
	t.Helper()
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	set := metadatatest.NewSettings(tt)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: set.ID, Transport: "https", ReceiverCreateSettings: set})
	require.NoError(t, err)
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	require.NoError(t, err)
	t.Cleanup(tb.Shutdown)
	core, logs := observer.New(zap.DebugLevel)
	return Env{
		Store: checkpoint.NewStore(nil), Next: next, Obs: obs, Telemetry: tb, Health: NewHealth(host),
		Logger: zap.New(core), Clock: clock,
		NewBatch: func() (plog.Logs, plog.LogRecordSlice) {
			logs := plog.NewLogs()
			return logs, logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		},
	}, tt, logs
}

func batchOf(n int) plog.Logs {
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range n {
		records.AppendEmpty().Body().SetStr("event")
	}
	return logs
}

// refusingConsumer refuses its first refusals calls with a retryable error.
type refusingConsumer struct {
	consumertest.LogsSink
	refusals int
	calls    atomic.Int64
	err      error
}

func (r *refusingConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if n := r.calls.Add(1); n <= int64(r.refusals) {
		if r.err != nil {
			return r.err
		}
		return errors.New("exporter queue full")
	}
	return r.LogsSink.ConsumeLogs(ctx, ld)
}

// Issue 12: the receiver's accepted/refused counts see a batch once, with its final outcome, however
// many attempts it took (they counted refused records again on every retry).
func TestDeliverCountsABatchOnceWithItsOutcome(t *testing.T) {
	next := &refusingConsumer{refusals: 2}
	env, tt, _ := testEnv(t, next, &fakeClock{}, nil)
	d := env.Deps("monitor", time.Minute).Deliver
	require.NoError(t, d.Deliver(context.Background(), Batch{Logs: batchOf(5)}))
	assert.Equal(t, int64(3), next.calls.Load(), "two refusals, then accepted")

	accepted, err := tt.GetMetric("otelcol_receiver_accepted_log_records")
	require.NoError(t, err)
	assert.Equal(t, int64(5), sumOf(t, accepted), "accepted once")
	refused, err := tt.GetMetric("otelcol_receiver_refused_log_records")
	require.NoError(t, err)
	assert.Zero(t, sumOf(t, refused), "the refusals before the acceptance are not counted")
}

func sumOf(t *testing.T, m metricdata.Metrics) int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%T", m.Data)
	var n int64
	for _, dp := range sum.DataPoints {
		n += dp.Value
	}
	return n
}

// A retry sends what Rebuild gives: the pipeline may have changed the batch it refused.
func TestDeliverRetriesWithARebuiltBatch(t *testing.T) {
	next := &refusingConsumer{refusals: 1}
	env, _, _ := testEnv(t, next, &fakeClock{}, nil)
	d := env.Deps("monitor", time.Minute).Deliver
	rebuilt := 0
	retried := 0
	err := d.Deliver(context.Background(), Batch{
		Logs:        batchOf(2),
		Rebuild:     func() plog.Logs { rebuilt++; return batchOf(3) },
		BeforeRetry: func() { retried++ },
	})
	require.NoError(t, err)
	assert.Equal(t, 1, rebuilt)
	assert.Equal(t, 1, retried)
	assert.Equal(t, 3, next.LogRecordCount(), "the rebuilt batch was delivered")
}

// A permanent rejection is counted as dropped, logged once and reported as delivered (the
// checkpoint moves on: the data can never be accepted).
func TestDeliverSkipsAPermanentRejection(t *testing.T) {
	next := &refusingConsumer{refusals: 1, err: consumererror.NewPermanent(errors.New("record too large"))}
	env, tt, logs := testEnv(t, next, &fakeClock{}, nil)
	d := env.Deps("monitor", time.Minute).Deliver
	require.NoError(t, d.Deliver(context.Background(), Batch{Logs: batchOf(4)}))
	assert.Equal(t, int64(1), next.calls.Load(), "not retried")
	assert.Equal(t, 1, logs.FilterMessage("Pipeline rejected records permanently; skipping them").Len())
	metadatatest.AssertEqualReceiverDocusignRecordsDropped(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("reason", "permanent_error"), attribute.String("source", "monitor")), Value: 4},
	}, metricdatatest.IgnoreTimestamp())
}

// The tap sees every attempt before the pipeline owns the batch, and hears of the acceptance once.
func TestTapSeesEveryAttemptAndTheAcceptance(t *testing.T) {
	next := &refusingConsumer{refusals: 1}
	env, _, _ := testEnv(t, next, &fakeClock{}, nil)
	var seen, accepted int
	env.Tap = func(source string, logs plog.Logs) func() {
		assert.Equal(t, "users", source)
		seen += logs.LogRecordCount()
		return func() { accepted++ }
	}
	d := env.Deps("users", time.Minute).Deliver
	require.NoError(t, d.Deliver(context.Background(), Batch{Logs: batchOf(2)}))
	assert.Equal(t, 4, seen, "two attempts")
	assert.Equal(t, 1, accepted)
}

// scriptedSource plays back poll outcomes and counts its loads.
type scriptedSource struct {
	loads atomic.Int64
	polls atomic.Int64
	poll  func(n int64) (Result, error)
	done  chan struct{} // closed after the last scripted poll
}

func (s *scriptedSource) Name() string            { return "monitor" }
func (s *scriptedSource) Interval() time.Duration { return time.Minute }
func (s *scriptedSource) Probe(context.Context) error {
	return nil
}

func (s *scriptedSource) Load(context.Context) error {
	s.loads.Add(1)
	return nil
}

func (s *scriptedSource) Poll(context.Context) (Result, error) { return s.poll(s.polls.Add(1)) }

// runUntil runs s until it closes done, and returns the waits Run made.
func runUntil(t *testing.T, s *scriptedSource, deps Deps, clock *fakeClock) []time.Duration {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	finished := make(chan struct{})
	go func() { defer close(finished); Run(ctx, s, deps) }()
	<-s.done
	cancel()
	<-finished
	return clock.slept()
}

// Issue 11 defect 1: a panic in a poll is recovered, counted, logged with its stack at debug, and the
// source loads its checkpoint again before the next poll.
func TestRunRecoversAPanicAndReloads(t *testing.T) {
	clock := &fakeClock{}
	host := &statusHost{}
	env, tt, logs := testEnv(t, consumertest.NewNop(), clock, host)
	s := &scriptedSource{done: make(chan struct{})}
	s.poll = func(n int64) (Result, error) {
		switch n {
		case 1:
			panic("integer divide by zero")
		case 3:
			close(s.done)
		}
		return Result{}, nil
	}
	runUntil(t, s, env.Deps("monitor", time.Minute), clock)
	assert.Equal(t, int64(2), s.loads.Load(), "loaded at start and again after the panic")
	assert.Equal(t, 1, logs.FilterMessageSnippet("Internal error in the source").Len())
	assert.Equal(t, 1, logs.FilterMessage("Internal error stack").FilterLevelExact(zap.DebugLevel).Len())
	metadatatest.AssertEqualReceiverDocusignPanics(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("source", "monitor")), Value: 1},
	}, metricdatatest.IgnoreTimestamp())
	host.mu.Lock()
	defer host.mu.Unlock()
	require.NotEmpty(t, host.events)
	assert.Equal(t, componentstatus.StatusRecoverableError, host.events[0].Status())
	assert.ErrorContains(t, host.events[0].Err(), "recovered panic")
}

// After a failure the waits grow; a poll that delivered something before failing starts them afresh;
// a poll that says there is more is followed at once.
func TestRunBackoffGrowsAndRestartsAfterProgress(t *testing.T) {
	clock := &fakeClock{}
	env, _, _ := testEnv(t, consumertest.NewNop(), clock, nil)
	s := &scriptedSource{done: make(chan struct{})}
	fail := errors.New("HTTP 503")
	s.poll = func(n int64) (Result, error) {
		switch n {
		case 1, 2, 3:
			return Result{}, fail
		case 4:
			return Result{Progressed: true}, fail
		case 5:
			return Result{More: true}, nil
		}
		close(s.done)
		return Result{}, nil
	}
	waits := runUntil(t, s, env.Deps("monitor", time.Minute), clock)
	require.GreaterOrEqual(t, len(waits), 5)
	assert.Less(t, waits[0], waits[2], "the backoff grows: %v", waits[:3])
	assert.LessOrEqual(t, waits[3], time.Second, "after progress: the first step again")
	assert.Zero(t, waits[4], "more: the next poll at once")
}

// Issue 11 defect 7: a Retry-After DocuSign sent, on an API call or the token endpoint, governs the next wait.
func TestBackoffHonoursRetryAfterOfAPIAndTokenErrors(t *testing.T) {
	for name, err := range map[string]error{
		"api":   fmt.Errorf("poll: %w", &api.Error{Op: "monitor stream", StatusCode: http.StatusTooManyRequests, RetryAfter: 40 * time.Second}),
		"token": fmt.Errorf("token: %w", &auth.Error{StatusCode: http.StatusTooManyRequests, RetryAfter: 40 * time.Second}),
	} {
		b := newBackoff(30 * time.Second)
		assert.Equal(t, 40*time.Second, b.next(err), name)
	}
	b := newBackoff(30 * time.Second)
	assert.LessOrEqual(t, b.next(errors.New("reset")), time.Second, "without Retry-After: the backoff's own wait")
}

// Health stays an error while any part of any source fails, and returns to OK once all succeed.
func TestHealthStaysErrorWhileAnyPartFails(t *testing.T) {
	host := &statusHost{}
	h := NewHealth(host)
	h.Report("monitor", errors.New("HTTP 503"))
	assert.Equal(t, componentstatus.StatusRecoverableError, host.last())
	h.Report("users checkpoint", errors.New("disk full"))
	n := len(host.events)
	h.Report("monitor", nil)
	assert.Len(t, host.events, n, "monitor succeeding does not hide the users checkpoint's failure")
	h.Report("users checkpoint", nil)
	assert.Equal(t, componentstatus.StatusOK, host.last())
}
