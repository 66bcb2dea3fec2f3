// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// TestKeyLayout pins the stored key of everything the package writes: renaming one loses state.
func TestKeyLayout(t *testing.T) {
	root := NewStore(nil)
	monitor, users := root.Namespace("monitor"), root.Namespace("users")
	ring := NewRing(monitor, "recent", 10, 3)
	log := NewLog(users, "digests", Bytes16{})
	for _, tc := range []struct{ got, want string }{
		{NewRecord[int](monitor, "v2").Key(), "monitor.v2"},
		{NewRecord[int](root.Namespace("a").Namespace("b"), "v1").Key(), "a.b.v1"},
		{ring.slotKey(0), "monitor.recent.v1.0"},
		{ring.slotKey(2), "monitor.recent.v1.2"},
		{log.SnapshotKey(), "users.digests.v2.snapshot"},
		{log.DeltaKey(12), "users.digests.v2.delta.12"},
	} {
		assert.Equal(t, tc.want, tc.got)
	}
}

// A name with a dot could reach into a sibling's keys ("monitor" writing "users.x" through "x.."),
// so names are plain words.
func TestNamesCannotReachOutOfTheirNamespace(t *testing.T) {
	s := NewStore(nil)
	for _, name := range []string{"", "users.v1", ".", "a b", "ü", "x/y"} {
		assert.Panics(t, func() { s.Namespace(name) }, "namespace %q", name)
		assert.Panics(t, func() { NewRecord[int](s, name) }, "record %q", name)
		assert.Panics(t, func() { NewRing(s, name, 4, 2) }, "ring %q", name)
		assert.Panics(t, func() { NewLog(s, name, Bytes16{}) }, "log %q", name)
	}
	assert.Panics(t, func() { NewRecord(s, "v2", Older[int]{Name: "v2", Decode: jsonDecode[int]}) }, "an older key is another key")
	assert.Panics(t, func() { NewRecord(s, "v2", Older[int]{Name: "v1"}) }, "an older key needs a decoder")
	assert.Panics(t, func() { NewRecord(s, "v2", Older[int]{Name: "v1..x", Decode: jsonDecode[int]}) })
}

func TestNamespaceRefusesAnotherNamespacesOps(t *testing.T) {
	client := newMemClient()
	root := NewStore(client)
	monitor, users := root.Namespace("monitor"), root.Namespace("users")
	own, foreign := NewRecord[int](monitor, "v2"), NewRecord[int](users, "v2")

	err := monitor.Write(context.Background(), own.Set(1), foreign.Set(2))
	require.ErrorContains(t, err, `"users.v2": outside namespace "monitor."`)
	assert.Empty(t, client.keys(), "nothing of the batch is written")
	assert.Zero(t, client.batches.Load())

	require.NoError(t, root.Write(context.Background(), own.Set(1), foreign.Set(2)), "the root writes anywhere")
	assert.Equal(t, []string{"monitor.v2", "users.v2"}, client.keys())
}

func TestWriteIsOneBatch(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	state := NewRecord[string](s, "v2")
	log := NewLog(s, "digests", Bytes16{})
	log.Set("a", [16]byte{1})
	ops := append([]Op{state.Set("w")}, log.Commit()...)
	require.NoError(t, s.Write(context.Background(), ops...))
	assert.Equal(t, int64(1), client.batches.Load())
	assert.Equal(t, []string{"users.digests.v2.delta.0", "users.v2"}, client.keys())

	require.NoError(t, s.Write(context.Background()), "nothing to write")
	assert.Equal(t, int64(1), client.batches.Load(), "an empty write touches no storage")
}

// A value that cannot be encoded fails the whole batch before storage sees it, naming the key.
func TestWriteRefusesABatchWithAnUnencodableValue(t *testing.T) {
	client := newMemClient()
	s := NewStore(client)
	good, bad := NewRecord[float64](s, "good"), NewRecord[float64](s, "bad")
	err := s.Write(context.Background(), good.Set(1), bad.Set(math.NaN()))
	require.ErrorContains(t, err, `checkpoint "bad": encode`)
	assert.Empty(t, client.keys())

	require.ErrorContains(t, s.Write(context.Background(), Op{}), "without key", "a zero Op is refused")
}

func TestWriteErrorNamesTheKeys(t *testing.T) {
	client := newMemClient()
	client.failBatch = errors.New("disk full")
	s := NewStore(client)
	ops := []Op{NewRecord[int](s, "a").Set(1), NewRecord[int](s, "b").Set(1), NewRecord[int](s, "c").Set(1), NewRecord[int](s, "d").Set(1)}
	err := s.Write(context.Background(), ops...)
	require.ErrorContains(t, err, `checkpoint write "a", "b", "c" and 1 more: disk full`)
}

// A save runs even when a shutdown already cancelled the caller's context, within the save timeout.
func TestWriteOutlivesACancelledContextWithinTheSaveTimeout(t *testing.T) {
	client := newMemClient()
	s := NewStore(client)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, s.Write(ctx, NewRecord[int](s, "v2").Set(7)))
	assert.NoError(t, client.batchCtxErr, "the batch ran on a live context")
	assert.Equal(t, []byte("7"), client.value("v2"))
}

func TestWriteIsBoundedByTheSaveTimeout(t *testing.T) {
	client := newMemClient()
	client.block = make(chan struct{}) // released after 5 s only if the save timeout failed to end the batch
	backstop := time.AfterFunc(5*time.Second, func() { close(client.block) })
	defer backstop.Stop()
	s := NewStore(client)
	s.Namespace("monitor").SetSaveTimeout(20 * time.Millisecond) // shared by the whole store
	err := s.Write(context.Background(), NewRecord[int](s, "v2").Set(7))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), `checkpoint write "v2"`)
	assert.Equal(t, 10*time.Second, SaveTimeout, "the default")
}

// The file_storage extension runs a batch in one transaction: one op it refuses stores none.
func TestBatchIsAtomicOnFileStorage(t *testing.T) {
	dir := t.TempDir()
	client, closeAll := openFileStorage(t, dir)
	s := NewStore(client).Namespace("monitor")
	state := NewRecord[string](s, "v2")
	tooLong := NewRecord[string](s, strings.Repeat("k", 40_000)) // bbolt refuses keys over 32 KiB
	ring := NewRing(s, "recent", 10, 3)
	ops := append([]Op{state.Set("c1")}, ring.Push([]string{"e1"})...)
	require.Error(t, s.Write(context.Background(), append(ops, tooLong.Set("x"))...))
	closeAll()

	client, closeAll = openFileStorage(t, dir)
	s = NewStore(client).Namespace("monitor")
	state, ring = NewRecord[string](s, "v2"), NewRing(s, "recent", 10, 3)
	_, from, err := state.Load(context.Background())
	require.NoError(t, err)
	assert.Empty(t, from, "the state of the refused batch was not stored")
	require.NoError(t, ring.Load(context.Background()))
	assert.Zero(t, ring.Len(), "nor its ring slot")

	ops = append([]Op{state.Set("c2")}, ring.Push([]string{"e2"})...)
	require.NoError(t, s.Write(context.Background(), ops...))
	closeAll()
	client, _ = openFileStorage(t, dir)
	s = NewStore(client).Namespace("monitor")
	state, ring = NewRecord[string](s, "v2"), NewRing(s, "recent", 10, 3)
	v, _, err := state.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "c2", v)
	require.NoError(t, ring.Load(context.Background()))
	assert.True(t, ring.Contains("e2"))
}

func TestNilClientKeepsNothing(t *testing.T) {
	s := NewStore(nil)
	r := NewRecord[int](s, "v2")
	require.NoError(t, s.Write(context.Background(), r.Set(1)))
	_, from, err := r.Load(context.Background())
	require.NoError(t, err)
	assert.Empty(t, from)
	require.NoError(t, s.Close(context.Background()))
}

// Every read and write goes through the gate: after Close all are refused with ErrClosed.
func TestCloseRefusesEveryLaterOperation(t *testing.T) {
	client := newMemClient()
	root := NewStore(client)
	s := root.Namespace("users")
	record := NewRecord[int](s, "v2")
	ring := NewRing(s, "recent", 4, 2)
	log := NewLog(s, "digests", Bytes16{})
	require.NoError(t, root.Close(context.Background()))
	require.NoError(t, root.Close(context.Background()), "a second Close is a no-op")
	assert.Equal(t, int32(1), client.closes.Load(), "the client is closed once")

	ctx := context.Background()
	for name, op := range map[string]func() error{
		"write":       func() error { return s.Write(ctx, record.Set(1)) },
		"record load": func() error { _, _, err := record.Load(ctx); return err },
		"ring load":   func() error { return ring.Load(ctx) },
		"log load":    func() error { _, err := log.Load(ctx); return err },
		"import v1": func() error {
			_, _, err := ImportV1(ctx, log, "v1.digests", func(int) string { return "v1.delta" }, 1)
			return err
		},
	} {
		err := op()
		require.ErrorIs(t, err, ErrClosed, name)
		assert.NotErrorIs(t, err, ErrCorrupt, name)
	}
	assert.Zero(t, client.gets.Load()+client.batches.Load(), "storage saw nothing after Close")
}

func TestANamespaceCannotClose(t *testing.T) {
	client := newMemClient()
	root := NewStore(client)
	require.ErrorContains(t, root.Namespace("monitor").Close(context.Background()), "cannot close")
	assert.Zero(t, client.closes.Load())
	require.NoError(t, root.Namespace("monitor").Write(context.Background(), NewRecord[int](root.Namespace("monitor"), "v2").Set(1)))
}

// startBlockedWrite starts a Write that hangs inside the client's Batch until release is called.
func startBlockedWrite(t *testing.T) (client *memClient, root *Store, release func(), done chan error) {
	t.Helper()
	client = newMemClient()
	client.block = make(chan struct{})
	client.entered = make(chan struct{}, 1)
	root = NewStore(client)
	s := root.Namespace("monitor")
	done = make(chan error, 1)
	go func() { done <- s.Write(context.Background(), NewRecord[int](s, "v2").Set(1)) }()
	<-client.entered
	return client, root, func() { close(client.block) }, done
}

// TestClosePastItsDeadlineNeverClosesTheClientUnderAWrite is the meaning of the receiver's
// TestShutdownPastItsDeadlineNeverClosesStorageUnderAWrite, at the store: Close gives up at its
// deadline without closing the client under the write, refuses later writes at once, and a later
// Close finishes once the write is over.
func TestClosePastItsDeadlineNeverClosesTheClientUnderAWrite(t *testing.T) {
	client, root, release, done := startBlockedWrite(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the shutdown deadline has passed
	err := root.Close(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "a checkpoint write is still running")
	assert.Zero(t, client.closes.Load(), "the client is left open")

	require.ErrorIs(t, root.Namespace("monitor").Write(context.Background(), NewRecord[int](root.Namespace("monitor"), "v2").Set(2)), ErrClosed,
		"a poller that outlived Shutdown cannot write any more")

	release()
	require.NoError(t, <-done, "the write in flight completes")
	assert.Equal(t, []byte("1"), client.value("monitor.v2"))
	require.NoError(t, root.Close(context.Background()), "a later Close finishes the job")
	assert.Equal(t, int32(1), client.closes.Load())
	assert.False(t, client.closedInBatch.Load())
}

func TestCloseWaitsForTheWriteInFlight(t *testing.T) {
	client, root, release, done := startBlockedWrite(t)
	closed := make(chan error, 1)
	go func() { closed <- root.Close(context.Background()) }()
	require.Eventually(t, func() bool {
		root.gate.mu.Lock()
		defer root.gate.mu.Unlock()
		return root.gate.drained != nil
	}, 5*time.Second, time.Millisecond, "Close is waiting")
	assert.Zero(t, client.closes.Load(), "not closed under the write")

	release()
	require.NoError(t, <-done)
	require.NoError(t, <-closed)
	assert.Equal(t, int32(1), client.closes.Load())
	assert.False(t, client.closedInBatch.Load(), "the client was closed after the write left")
}

func TestReadErrorsNameTheKey(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	_, _, err := NewRecord[int](NewStore(client).Namespace("monitor"), "v2").Load(context.Background())
	require.ErrorContains(t, err, `checkpoint "monitor.v2": read: disk gone`)
	assert.NotErrorIs(t, err, ErrCorrupt)
}

var _ storage.Client = (*memClient)(nil)
