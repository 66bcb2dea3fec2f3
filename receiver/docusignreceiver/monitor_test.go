// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
)

// backlogServer returns a fake DocuSign holding n events in the last hours.
func backlogServer(t *testing.T, n int) *docusigntest.Server {
	t.Helper()
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 42})
	t.Cleanup(srv.Close)
	srv.AddMonitorEvents(n, time.Now().Add(-5*time.Hour), 100*time.Millisecond)
	return srv
}

func backlogConfig(srv *docusigntest.Server) *Config {
	cfg := testConfig(srv)
	cfg.Monitor.StartTime = time.Now().Add(-6 * time.Hour)
	return cfg
}

// The 30,000-event drain through the built collector is the end-to-end test's; the 1,000,000-event one
// the benchmark's. This one pins the page and consume counts.
func TestMonitorDrainsBacklogCompleteInOrder(t *testing.T) {
	const total = 6000
	srv := backlogServer(t, total)
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, backlogConfig(srv), newFileStorageHost(t, t.TempDir()), sink, nil)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= total }, 60*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2) // nothing more may arrive
	require.NoError(t, rcv.Shutdown(context.Background()))

	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "every event once, in stream order")
	assert.Equal(t, 3, len(sink.AllLogs()), "one ConsumeLogs per 2,000-event page")
	assert.GreaterOrEqual(t, srv.Stats().MonitorRequests, 4, "3 pages plus the caught-up request")
}

// flakyConsumer fails every call in failOn (1-based) with a retryable error, records what it accepted.
type flakyConsumer struct {
	consumertest.LogsSink
	mu     sync.Mutex
	calls  int
	failOn map[int]error
}

func (f *flakyConsumer) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *flakyConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	f.mu.Lock()
	f.calls++
	err := f.failOn[f.calls]
	f.mu.Unlock()
	if err != nil {
		return err
	}
	return f.LogsSink.ConsumeLogs(ctx, ld)
}

func TestMonitorConsumeFailureLosesNothingAndCheckpointNeverAhead(t *testing.T) {
	const total = 10000
	srv := backlogServer(t, total)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	sink := &flakyConsumer{failOn: map[int]error{
		3: errors.New("exporter queue full"), 4: errors.New("exporter queue full"), 7: errors.New("backend down"),
	}}
	host := newFileStorageHost(t, t.TempDir())
	wrapCheckpointStorage(t, host, func(saved monitorPos) {
		// At every save the event it names must already be accepted by the pipeline.
		accepted := eventIDs(sink.AllLogs())
		require.NotEmpty(t, accepted)
		require.Equal(t, accepted[len(accepted)-1], saved.LastEventID, "checkpoint never ahead of consume")
	})
	startReceiver(t, cfg, host, sink, nil)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= total }, 60*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "nothing lost, nothing twice, in order")
}

// wrapCheckpointStorage makes every Monitor checkpoint write call check first.
func wrapCheckpointStorage(t *testing.T, host *testHost, check func(monitorPos)) {
	t.Helper()
	inner := host.extensions[testStorageID].(storage.Extension)
	host.extensions[testStorageID] = &wrappedStorageExt{Extension: inner, onSet: func(key string, value []byte) {
		if key != monitorKey {
			return
		}
		var cp monitorPos
		require.NoError(t, json.Unmarshal(value, &cp))
		check(cp)
	}}
}

type wrappedStorageExt struct {
	storage.Extension
	onSet func(key string, value []byte)
}

func (w *wrappedStorageExt) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	c, err := w.Extension.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return &recordingStorage{Client: c, onSet: w.onSet}, nil
}

func TestMonitorPermanentErrorIsCountedAndSkipped(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	sink := &flakyConsumer{failOn: map[int]error{2: consumererror.NewPermanent(errors.New("record too large"))}}
	logger, logs := observedLogger()
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 2000 && srv.Stats().MonitorRequests >= 4 }, 30*time.Second, 10*time.Millisecond)
	all := srv.MonitorEventIDs()
	want := append(append([]string{}, all[:1000]...), all[2000:]...)
	assertSameIDs(t, want, eventIDs(sink.AllLogs()), "the rejected page is skipped, the rest delivered")
	assert.Equal(t, 1, logs.FilterMessage("Pipeline rejected records permanently; skipping them").Len())
}

func TestMonitorRestartResumesAfterLastConsumedEvent(t *testing.T) {
	srv := backlogServer(t, 6000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	dir := t.TempDir()

	first := new(consumertest.LogsSink)
	host := newFileStorageHost(t, dir)
	rcv := startReceiver(t, cfg, host, first, nil)
	require.Eventually(t, func() bool { return first.LogRecordCount() == 6000 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	srv.AddMonitorEvents(1500, time.Now().Add(-time.Minute), time.Millisecond)
	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, nil)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 1500 }, 30*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	all := srv.MonitorEventIDs()
	assertSameIDs(t, all[6000:], eventIDs(second.AllLogs()), "the restarted receiver delivers exactly the new events")
}

func TestMonitorShutdownMidDrainIsPrompt(t *testing.T) {
	srv := backlogServer(t, 20000)
	srv.SetLatency(300 * time.Millisecond)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 500
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() > 0 }, 30*time.Second, 5*time.Millisecond)

	start := time.Now()
	require.NoError(t, rcv.Shutdown(context.Background()))
	assert.Less(t, time.Since(start), 500*time.Millisecond, "shutdown does not wait for the in-flight request")
	assert.Less(t, sink.LogRecordCount(), 20000, "stopped in the middle of the drain")
}

func TestMonitorRetentionGapIsReported(t *testing.T) {
	srv := backlogServer(t, 100)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	stale := time.Now().Add(-9 * 24 * time.Hour).UTC()
	seedMonitorV1(t, host, monitorPos{Cursor: stale.Format(time.RFC3339), LastEventTime: stale})

	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 100 }, 30*time.Second, 10*time.Millisecond,
		"continues with the oldest data available")
	gap := logs.FilterMessageSnippet("Monitor events are lost").All()
	require.Len(t, gap, 1)
	fields := gap[0].ContextMap()
	assert.Equal(t, stale.Format(time.RFC3339), fields["lost_from"].(time.Time).UTC().Format(time.RFC3339))
	assert.InDelta(t, 2*24*time.Hour, fields["lost"].(time.Duration), float64(time.Minute))
}

func TestMonitorDuplicateGuardDropsReplayedEvents(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	host := newFileStorageHost(t, t.TempDir())
	first := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, host, first, nil)
	require.Eventually(t, func() bool { return first.LogRecordCount() == 3000 }, 30*time.Second, 10*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	// Rewind the cursor as an API overlap would: the last 1,500 events are served again, and the
	// stored duplicate guard (the ids of the last pages) must recognise them after the restart.
	replayFrom, ok := srv.MonitorEventTime(1500)
	require.True(t, ok)
	pos := readMonitorPos(t, host)
	pos.Cursor = replayFrom.UTC().Format(time.RFC3339Nano)
	seedJSON(t, host, monitorKey, pos)
	srv.AddMonitorEvents(10, time.Now(), time.Millisecond)

	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, nil)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 10 }, 30*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs()[3000:], eventIDs(second.AllLogs()), "replayed events dropped, new ones delivered")
}

// TestMonitorMigratesTheV1Checkpoint: a checkpoint of the version before the source shape resumes
// where it was, its recent ids guarding against duplicates, and is rewritten in today's form.
func TestMonitorMigratesTheV1Checkpoint(t *testing.T) {
	srv := backlogServer(t, 2000)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	ids := srv.MonitorEventIDs()
	at, ok := srv.MonitorEventTime(1000)
	require.True(t, ok)
	// v1 as the earlier version wrote it: a cursor overlapping the events it consumed, and their ids.
	seedMonitorV1(t, host, monitorPos{Cursor: at.UTC().Format(time.RFC3339Nano), LastEventID: ids[1499], RecentIDs: ids[:1500]})
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 500 }, waitFor, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	require.NoError(t, rcv.Shutdown(context.Background()))

	assertSameIDs(t, ids[1500:], eventIDs(sink.AllLogs()), "neither a replay of 7 days nor a jump to now")
	require.Equal(t, 1, logs.FilterMessage("Monitor checkpoint migrated").Len())
	assert.Equal(t, ids[1999], readMonitorPos(t, host).LastEventID, "rewritten in today's form")
	withStorage(t, host, func(c storage.Client) {
		old, err := c.Get(context.Background(), monitorV1Key)
		require.NoError(t, err)
		assert.Nil(t, old, "the v1 key is retired")
	})
}

func TestMonitorOrganizationStream(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	cfg.Monitor.Stream = streamOrganization
	cfg.Monitor.PageSize = 1000
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 3000 }, 30*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "the resultData envelope pages like the lens stream")
}

// A cursor DocuSign refuses (400 INVALID_CURSOR) is not retried forever: Monitor goes on from the time
// the stream is known complete until, and the duplicate guard drops the event at that time.
func TestMonitorRefusedCursorFallsBackToTime(t *testing.T) {
	srv := backlogServer(t, 1000)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	ids := srv.MonitorEventIDs()
	at, ok := srv.MonitorEventTime(499)
	require.True(t, ok)
	seedMonitorV1(t, host, monitorPos{Cursor: "aa_1_1_999999", LastEventTime: at, LastEventID: ids[499], RecentIDs: ids[499:500]})
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 500 }, waitFor, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, ids[500:], eventIDs(sink.AllLogs()), "from the last delivered event on, once")
	assert.Equal(t, 1, logs.FilterMessageSnippet("Monitor cursor refused by DocuSign").Len())
}
