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
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
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

func TestMonitorDrainsBacklogCompleteInOrder(t *testing.T) {
	const total = 50000
	srv := backlogServer(t, total)
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, backlogConfig(srv), newFileStorageHost(t, t.TempDir()), sink, nil)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= total }, 60*time.Second, 10*time.Millisecond)
	time.Sleep(200 * time.Millisecond) // a few more polls: nothing more may arrive
	require.NoError(t, rcv.Shutdown(context.Background()))

	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "every event once, in stream order")
	assert.Equal(t, 25, len(sink.AllLogs()), "one ConsumeLogs per 2,000-event page")
	assert.GreaterOrEqual(t, srv.Stats().MonitorRequests, 26, "25 pages plus the caught-up request")
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
	wrapCheckpointStorage(t, host, func(saved monitorCheckpoint) {
		// At every save the event it names must already be accepted by the pipeline.
		accepted := eventIDs(sink.AllLogs())
		require.NotEmpty(t, accepted)
		require.Equal(t, accepted[len(accepted)-1], saved.LastEventID, "checkpoint never ahead of consume")
	})
	startReceiver(t, cfg, host, sink, nil)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= total }, 60*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "nothing lost, nothing twice, in order")
}

// wrapCheckpointStorage makes every Monitor checkpoint write call check first.
func wrapCheckpointStorage(t *testing.T, host *testHost, check func(monitorCheckpoint)) {
	t.Helper()
	inner := host.extensions[testStorageID].(storage.Extension)
	host.extensions[testStorageID] = &wrappedStorageExt{Extension: inner, onSet: func(key string, value []byte) {
		if key != monitorCheckpointKey {
			return
		}
		var cp monitorCheckpoint
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
	time.Sleep(200 * time.Millisecond)
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
	seedCheckpoint(t, host, monitorCheckpoint{Cursor: stale.Format(time.RFC3339), LastEventTime: stale})

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

// seedCheckpoint writes a Monitor checkpoint as a previous run would have.
func seedCheckpoint(t *testing.T, host *testHost, cp monitorCheckpoint) {
	t.Helper()
	ext := host.extensions[testStorageID].(storage.Extension)
	client, err := ext.GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(t, err)
	require.NoError(t, checkpoint.NewLegacy[monitorCheckpoint](client, monitorCheckpointKey).Save(context.Background(), cp))
	require.NoError(t, client.Close(context.Background()))
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

	// Rewind the cursor as an API overlap would: the last 1,500 events are served again.
	ids := srv.MonitorEventIDs()
	replayFrom, ok := srv.MonitorEventTime(1500)
	require.True(t, ok)
	cp := loadCheckpoint(t, host)
	require.Len(t, cp.RecentIDs, 3000)
	cp.Cursor = replayFrom.UTC().Format(time.RFC3339Nano)
	seedCheckpoint(t, host, cp)
	srv.AddMonitorEvents(10, time.Now(), time.Millisecond)

	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, nil)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 10 }, 30*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assertSameIDs(t, srv.MonitorEventIDs()[3000:], eventIDs(second.AllLogs()), "replayed events dropped, new ones delivered")
	assert.Len(t, ids, 3000)
}

func loadCheckpoint(t *testing.T, host *testHost) monitorCheckpoint {
	t.Helper()
	ext := host.extensions[testStorageID].(storage.Extension)
	client, err := ext.GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(t, err)
	defer func() { require.NoError(t, client.Close(context.Background())) }()
	cp, found, err := checkpoint.NewLegacy[monitorCheckpoint](client, monitorCheckpointKey).Load(context.Background())
	require.NoError(t, err)
	require.True(t, found)
	return cp
}

// scriptedFetcher serves canned page bodies by cursor.
type scriptedFetcher struct {
	pages map[string]string
	mu    sync.Mutex
	asked []string
}

func (s *scriptedFetcher) fetch(_ context.Context, cursor string, _ int) (api.Response, error) {
	s.mu.Lock()
	s.asked = append(s.asked, cursor)
	s.mu.Unlock()
	body, ok := s.pages[cursor]
	if !ok {
		return api.Response{}, errors.New("unexpected cursor " + cursor)
	}
	return api.Response{Body: []byte(body), TraceToken: "trace-1"}, nil
}

func newTestMonitorPoller(t *testing.T, f streamFetcher, next *consumertest.LogsSink) *monitorPoller {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	r, err := newDocusignReceiver(receivertest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	t.Cleanup(r.tb.Shutdown)
	r.storage = storage.NewNopClient()
	p := newMonitorPoller(r, nil)
	p.fetcher = f
	p.logger = zap.NewNop()
	return p
}

func TestMonitorNeverAdoptsEmptyCursor(t *testing.T) {
	const event = `{"timestamp":"2026-10-02T14:05:11.4410027Z","eventId":"e1","object":"Envelope","action":"Sent"}`
	f := &scriptedFetcher{pages: map[string]string{
		"c0": `{"endCursor":"c1","data":[` + event + `]}`,
		"c1": `{"endCursor":null,"data":[]}`,
	}}
	sink := new(consumertest.LogsSink)
	p := newTestMonitorPoller(t, f, sink)
	p.state.Cursor = "c0"

	_, err := p.drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "c1", p.state.Cursor, "a null endCursor keeps the good cursor")
	assert.Equal(t, []string{"c0", "c1"}, f.asked)
	assert.Equal(t, 1, sink.LogRecordCount())

	f.asked = nil
	_, err = p.drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"c1"}, f.asked, "the next poll resumes from the kept cursor")
}

func TestMonitorBadPageKeepsCheckpoint(t *testing.T) {
	f := &scriptedFetcher{pages: map[string]string{"c0": `<html>gateway timeout</html>`}}
	sink := new(consumertest.LogsSink)
	p := newTestMonitorPoller(t, f, sink)
	p.state.Cursor = "c0"
	_, err := p.drain(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "trace token trace-1")
	assert.Contains(t, err.Error(), "gateway timeout", "quotes the first bytes")
	assert.Equal(t, "c0", p.state.Cursor)
	assert.Zero(t, sink.LogRecordCount())
}

func TestMonitorOrganizationStream(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	cfg.Monitor.Stream = streamOrganization
	cfg.Monitor.PageSize = 1000
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 3000 }, 30*time.Second, 10*time.Millisecond)
	time.Sleep(100 * time.Millisecond)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "the resultData envelope pages like the lens stream")
}
