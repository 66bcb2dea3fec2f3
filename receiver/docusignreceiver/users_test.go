// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

const waitFor = 15 * time.Second

// usersServer returns a fake DocuSign with n users, last modified three days ago, whose clock can be
// moved with shift.
func usersServer(t *testing.T, n int) (*docusigntest.Server, *atomic.Int64) {
	return usersServerAged(t, n, 72*time.Hour)
}

// usersServerAged is usersServer with users last modified age ago.
func usersServerAged(t *testing.T, n int, age time.Duration) (*docusigntest.Server, *atomic.Int64) {
	t.Helper()
	var shift atomic.Int64
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 7, Now: func() time.Time {
		return time.Now().Add(time.Duration(shift.Load()))
	}})
	t.Cleanup(srv.Close)
	shift.Store(int64(-age))
	srv.AddUsers(n)
	shift.Store(0)
	return srv, &shift
}

func usersConfig(srv *docusigntest.Server) *Config {
	cfg := testConfig(srv)
	cfg.Monitor.Enabled = false
	cfg.Users.Enabled = true
	cfg.Users.PollInterval = 50 * time.Millisecond
	cfg.Users.PageSize = 250
	return cfg
}

// userRecord is what a test reads back from one emitted users record.
type userRecord struct {
	id, op string
	attrs  map[string]any
}

func userRecords(all []plog.Logs) []userRecord {
	var out []userRecord
	for _, ld := range all {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if lr.EventName() != convert.EventNameAdminUser {
				return
			}
			attrs := lr.Attributes().AsRaw()
			id, _ := attrs[convert.AttrXDMTargetUserIdentifier].(string)
			op, _ := attrs[convert.AttrXDMEventOperation].(string)
			out = append(out, userRecord{id: id, op: op, attrs: attrs})
		})
	}
	return out
}

func opsByID(recs []userRecord) map[string][]string {
	m := map[string][]string{}
	for _, r := range recs {
		m[r.id] = append(m[r.id], r.op)
	}
	return m
}

// storageWatch sees every write of the receiver's storage client: which keys were written and the
// users state after each completed sync (a write that moves the watermark).
type storageWatch struct {
	mu    sync.Mutex
	keys  map[string]int
	syncs []usersSyncState
}

func (w *storageWatch) completed() []usersSyncState {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.syncs)
}

func (w *storageWatch) written(key string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.keys[key]
}

// waitSyncs waits until n more users syncs completed than had when called.
func (w *storageWatch) waitSyncs(t *testing.T, n int) []usersSyncState {
	t.Helper()
	from := len(w.completed())
	require.Eventually(t, func() bool { return len(w.completed()) >= from+n }, waitFor, 5*time.Millisecond)
	return w.completed()
}

func (w *storageWatch) saw(t *testing.T, ops []*storage.Operation) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, op := range ops {
		if op.Type != storage.Set {
			continue
		}
		w.keys[op.Key]++
		if op.Key != usersKey {
			continue
		}
		var st usersSyncState
		assert.NoError(t, json.Unmarshal(op.Value, &st))
		if n := len(w.syncs); !st.Watermark.IsZero() && (n == 0 || !w.syncs[n-1].Watermark.Equal(st.Watermark)) {
			w.syncs = append(w.syncs, st)
		}
	}
}

// watchStorage puts a storageWatch in front of the host's storage extension.
func watchStorage(t *testing.T, host *testHost) *storageWatch {
	t.Helper()
	w := &storageWatch{keys: map[string]int{}}
	inner := host.extensions[testStorageID].(storage.Extension)
	host.extensions[testStorageID] = &watchedStorageExt{Extension: inner, t: t, w: w}
	return w
}

type watchedStorageExt struct {
	storage.Extension
	t *testing.T
	w *storageWatch
}

func (e *watchedStorageExt) GetClient(ctx context.Context, kind component.Kind, id component.ID, name string) (storage.Client, error) {
	c, err := e.Extension.GetClient(ctx, kind, id, name)
	if err != nil {
		return nil, err
	}
	return &watchedClient{Client: c, t: e.t, w: e.w}, nil
}

type watchedClient struct {
	storage.Client
	t *testing.T
	w *storageWatch
}

func (c *watchedClient) Set(ctx context.Context, key string, value []byte) error {
	err := c.Client.Set(ctx, key, value)
	if err == nil {
		c.w.saw(c.t, []*storage.Operation{storage.SetOperation(key, value)})
	}
	return err
}

func (c *watchedClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	err := c.Client.Batch(ctx, ops...)
	if err == nil {
		c.w.saw(c.t, ops)
	}
	return err
}

// switchConsumer refuses every batch while failing is set, and counts the refusals.
type switchConsumer struct {
	consumertest.LogsSink
	failing atomic.Bool
	refused atomic.Int64
	err     error
}

func (s *switchConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if s.failing.Load() {
		s.refused.Add(1)
		return s.err
	}
	return s.LogsSink.ConsumeLogs(ctx, ld)
}

func TestUsersInventoryEmitsOnlyChanges(t *testing.T) {
	// Modified today: every incremental listing returns them all again (day granularity), so only
	// the digests keep the unchanged ones out.
	srv, _ := usersServerAged(t, 1234, 0)
	cfg := usersConfig(srv)
	cfg.Users.PollInterval = 100 * time.Millisecond
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)

	// First sync: every user once, CREATE, one ConsumeLogs per page of 250.
	watch.waitSyncs(t, 1)
	first := userRecords(sink.AllLogs())
	require.Len(t, first, 1234)
	assert.Len(t, sink.AllLogs(), 5)
	ids := srv.UserIDs()
	byID := opsByID(first)
	require.Len(t, byID, 1234)
	for _, id := range ids {
		assert.Equal(t, []string{convert.OperationCreate}, byID[id], id)
	}

	// Later syncs are incremental and find nothing new.
	syncs := watch.waitSyncs(t, 2)
	assert.True(t, syncs[len(syncs)-1].LastFullSync.Equal(syncs[0].LastFullSync), "no full sync within full_sync_interval")
	assert.Equal(t, 1234, sink.LogRecordCount(), "an unchanged directory emits nothing")

	// 7 users change, 3 join.
	renamed, closed, grouped := ids[10:13], ids[500:502], ids[1000:1002]
	for _, id := range renamed {
		require.NoError(t, srv.ModifyUser(id, func(u map[string]any) {
			u["first_name"] = "Renamed"
			u["user_name"] = "Renamed " + u["last_name"].(string)
		}))
	}
	for _, id := range closed {
		require.NoError(t, srv.ModifyUser(id, func(u map[string]any) {
			u["user_status"], u["membership_status"] = "closed", "closed"
		}))
	}
	for _, id := range grouped {
		require.NoError(t, srv.ModifyUser(id, func(u map[string]any) { addGroup(u, "Auditors") }))
	}
	srv.AddUsers(3)
	added := srv.UserIDs()[1234:]

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 1244 }, waitFor, 5*time.Millisecond)
	watch.waitSyncs(t, 2)
	changes := userRecords(sink.AllLogs())[1234:]
	require.Len(t, changes, 10, "exactly the changed and added users")
	got := opsByID(changes)
	want := map[string][]string{}
	for _, id := range slices.Concat(renamed, closed, grouped) {
		want[id] = []string{convert.OperationUpdate}
	}
	for _, id := range added {
		want[id] = []string{convert.OperationCreate}
	}
	assert.Equal(t, want, got)
	for _, r := range changes {
		switch {
		case slices.Contains(renamed, r.id):
			assert.Equal(t, "Renamed", r.attrs[convert.AttrXDMTargetUserFirstName])
		case slices.Contains(closed, r.id):
			assert.Equal(t, true, r.attrs[convert.AttrXDMTargetUserIsDisabled])
			assert.Equal(t, "closed", r.attrs[convert.AttrDocuSignUserStatus])
		case slices.Contains(grouped, r.id):
			assert.Contains(t, r.attrs[convert.AttrXDMTargetUserGroups], "Auditors")
		}
	}
}

// addGroup adds a DocuSign group to a user record as the fake stores it.
func addGroup(u map[string]any, name string) {
	g := map[string]any{"ds_group_id": "99999999-0000-4000-8000-000000000001", "group_name": name, "is_admin": false}
	switch groups := u["ds_groups"].(type) {
	case []map[string]any:
		u["ds_groups"] = append(groups, g)
	case []any:
		u["ds_groups"] = append(groups, g)
	default:
		u["ds_groups"] = []any{g}
	}
}

func TestUsersIncrementalSyncAsksSinceWatermarkWithOverlap(t *testing.T) {
	srv, shift := usersServer(t, 300)
	cfg := usersConfig(srv)
	cfg.Users.FullSyncInterval = 0
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, host, sink, nil)
	watch.waitSyncs(t, 1)

	// A change stamped ten days ago is outside any incremental window: without a full listing it
	// stays unseen, which shows the incremental sync really filters.
	victim := srv.UserIDs()[42]
	shift.Store(int64(-10 * 24 * time.Hour))
	require.NoError(t, srv.ModifyUser(victim, func(u map[string]any) { u["last_name"] = "Backdated" }))
	shift.Store(0)
	// A change stamped 30 hours ago is older than the watermark's day, yet inside the overlap window.
	recent := srv.UserIDs()[43]
	shift.Store(int64(-30 * time.Hour))
	require.NoError(t, srv.ModifyUser(recent, func(u map[string]any) { u["last_name"] = "Recent" }))
	shift.Store(0)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 301 }, waitFor, 5*time.Millisecond)
	watch.waitSyncs(t, 3)
	assert.Equal(t, map[string][]string{recent: {convert.OperationUpdate}}, opsByID(userRecords(sink.AllLogs())[300:]))
	require.NoError(t, rcv.Shutdown(context.Background()))

	// A full listing catches what the filter missed, and emits only that difference.
	cfg.Users.FullSyncInterval = time.Nanosecond
	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, nil)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 1 }, waitFor, 5*time.Millisecond)
	syncs := watch.waitSyncs(t, 2)
	assert.True(t, syncs[len(syncs)-1].LastFullSync.Equal(syncs[len(syncs)-1].Watermark), "the syncs were full listings")
	assert.Equal(t, map[string][]string{victim: {convert.OperationUpdate}}, opsByID(userRecords(second.AllLogs())))
}

func TestUsersRestartBetweenSyncsEmitsNothingNew(t *testing.T) {
	srv, _ := usersServer(t, 600)
	cfg := usersConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	first := new(consumertest.LogsSink)
	rcv := startReceiver(t, cfg, host, first, nil)
	watch.waitSyncs(t, 1)
	require.NoError(t, rcv.Shutdown(context.Background()))
	require.Equal(t, 600, first.LogRecordCount())

	// Every sync after the restart lists every user: only the restored digests keep them quiet.
	cfg.Users.FullSyncInterval = time.Nanosecond
	second := new(consumertest.LogsSink)
	logger, logs := observedLogger()
	startReceiver(t, cfg, host, second, logger)
	syncs := watch.waitSyncs(t, 2)
	assert.True(t, syncs[len(syncs)-1].LastFullSync.Equal(syncs[len(syncs)-1].Watermark), "full listings")
	assert.Zero(t, second.LogRecordCount(), "the restored digests recognise every user")
	resumed := logs.FilterMessage("Users resuming from checkpoint").All()
	require.Len(t, resumed, 1)
	assert.EqualValues(t, 600, resumed[0].ContextMap()["users"])

	id := srv.UserIDs()[7]
	require.NoError(t, srv.ModifyUser(id, func(u map[string]any) { u["email"] = "moved@example.com" }))
	require.Eventually(t, func() bool { return second.LogRecordCount() == 1 }, waitFor, 5*time.Millisecond)
	assert.Equal(t, map[string][]string{id: {convert.OperationUpdate}}, opsByID(userRecords(second.AllLogs())))
}

func TestUsersConsumeFailureLosesNoChange(t *testing.T) {
	srv, _ := usersServer(t, 300)
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := &switchConsumer{err: errors.New("exporter queue full")}
	startReceiver(t, usersConfig(srv), host, sink, nil)
	watch.waitSyncs(t, 1)
	require.Equal(t, 300, sink.LogRecordCount())

	sink.failing.Store(true)
	changed := srv.UserIDs()[100:105]
	for _, id := range changed {
		require.NoError(t, srv.ModifyUser(id, func(u map[string]any) { u["membership_status"] = "disabled" }))
	}
	require.Eventually(t, func() bool { return sink.refused.Load() >= 3 }, waitFor, 5*time.Millisecond)
	before := len(watch.completed())
	require.Eventually(t, func() bool { return sink.refused.Load() >= 5 }, waitFor, 5*time.Millisecond)
	assert.Len(t, watch.completed(), before, "no sync completes while its changes are refused")
	assert.Equal(t, 300, sink.LogRecordCount())

	sink.failing.Store(false)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 305 }, waitFor, 5*time.Millisecond)
	watch.waitSyncs(t, 2)
	want := map[string][]string{}
	for _, id := range changed {
		want[id] = []string{convert.OperationUpdate}
	}
	assert.Equal(t, want, opsByID(userRecords(sink.AllLogs())[300:]), "each change once, after the pipeline recovered")
}

func TestUsersCrashMidSyncRepeatsAtMostOnePage(t *testing.T) {
	srv, _ := usersServer(t, 1234)
	cfg := usersConfig(srv)
	host := newFileStorageHost(t, t.TempDir())
	first := &switchConsumer{err: errors.New("backend down")}
	// Accept two pages, then refuse the third until the "crash".
	var accepted atomic.Int64
	gate := &gatedConsumer{next: first, allow: func() bool { return accepted.Add(1) <= 2 }}
	rcv := startReceiver(t, cfg, host, gate, nil)
	require.Eventually(t, func() bool { return gate.refused.Load() >= 2 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))
	require.Equal(t, 500, first.LogRecordCount())

	second := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, second, nil)
	require.Eventually(t, func() bool { return second.LogRecordCount() >= 734 }, waitFor, 5*time.Millisecond)
	before := opsByID(userRecords(first.AllLogs()))
	after := opsByID(userRecords(second.AllLogs()))
	assert.Len(t, before, 500)
	assert.Len(t, after, 734)
	var again []string
	for id := range after {
		if _, ok := before[id]; ok {
			again = append(again, id)
		}
	}
	assert.Empty(t, again, "a consumed page is not emitted again")
}

// gatedConsumer passes a batch on while allow says so, and refuses it otherwise.
type gatedConsumer struct {
	next    *switchConsumer
	allow   func() bool
	refused atomic.Int64
}

func (g *gatedConsumer) Capabilities() consumer.Capabilities { return g.next.Capabilities() }

func (g *gatedConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if !g.allow() {
		g.refused.Add(1)
		return g.next.err
	}
	return g.next.ConsumeLogs(ctx, ld)
}

func TestUsersPermanentErrorIsCountedAndSkipped(t *testing.T) {
	srv, _ := usersServer(t, 300)
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := &flakyConsumer{failOn: map[int]error{1: consumererror.NewPermanent(errors.New("record too large"))}}
	logger, logs := observedLogger()
	startReceiver(t, usersConfig(srv), host, sink, logger)
	watch.waitSyncs(t, 3)
	assert.Equal(t, 50, sink.LogRecordCount(), "the rejected page is skipped for good, the rest delivered")
	assert.Equal(t, 1, logs.FilterMessage("Pipeline rejected records permanently; skipping them").Len())
}

func TestUsersSnapshotEmitsTheRosterAtEachFullSync(t *testing.T) {
	const n = 300
	srv, _ := usersServer(t, n)
	cfg := usersConfig(srv)
	cfg.Users.Snapshot = true
	cfg.Users.FullSyncInterval = 150 * time.Millisecond
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)
	watch.waitSyncs(t, 1)
	changed := srv.UserIDs()[5]
	require.NoError(t, srv.ModifyUser(changed, func(u map[string]any) { u["user_status"] = "closed" }))
	require.Eventually(t, func() bool {
		fulls := map[time.Time]bool{}
		for _, s := range watch.completed() {
			fulls[s.LastFullSync] = true
		}
		return len(fulls) >= 3
	}, waitFor, 5*time.Millisecond)

	var snapshots []string
	counts := map[string]int{}
	for _, r := range userRecords(sink.AllLogs()) {
		counts[r.op]++
		if r.op == convert.OperationSnapshot {
			snapshots = append(snapshots, r.id)
		}
	}
	assert.Equal(t, n, counts[convert.OperationCreate], "the change stream is the same with snapshots on")
	assert.Equal(t, 1, counts[convert.OperationUpdate])
	// Every full sync lists the whole roster once, in listing order; the last one may be in progress.
	ids := srv.UserIDs()
	require.GreaterOrEqual(t, len(snapshots), 3*n)
	for len(snapshots) >= n {
		assert.Equal(t, ids, snapshots[:n])
		snapshots = snapshots[n:]
	}
	assert.Equal(t, ids[:len(snapshots)], snapshots)
}

func TestUsersFallBackWithoutGroupsEntitlement(t *testing.T) {
	srv, _ := usersServer(t, 300)
	srv.SetGroupsEntitlement(false)
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	logger, logs := observedLogger()
	startReceiver(t, usersConfig(srv), host, sink, logger)
	watch.waitSyncs(t, 3)

	recs := userRecords(sink.AllLogs())
	require.Len(t, recs, 300)
	for _, r := range recs {
		assert.NotContains(t, r.attrs, convert.AttrXDMTargetUserGroups)
	}
	assert.Equal(t, 1, srv.Stats().StatusCounts[http.StatusBadRequest], "asked with groups once")
	fallback := logs.FilterMessageSnippet("include_ds_groups").All()
	require.Len(t, fallback, 1)
	assert.Equal(t, zap.InfoLevel, fallback[0].Level)
	assert.Zero(t, logs.FilterLevelExact(zap.WarnLevel).Len()+logs.FilterLevelExact(zap.ErrorLevel).Len(), "the fallback is silent")
}

func TestUsersGroupsAreRequestedWhenEntitled(t *testing.T) {
	srv, _ := usersServer(t, 300)
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	startReceiver(t, usersConfig(srv), host, sink, nil)
	watch.waitSyncs(t, 1)
	withGroups := 0
	for _, r := range userRecords(sink.AllLogs()) {
		if _, ok := r.attrs[convert.AttrXDMTargetUserGroups]; ok {
			withGroups++
		}
	}
	assert.Equal(t, 300, withGroups)
}

func TestUsersAndMonitorRunSideBySide(t *testing.T) {
	srv, _ := usersServer(t, 300)
	srv.AddMonitorEvents(500, time.Now().Add(-time.Hour), time.Second)
	cfg := usersConfig(srv)
	cfg.Monitor.Enabled = true
	cfg.Monitor.StartTime = time.Now().Add(-2 * time.Hour)
	cfg.Monitor.PollInterval = 30 * time.Millisecond
	cfg.Users.PollInterval = 70 * time.Millisecond
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, nil)

	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 800 }, waitFor, 5*time.Millisecond)
	watch.waitSyncs(t, 2)
	monitor := 0
	for _, ld := range sink.AllLogs() {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if lr.EventName() == convert.EventNameMonitor {
				monitor++
			}
		})
	}
	assert.Equal(t, 500, monitor)
	assert.Len(t, userRecords(sink.AllLogs()), 300)
	assert.Equal(t, 1, srv.Stats().TokensIssued, "one token serves both sources")
	assert.Positive(t, watch.written(monitorKey))
	assert.Positive(t, watch.written(usersKey))
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestUsersFullSyncForgetsUsersNoLongerListed starts from a users.v1 checkpoint (digest table and one
// delta, as the version before the source shape stored them): the migrated digests are known, the
// full listing forgets the user DocuSign no longer lists, and the table is compacted in today's form.
func TestUsersFullSyncForgetsUsersNoLongerListed(t *testing.T) {
	srv, _ := usersServer(t, 300)
	host := newFileStorageHost(t, t.TempDir())
	const ghost = "dead0000-0000-4000-8000-00000000beef"
	ids := srv.UserIDs()
	dayAgo := time.Now().Add(-25 * time.Hour)
	seedStorage(t, host,
		storage.SetOperation(usersV1Key+".digests", encodeV1Digests(t, map[string][16]byte{ghost: {1}})),
		storage.SetOperation(usersV1Key+".delta.0", encodeV1Digests(t, map[string][16]byte{ids[0]: {2}})), // a user whose record changed since
	)
	seedJSON(t, host, usersV1Key, usersSyncState{Watermark: dayAgo, LastFullSync: dayAgo, Users: 2, Deltas: 1})

	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, usersConfig(srv), host, sink, logger)
	require.Eventually(t, func() bool { return logs.FilterMessage("Users sync done").Len() >= 1 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	assert.Equal(t, 1, logs.FilterMessage("Users checkpoint migrated").Len())
	var state usersSyncState
	withStorage(t, host, func(c storage.Client) {
		data, err := c.Get(context.Background(), usersKey)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &state))
	})
	assert.True(t, state.LastFullSync.After(dayAgo), "full_sync_interval (24h) elapsed: a full listing ran")
	got := opsByID(userRecords(sink.AllLogs()))
	assert.Len(t, got, 300)
	assert.Equal(t, []string{convert.OperationUpdate}, got[ids[0]], "the migrated delta is known")
	assert.Equal(t, []string{convert.OperationCreate}, got[ids[1]])
	gone := logs.FilterMessage("Users no longer listed by DocuSign; forgotten").All()
	require.Len(t, gone, 1)
	assert.EqualValues(t, 1, gone[0].ContextMap()["removed"])
	assert.Equal(t, []any{ghost}, gone[0].ContextMap()["sample_ids"])

	// The compacted table holds exactly the listed users; the v1 keys are gone.
	table := readDigests(t, host)
	assert.Equal(t, 300, table.Len())
	_, found := table.Get(ghost)
	assert.False(t, found)
	assert.Zero(t, table.Deltas())
	withStorage(t, host, func(c storage.Client) {
		for _, key := range []string{usersV1Key, usersV1Key + ".digests", usersV1Key + ".delta.0"} {
			v, err := c.Get(context.Background(), key)
			require.NoError(t, err)
			assert.Nil(t, v, key)
		}
	})
}

func TestUsersDamagedCheckpointRelistsEveryone(t *testing.T) {
	srv, _ := usersServer(t, 300)
	host := newFileStorageHost(t, t.TempDir())
	seedJSON(t, host, usersKey, usersSyncState{Watermark: time.Now(), LastFullSync: time.Now(), Users: 300})
	seedStorage(t, host, storage.SetOperation("users.digests.v2.snapshot", []byte("not a digest table")))
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, usersConfig(srv), host, sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 300 }, waitFor, 5*time.Millisecond)
	bad := logs.FilterMessageSnippet("Users checkpoint damaged").All()
	require.Len(t, bad, 1)
	assert.Contains(t, bad[0].ContextMap()["error"], "users.digests.v2.snapshot", "the error names the key")
}

func TestUsersOddRecordIsKeptFlaggedAndReportedOnce(t *testing.T) {
	srv, _ := usersServer(t, 20)
	const odd = "0dd00000-0000-4000-8000-000000000001"
	require.NoError(t, srv.SetUser(json.RawMessage(`{"id":"`+odd+`","first_name":42,"user_status":"active","ds_groups":"none"}`)))
	host := newFileStorageHost(t, t.TempDir())
	watch := watchStorage(t, host)
	sink := new(consumertest.LogsSink)
	logger, logs := observedLogger()
	startReceiver(t, usersConfig(srv), host, sink, logger)
	watch.waitSyncs(t, 3)

	recs := userRecords(sink.AllLogs())
	require.Len(t, recs, 21, "the odd record is emitted like any other, once")
	var flagged []userRecord
	for _, r := range recs {
		if _, ok := r.attrs[convert.AttrConversionError]; ok {
			flagged = append(flagged, r)
		}
	}
	require.Len(t, flagged, 1)
	assert.Equal(t, odd, flagged[0].id)
	assert.Equal(t, 1, logs.FilterMessageSnippet("could not be fully converted").Len(), "flagged when emitted, not at every sync")
}
