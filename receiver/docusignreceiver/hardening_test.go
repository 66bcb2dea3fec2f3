// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/goleak"
	"go.uber.org/zap/zapcore"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"
)

// Tests of issue 11's receiver-level defects: each names the defect it pins.

// panickingConsumer panics on its panicOn-th call (1-based), once, and records what it accepted.
type panickingConsumer struct {
	consumertest.LogsSink
	calls   atomic.Int64
	panicOn int64
}

func (p *panickingConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if p.calls.Add(1) == p.panicOn {
		panic("downstream bug")
	}
	return p.LogsSink.ConsumeLogs(ctx, ld)
}

// Defect 1: no source goroutine may take the process down; the source restarts from its checkpoint.
func TestPanicInASourceRestartsItFromTheCheckpoint(t *testing.T) {
	srv := backlogServer(t, 3000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	host := newFileStorageHost(t, t.TempDir())
	logger, logs := observedLogger()
	sink := &panickingConsumer{panicOn: 2}
	startReceiver(t, cfg, host, sink, logger)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 3000 }, waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "the page behind the panic is delivered after the restart, once")
	require.Len(t, logs.FilterMessageSnippet("Internal error in the source").All(), 1)
	stacks := logs.FilterMessage("Internal error stack").All()
	require.Len(t, stacks, 1, "the stack, at debug")
	assert.Equal(t, zapcore.DebugLevel, stacks[0].Level)
	assert.True(t, sawStatus(host, componentstatus.StatusRecoverableError, "recovered panic"))
}

// sawStatus reports whether host received a status event of kind st whose error mentions text.
func sawStatus(host *testHost, st componentstatus.Status, text string) bool {
	host.mu.Lock()
	defer host.mu.Unlock()
	for _, ev := range host.statuses {
		if ev.Status() == st && (text == "" || (ev.Err() != nil && strings.Contains(ev.Err().Error(), text))) {
			return true
		}
	}
	return false
}

// waitPollDone waits until a poll reported its success: with a long poll_interval nothing more happens.
func waitPollDone(t *testing.T, host *testHost) {
	t.Helper()
	require.Eventually(t, func() bool { return lastStatus(host) == componentstatus.StatusOK }, waitFor, 5*time.Millisecond, "a poll done")
}

// lastStatus is the newest status event host received.
func lastStatus(host *testHost) componentstatus.Status {
	host.mu.Lock()
	defer host.mu.Unlock()
	if len(host.statuses) == 0 {
		return componentstatus.StatusNone
	}
	return host.statuses[len(host.statuses)-1].Status()
}

// rewritingConsumer is a processor that changes records in place, then refuses the first batch.
type rewritingConsumer struct {
	consumertest.LogsSink
	calls atomic.Int64
}

func (r *rewritingConsumer) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

func (r *rewritingConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	forEachRecord(ld, func(lr plog.LogRecord) {
		n := int64(0)
		if v, ok := lr.Attributes().Get("test.processed"); ok {
			n = v.Int()
		}
		lr.Attributes().PutInt("test.processed", n+1)
	})
	if r.calls.Add(1) == 1 {
		return errors.New("exporter queue full")
	}
	return r.LogsSink.ConsumeLogs(ctx, ld)
}

// Defect 2: a retry carries records the pipeline has not touched yet.
func TestRetrySendsAFreshBatch(t *testing.T) {
	for _, source := range []string{sources.MonitorName, sources.UsersName} {
		t.Run(source, func(t *testing.T) {
			srv := backlogServer(t, 500)
			cfg := backlogConfig(srv)
			if source == sources.UsersName {
				srv.AddUsers(100)
				cfg = usersConfig(srv)
			}
			sink := &rewritingConsumer{}
			startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
			want := 500
			if source == sources.UsersName {
				want = 100
			}
			require.Eventually(t, func() bool { return sink.LogRecordCount() >= want }, waitFor, 5*time.Millisecond)
			for _, ld := range sink.AllLogs() {
				forEachRecord(ld, func(lr plog.LogRecord) {
					v, _ := lr.Attributes().Get("test.processed")
					require.Equal(t, int64(1), v.Int(), "processed once, not once per attempt")
				})
			}
		})
	}
}

// faultyStorageExt wraps the host's storage so a test can make reads or writes fail.
type faultyStorageExt struct {
	storage.Extension
	failGets  atomic.Int64 // the next n Gets fail
	failSets  atomic.Bool  // every Set and Batch fails while set
	gets      atomic.Int64
	blockSet  chan struct{} // when non-nil, a Set waits for it to close
	setActive atomic.Int64
	closedMid atomic.Bool // Close ran while a Set was in flight
}

func faultyStorage(host *testHost) *faultyStorageExt {
	ext := &faultyStorageExt{Extension: host.extensions[testStorageID].(storage.Extension)}
	host.extensions[testStorageID] = ext
	return ext
}

func (e *faultyStorageExt) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	c, err := e.Extension.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return &faultyClient{Client: c, ext: e}, nil
}

type faultyClient struct {
	storage.Client
	ext *faultyStorageExt
}

var errDiskGone = errors.New("input/output error")

func (c *faultyClient) Get(ctx context.Context, key string) ([]byte, error) {
	c.ext.gets.Add(1)
	if c.ext.failGets.Add(-1) >= 0 {
		return nil, errDiskGone
	}
	return c.Client.Get(ctx, key)
}

func (c *faultyClient) Set(ctx context.Context, key string, value []byte) error {
	return c.write(func() error { return c.Client.Set(ctx, key, value) })
}

func (c *faultyClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	return c.write(func() error { return c.Client.Batch(ctx, ops...) })
}

// write runs a write as the test made the storage behave: counted while active, held, or failing.
func (c *faultyClient) write(fn func() error) error {
	c.ext.setActive.Add(1)
	defer c.ext.setActive.Add(-1)
	if c.ext.blockSet != nil {
		<-c.ext.blockSet
	}
	if c.ext.failSets.Load() {
		return errDiskGone
	}
	return fn()
}

func (c *faultyClient) Close(ctx context.Context) error {
	if c.ext.setActive.Load() > 0 {
		c.ext.closedMid.Store(true)
	}
	return c.Client.Close(ctx)
}

// Defect 5: a storage read error is retried (with status), not taken as "start 7 days back".
func TestUnreadableStorageIsRetriedNotReset(t *testing.T) {
	srv := backlogServer(t, 1000)
	cfg := backlogConfig(srv)
	dir := t.TempDir()
	first := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, newFileStorageHost(t, dir), first, nil)
	require.Eventually(t, func() bool { return first.LogRecordCount() == 1000 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	srv.AddMonitorEvents(500, time.Now().Add(-time.Minute), time.Millisecond)

	host := newFileStorageHost(t, dir)
	faulty := faultyStorage(host)
	faulty.failGets.Store(3)
	logger, logs := observedLogger()
	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, logger)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 500 }, waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs()[1000:], eventIDs(second.AllLogs()), "resumes where it was once storage answers")
	assert.Len(t, logs.FilterMessage("Poll failed; will retry").FilterFieldKey("error").All(), 3)
	assert.True(t, sawStatus(host, componentstatus.StatusRecoverableError, "cannot be read"))
}

// seedRaw stores value under key as a previous run (or a damaged disk) would have.
func seedRaw(t *testing.T, host *testHost, key string, value []byte) {
	t.Helper()
	seedStorage(t, host, storage.SetOperation(key, value))
}

// Defect 5: a stored JSON null is a damaged checkpoint: replay DocuSign's window, don't jump to now.
func TestStoredNullCheckpointReplaysTheRetentionWindow(t *testing.T) {
	srv := backlogServer(t, 300)
	cfg := backlogConfig(srv)
	cfg.Monitor.StartTime = time.Time{} // a first run would start now and deliver nothing
	host := newFileStorageHost(t, t.TempDir())
	seedRaw(t, host, monitorKey, []byte("null"))
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 300 }, waitFor, 5*time.Millisecond)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "every retained event")
	assert.Len(t, logs.FilterMessageSnippet("Monitor checkpoint is damaged").All(), 1, "said loudly")
}

// Defect 5: a checkpoint with an empty cursor resumes from its last event time.
func TestCheckpointWithoutCursorResumesFromItsLastEventTime(t *testing.T) {
	srv := backlogServer(t, 1000)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	at, ok := srv.MonitorEventTime(500)
	require.True(t, ok)
	ids := srv.MonitorEventIDs()
	seedMonitorV1(t, host, monitorPos{LastEventTime: at, LastEventID: ids[500], RecentIDs: ids[490:501]})
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 499 }, waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, ids[501:], eventIDs(sink.AllLogs()), "from the event after the last one consumed")
}

// scriptedStream is a Monitor stream whose pages a test writes as a function of the cursor.
type scriptedStream struct {
	page func(cursor string) string

	mu    sync.Mutex
	asked []string
}

func (s *scriptedStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	s.mu.Lock()
	s.asked = append(s.asked, cursor)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, s.page(cursor))
}

func (s *scriptedStream) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

// scriptedConfig points Monitor at stream (tokens still come from a fake DocuSign).
func scriptedConfig(t *testing.T, stream *scriptedStream) *Config {
	t.Helper()
	srv := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(srv.Close)
	api := httptest.NewServer(stream)
	t.Cleanup(api.Close)
	cfg := testConfig(srv)
	cfg.Monitor.Endpoint = api.URL
	return cfg
}

// scriptedEvent is Monitor event i, i seconds after base.
func scriptedEvent(base time.Time, i int) string {
	return fmt.Sprintf(`{"timestamp":%q,"eventId":"e%d","object":"Envelope","action":"Sent"}`,
		base.Add(time.Duration(i)*time.Second).UTC().Format(time.RFC3339Nano), i)
}

// Defect 5: an empty cursor is never saved; a page without endCursor falls back to an ISO cursor.
func TestNeverSavesAnEmptyCursor(t *testing.T) {
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	stream := &scriptedStream{page: func(cursor string) string {
		if cursor == "" { // DocuSign's default window: three events, and (wrongly) no endCursor
			return `{"data":[` + scriptedEvent(base, 0) + "," + scriptedEvent(base, 1) + "," + scriptedEvent(base, 2) + `]}`
		}
		return fmt.Sprintf(`{"endCursor":%q,"data":[]}`, cursor)
	}}
	cfg := scriptedConfig(t, stream)
	host := newFileStorageHost(t, t.TempDir())
	seedRaw(t, host, monitorKey, []byte(`{"cursor":`)) // damaged: restart from the window
	var saved []monitorPos
	var mu sync.Mutex
	wrapCheckpointStorage(t, host, func(cp monitorPos) {
		mu.Lock()
		saved = append(saved, cp)
		mu.Unlock()
	})
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)
	require.Eventually(t, func() bool { return len(stream.requests()) >= 3 }, waitFor, 5*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, saved)
	want := base.Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	for _, cp := range saved {
		assert.Equal(t, want, cp.Cursor, "the last event's time, never an empty cursor")
	}
	assert.Equal(t, want, stream.requests()[1], "the next poll asks from there")
	assert.Equal(t, 3, sink.LogRecordCount(), "and delivers nothing twice")
}

// Defect 12: failing checkpoint writes turn health to an error until a write succeeds again.
func TestCheckpointWriteFailureIsReportedUntilAWriteSucceeds(t *testing.T) {
	srv := backlogServer(t, 100)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	faulty := faultyStorage(host)
	faulty.failSets.Store(true)
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)
	require.Eventually(t, func() bool { return sawStatus(host, componentstatus.StatusRecoverableError, "checkpoint not saved") },
		waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 3) // several polls succeed meanwhile: health stays an error
	assert.Equal(t, componentstatus.StatusRecoverableError, lastStatus(host))

	faulty.failSets.Store(false)
	require.Eventually(t, func() bool { return lastStatus(host) == componentstatus.StatusOK }, waitFor, 5*time.Millisecond)
}

// Defect 13: a quiet week is not a retention gap: the last caught-up poll counts too.
func TestQuietWeekIsNotReportedAsLost(t *testing.T) {
	srv := backlogServer(t, 10)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	first := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, host, first, nil)
	require.Eventually(t, func() bool { return first.LogRecordCount() == 10 }, waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 2) // caught-up polls
	require.NoError(t, rcv.Shutdown(context.Background()))

	cp := readMonitorPos(t, host)
	cp.LastEventTime = time.Now().Add(-9 * 24 * time.Hour) // the last event arrived nine days ago
	seedJSON(t, host, monitorKey, cp)
	logger, logs := observedLogger()
	startReceiver(t, cfg, host, new(consumertest.LogsSink), logger)
	require.Eventually(t, func() bool { return logs.FilterMessage("Monitor resuming from checkpoint").Len() == 1 }, waitFor, 5*time.Millisecond)
	assert.Zero(t, logs.FilterMessageSnippet("events are lost").Len(), "caught up an instant ago: nothing lost")
}

// Defect 15: an endCursor cycle ends the poll instead of looping in it forever.
func TestMonitorCursorCycleEndsThePoll(t *testing.T) {
	base := time.Now().Add(-time.Hour)
	stream := &scriptedStream{page: func(cursor string) string {
		if cursor == "c1" {
			return `{"endCursor":"c0","data":[` + scriptedEvent(base, 1) + `]}`
		}
		return `{"endCursor":"c1","data":[` + scriptedEvent(base, 0) + `]}`
	}}
	cfg := scriptedConfig(t, stream)
	cfg.Monitor.PollInterval = time.Hour
	host := newFileStorageHost(t, t.TempDir())
	seedMonitorV1(t, host, monitorPos{Cursor: "c0"})
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("already read").Len() == 1 }, waitFor, 5*time.Millisecond)
	waitPollDone(t, host)
	assert.Equal(t, []string{"e0", "e1"}, eventIDs(sink.AllLogs()))
	assert.LessOrEqual(t, len(stream.requests()), 3, "one poll reads the cycle once")
}

// Defect 15: an empty page is caught up even when it names a new cursor.
func TestMonitorEmptyPageWithANewCursorIsCaughtUp(t *testing.T) {
	stream := &scriptedStream{page: func(cursor string) string {
		var i int
		_, _ = fmt.Sscanf(cursor, "c%d", &i)
		return fmt.Sprintf(`{"endCursor":"c%d","data":[]}`, i+1)
	}}
	cfg := scriptedConfig(t, stream)
	cfg.Monitor.PollInterval = time.Hour
	host := newFileStorageHost(t, t.TempDir())
	seedMonitorV1(t, host, monitorPos{Cursor: "c0"})
	var saved atomic.Value
	wrapCheckpointStorage(t, host, func(cp monitorPos) { saved.Store(cp.Cursor) })
	startReceiver(t, cfg, host, new(consumertest.LogsSink), nil)
	waitPollDone(t, host)
	// The pipeline may have asked for up to three pages ahead of the one being delivered; nothing more.
	assert.LessOrEqual(t, len(stream.requests()), 4, "one poll ends at the empty page")
	assert.Equal(t, "c1", saved.Load(), "the new cursor is kept")
}

// Defect 15: a stream that never says it is caught up is read in polls of maxPagesPerPoll pages,
// each handing over to the next at once.
func TestMonitorEndlessStreamIsCappedPerPoll(t *testing.T) {
	restore := source.MaxPagesPerPoll
	t.Cleanup(func() { source.MaxPagesPerPoll = restore }) // after the receiver's own cleanup
	source.MaxPagesPerPoll = 20
	base := time.Now().Add(-time.Hour)
	stream := &scriptedStream{page: func(cursor string) string {
		var i int
		_, _ = fmt.Sscanf(cursor, "c%d", &i)
		return fmt.Sprintf(`{"endCursor":"c%d","data":[%s]}`, i+1, scriptedEvent(base, i))
	}}
	cfg := scriptedConfig(t, stream)
	cfg.Monitor.PollInterval = time.Hour
	host := newFileStorageHost(t, t.TempDir())
	seedMonitorV1(t, host, monitorPos{Cursor: "c0"})
	logger, logs := observedLogger()
	startReceiver(t, cfg, host, new(consumertest.LogsSink), logger)
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("most pages one poll may").Len() >= 2 },
		waitFor, 5*time.Millisecond, "two polls capped, the second without waiting poll_interval")
}

// Defect 10: a page with events that names no new cursor is warned about once, not silently re-read.
func TestMonitorStalledCursorWarnsOnce(t *testing.T) {
	base := time.Now().Add(-time.Hour)
	stream := &scriptedStream{page: func(cursor string) string {
		return fmt.Sprintf(`{"endCursor":%q,"data":[%s,%s]}`, cursor, scriptedEvent(base, 0), scriptedEvent(base, 1))
	}}
	cfg := scriptedConfig(t, stream)
	host := newFileStorageHost(t, t.TempDir())
	seedMonitorV1(t, host, monitorPos{Cursor: "c0"})
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return len(stream.requests()) >= 5 }, waitFor, 5*time.Millisecond)
	assert.Equal(t, 1, logs.FilterMessageSnippet("names no new endCursor").Len(), "warned once, not every poll")
	assert.Equal(t, []string{"e0", "e1"}, eventIDs(sink.AllLogs()), "re-read pages are not delivered twice")
}

// Defect 17: a second Start is refused instead of orphaning the running pollers.
func TestSecondStartIsRefused(t *testing.T) {
	srv := backlogServer(t, 10)
	rcv := startReceiver(t, backlogConfig(srv), newFileStorageHost(t, t.TempDir()), new(consumertest.LogsSink), nil)
	require.ErrorContains(t, rcv.Start(context.Background(), newFileStorageHost(t, t.TempDir())), "already started")
}

// Defect 17: when Shutdown's deadline passes with a checkpoint write in flight, storage is not closed
// under it, and a poller that outlives Shutdown cannot write any more.
func TestShutdownPastItsDeadlineNeverClosesStorageUnderAWrite(t *testing.T) {
	srv := backlogServer(t, 10)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	faulty := faultyStorage(host)
	faulty.blockSet = make(chan struct{})
	rcv := startReceiver(t, cfg, host, new(consumertest.LogsSink), nil)
	require.Eventually(t, func() bool { return faulty.setActive.Load() == 1 }, waitFor, time.Millisecond, "a checkpoint write hangs")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	require.Error(t, rcv.Shutdown(ctx), "the deadline passed")
	assert.False(t, faulty.closedMid.Load(), "storage was not closed under the running write")
	close(faulty.blockSet)
	require.Eventually(t, func() bool { return faulty.setActive.Load() == 0 }, waitFor, time.Millisecond)
	assert.False(t, faulty.closedMid.Load())
}

// Defect 17: a damaged users checkpoint that names a huge number of deltas allocates nothing for it.
func TestDamagedDeltaCountAllocatesNothing(t *testing.T) {
	srv, _ := usersServer(t, 50)
	host := newFileStorageHost(t, t.TempDir())
	meta, err := json.Marshal(usersSyncState{Watermark: time.Now(), Deltas: 1_000_000}) // no full sync yet: list everyone
	require.NoError(t, err)
	seedStorage(t, host, storage.SetOperation(usersV1Key+".digests", []byte{1}), storage.SetOperation(usersV1Key, meta))
	faulty := faultyStorage(host)
	sink := new(consumertest.LogsSink)
	startReceiver(t, usersConfig(srv), host, sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 50 }, waitFor, 5*time.Millisecond)
	assert.Less(t, faulty.gets.Load(), int64(10), "reads stop at the first missing delta")
}

// sleepyConsumer takes d for every batch, like an exporter pushing through a slow backend.
type sleepyConsumer struct {
	consumertest.LogsSink
	d time.Duration
}

func (s *sleepyConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	time.Sleep(s.d)
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

// Defect 4: a pipeline slower than timeout leaves healthy polls healthy: the page opened ahead is not
// cut while it waits, nothing is fetched twice, nothing is lost.
func TestSlowPipelineKeepsPollsHealthy(t *testing.T) {
	srv := backlogServer(t, 1000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 200
	cfg.Monitor.PollInterval = time.Hour // one drain
	cfg.Timeout = 300 * time.Millisecond
	host := newFileStorageHost(t, t.TempDir())
	sink := &sleepyConsumer{d: 2 * cfg.Timeout}
	startReceiver(t, cfg, host, sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 1000 }, waitFor, 10*time.Millisecond)
	waitPollDone(t, host)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "all, once, in order")
	assert.Equal(t, 6, srv.Stats().MonitorRequests, "five pages and the caught-up one, none twice")
	assert.False(t, sawStatus(host, componentstatus.StatusRecoverableError, ""), "health never flipped")
}

// receivertestSettings are the settings startReceiver uses: nop telemetry, so confighttp wraps its
// transport in otelhttp as it does in a collector.
func receivertestSettings() receiver.Settings {
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	return set
}

// Defect 11: Shutdown closes every connection to DocuSign, also behind confighttp's wrappers, while
// the server would keep them open.
func TestShutdownClosesConnectionsTheServerKeepsOpen(t *testing.T) {
	srv := backlogServer(t, 100)
	srv.AddUsers(10)
	cfg := backlogConfig(srv)
	cfg.Users.Enabled = true
	before := goleak.IgnoreCurrent() // the server's own goroutines
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), receivertestSettings(), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), newFileStorageHost(t, t.TempDir())))
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 110 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	goleak.VerifyNone(t, before)
}

// Defect 8: error pages that echo our request headers never put a credential into logs or status.
func TestEchoedCredentialsNeverReachLogsOrStatus(t *testing.T) {
	srv := backlogServer(t, 300)
	for _, kind := range []docusigntest.Hostile{docusigntest.HostileEchoHTML403, docusigntest.HostileEchoHTML502,
		docusigntest.HostileEchoJSON500, docusigntest.HostileEchoHTML200} {
		srv.ArmHostileAt("/api/", kind, 1)
	}
	srv.ArmHostileAt("/oauth/token", docusigntest.HostileTokenEchoAssertion, 1)
	cfg := backlogConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 300 }, time.Minute, 10*time.Millisecond)

	text := renderLogs(logs)
	host.mu.Lock()
	for _, ev := range host.statuses {
		if ev.Err() != nil {
			text += ev.Err().Error() + "\n"
		}
	}
	host.mu.Unlock()
	require.Contains(t, text, "Authorization", "the echoes were seen and quoted")
	for _, m := range regexp.MustCompile(`(?i)bearer\s+(\S+)`).FindAllStringSubmatch(text, -1) {
		assert.Equal(t, "[redacted]", strings.Trim(m[1], `"',;`), "a bearer token in %q", m[0])
	}
	assert.NotContains(t, text, "eyJ", "no JWT")
}

// Defect 14: a page over the cap is asked for again with a smaller limit, not retried forever.
func TestOversizedPageIsAskedForAgainWithASmallerLimit(t *testing.T) {
	srv := backlogServer(t, 40)
	srv.ArmHostile(docusigntest.HostileOversizedPage, 3) // the next three pages come padded past 32 MiB (a prefetch may take one)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 8
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 40 }, time.Minute, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "all, once, in order")
	shrunk := logs.FilterMessageSnippet("asking again with a smaller limit").All()
	require.GreaterOrEqual(t, len(shrunk), 2)
	assert.Equal(t, int64(4), shrunk[0].ContextMap()["limit"], "halved")
	assert.Equal(t, int64(2), shrunk[1].ContextMap()["limit"], "and halved again")
}

// Defect 14: one event over the cap is skipped, named in an error log and counted; the rest goes on,
// whether its endCursor comes before or after the data.
func TestOversizedSingleEventIsSkippedWithItsPosition(t *testing.T) {
	srv := backlogServer(t, 10)
	require.NoError(t, srv.AppendHostileMonitorEvents(docusigntest.HostileEventOversized, 1))
	srv.AddMonitorEvents(10, time.Now(), time.Millisecond)
	require.NoError(t, srv.AppendHostileMonitorEvents(docusigntest.HostileEventOversizedCursorLast, 1))
	srv.AddMonitorEvents(10, time.Now(), time.Millisecond)
	all := srv.MonitorEventIDs()
	require.Len(t, all, 32)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 4
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 30 }, time.Minute, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	want := append(append(append([]string{}, all[:10]...), all[11:21]...), all[22:]...)
	assertSameIDs(t, want, eventIDs(sink.AllLogs()), "everything but the two giants, in order")
	skipped := logs.FilterMessageSnippet("larger than the page cap skipped").All()
	require.Len(t, skipped, 2)
	assert.Equal(t, all[10], skipped[0].ContextMap()["event_id"], "named by its eventId")
	assert.Equal(t, all[21], skipped[1].ContextMap()["event_id"])
}

// Defects 9 and 10: hostile records in the stream — impossible coordinates, nesting deeper than 512
// levels, bracket-balanced garbage — are each delivered flagged with their body; nothing else stops.
func TestHostileRecordsAreDeliveredFlagged(t *testing.T) {
	srv := backlogServer(t, 20)
	for _, kind := range []docusigntest.Hostile{docusigntest.HostileEventBadCoordinates, docusigntest.HostileEventDeepNesting,
		docusigntest.HostileEventMalformed} {
		require.NoError(t, srv.AppendHostileMonitorEvents(kind, 4))
	}
	srv.AddMonitorEvents(20, time.Now(), time.Millisecond)
	cfg := backlogConfig(srv)
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 52 }, waitFor, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	require.Equal(t, 52, sink.LogRecordCount(), "every record once")
	flagged := 0
	for _, ld := range sink.AllLogs() {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if _, ok := lr.Attributes().Get("docusign.conversion.error"); ok {
				flagged++
				assert.NotEqual(t, pcommon.ValueTypeEmpty, lr.Body().Type(), "the body is kept")
			}
			for _, key := range []string{"geo.location.lat", "geo.location.lon", "xdm.source.location.latitude", "xdm.source.location.longitude"} {
				if v, ok := lr.Attributes().Get(key); ok {
					f := v.Double()
					assert.False(t, math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 180, "%s = %v", key, f)
				}
			}
		})
	}
	assert.Equal(t, 12, flagged, "the twelve hostile records, flagged")
}

// Intermittent faults during a drain: a poll that delivered pages before failing retries after the
// backoff's first step, not after a wait that grows with every fault of a long backlog.
func TestProgressBeforeAFailureRestartsTheBackoff(t *testing.T) {
	base := time.Now().Add(-time.Hour)
	var requests atomic.Int64
	stream := &scriptedStream{page: func(cursor string) string {
		var i int
		_, _ = fmt.Sscanf(cursor, "c%d", &i)
		if i >= 12 {
			return fmt.Sprintf(`{"endCursor":%q,"data":[]}`, cursor)
		}
		return fmt.Sprintf(`{"endCursor":"c%d","data":[%s]}`, i+1, scriptedEvent(base, i))
	}}
	faulty := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1)%3 == 0 { // every third request fails
			http.Error(w, `{"errorCode":"SERVICE_UNAVAILABLE"}`, http.StatusServiceUnavailable)
			return
		}
		stream.ServeHTTP(w, r)
	})
	cfg := scriptedConfig(t, &scriptedStream{})
	api := httptest.NewServer(faulty)
	t.Cleanup(api.Close)
	cfg.Monitor.Endpoint = api.URL
	host := newFileStorageHost(t, t.TempDir())
	seedMonitorV1(t, host, monitorPos{Cursor: "c0"})
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 12 }, time.Minute, 10*time.Millisecond)
	failures := logs.FilterMessage("Poll failed; will retry").All()
	require.GreaterOrEqual(t, len(failures), 4)
	for _, f := range failures {
		assert.LessOrEqual(t, f.ContextMap()["retry_in"].(time.Duration), time.Second, "the first backoff step after progress")
	}
}
