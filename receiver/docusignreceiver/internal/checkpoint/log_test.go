// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func digest(b byte) [16]byte { return [16]byte{b, 0xd1, 0x9e, 0x57} }

func newDigests(s *Store) *Log[[16]byte] { return NewLog(s, "digests", Bytes16{}) }

// contents is the log as a map, for comparing.
func contents[V any](l *Log[V]) map[string]V {
	return maps.Collect(l.All())
}

func commitAndWrite[V any](t *testing.T, s *Store, l *Log[V]) []Op {
	t.Helper()
	ops := l.Commit()
	require.NoError(t, s.Write(context.Background(), ops...))
	return ops
}

func reloadDigests(t *testing.T, s *Store) (*Log[[16]byte], int) {
	t.Helper()
	l := newDigests(s)
	n, err := l.Load(context.Background())
	require.NoError(t, err)
	return l, n
}

// Each commit stores only what changed, deletions too, as one delta; a reload replays them.
func TestLogCommitStoresWhatChanged(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	for i := range 100 {
		l.Set(guid(i), digest(byte(i)))
	}
	l.Set("legacy-id", digest(1))
	ops := commitAndWrite(t, s, l)
	assert.Equal(t, []string{"users.digests.v2.delta.0"}, opKeys(ops))

	l.Set(guid(7), digest(70))
	l.Delete(guid(8))
	l.Delete("legacy-id")
	l.Delete("never-there") // nothing to store
	ops = commitAndWrite(t, s, l)
	assert.Equal(t, []string{"users.digests.v2.delta.1"}, opKeys(ops))
	assert.Len(t, ops[0].value, 2+(1+16+16)+(1+16)+(1+1+9), "header, a GUID set, a GUID deletion, a string deletion")
	assert.Equal(t, 2, l.Deltas())
	assert.Empty(t, l.Commit(), "nothing changed since")

	loaded, n := reloadDigests(t, s)
	assert.Equal(t, 2, n)
	assert.Equal(t, 2, loaded.Deltas())
	assert.Equal(t, contents(l), contents(loaded))
	assert.Equal(t, 99, loaded.Len())
	d, ok := loaded.Get(guid(7))
	assert.True(t, ok)
	assert.Equal(t, digest(70), d)
	_, ok = loaded.Get(guid(8))
	assert.False(t, ok)
}

// Compact writes the snapshot and deletes the deltas in one batch.
func TestLogCompactDropsTheDeltas(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	for i := range 3 {
		l.Set(guid(i), digest(byte(i)))
		commitAndWrite(t, s, l)
	}
	ops := l.Compact()
	assert.Equal(t, []string{"users.digests.v2.snapshot", "-users.digests.v2.delta.0", "-users.digests.v2.delta.1", "-users.digests.v2.delta.2"}, opKeys(ops))
	require.NoError(t, s.Write(context.Background(), ops...))
	assert.Equal(t, []string{"users.digests.v2.snapshot"}, client.keys())
	assert.Zero(t, l.Deltas())

	l.Set(guid(9), digest(9))
	assert.Equal(t, []string{"users.digests.v2.delta.0"}, opKeys(commitAndWrite(t, s, l)), "deltas start again on the new snapshot")
	loaded, n := reloadDigests(t, s)
	assert.Equal(t, 1, n)
	assert.Equal(t, contents(l), contents(loaded))
}

// Changes a failed write did not store go into the next commit, under the same delta number.
func TestLogCommitsAgainWhatAFailedWriteLost(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	l.Set(guid(1), digest(1))
	client.failBatch = errors.New("disk full")
	require.Error(t, s.Write(context.Background(), l.Commit()...))
	client.failBatch = nil
	l.Set(guid(2), digest(2))
	assert.Equal(t, []string{"users.digests.v2.delta.0"}, opKeys(commitAndWrite(t, s, l)))
	loaded, _ := reloadDigests(t, s)
	assert.Equal(t, map[string][16]byte{guid(1): digest(1), guid(2): digest(2)}, contents(loaded))

	client.failBatch = errors.New("disk full")
	require.Error(t, s.Write(context.Background(), l.Compact()...))
	client.failBatch = nil
	l.Set(guid(3), digest(3))
	assert.Equal(t, []string{"users.digests.v2.delta.1"}, opKeys(commitAndWrite(t, s, l)), "a failed compaction changes nothing stored")
	loaded, _ = reloadDigests(t, s)
	assert.Equal(t, contents(l), contents(loaded))
}

// A change made between Commit and its Write is not lost when that Write succeeds.
func TestLogKeepsAChangeMadeWhileACommitIsWritten(t *testing.T) {
	s := NewStore(newMemClient()).Namespace("users")
	l := newDigests(s)
	l.Set(guid(1), digest(1))
	ops := l.Commit()
	l.Set(guid(1), digest(2))
	require.NoError(t, s.Write(context.Background(), ops...))
	assert.Equal(t, []string{"users.digests.v2.delta.1"}, opKeys(commitAndWrite(t, s, l)))
	loaded, _ := reloadDigests(t, s)
	d, _ := loaded.Get(guid(1))
	assert.Equal(t, digest(2), d)
}

// A compaction whose deletes were lost (storage without transactions) leaves deltas of the old
// generation: they are not read over the new snapshot.
func TestLogIgnoresDeltasOfAnotherGeneration(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	l.Set(guid(1), digest(1))
	commitAndWrite(t, s, l)
	l.Set(guid(1), digest(2))
	commitAndWrite(t, s, l)
	l.Delete(guid(1))
	l.Set(guid(5), digest(5))
	ops := l.Compact()
	require.NoError(t, s.Write(context.Background(), ops[0])) // the snapshot only

	loaded, n := reloadDigests(t, s)
	assert.Zero(t, n, "the old deltas are not read")
	assert.Equal(t, map[string][16]byte{guid(5): digest(5)}, contents(loaded))

	loaded.Set(guid(6), digest(6))
	commitAndWrite(t, s, loaded) // overwrites delta 0; delta 1 of the old generation stays
	again, n := reloadDigests(t, s)
	assert.Equal(t, 1, n)
	assert.Equal(t, contents(loaded), contents(again))
}

// Reading stops at the first missing delta: a gap is the end of the chain.
func TestLogLoadStopsAtTheFirstMissingDelta(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	for i := range 4 {
		l.Set(guid(i), digest(byte(i)))
		commitAndWrite(t, s, l)
	}
	require.NoError(t, client.Delete(context.Background(), "users.digests.v2.delta.2"))
	before := client.gets.Load()
	loaded, n := reloadDigests(t, s)
	assert.Equal(t, 2, n)
	assert.Equal(t, int64(4), client.gets.Load()-before, "snapshot, deltas 0 and 1, missing 2")
	assert.Equal(t, map[string][16]byte{guid(0): digest(0), guid(1): digest(1)}, contents(loaded))
	assert.Equal(t, []string{"users.digests.v2.delta.2"}, opKeys(func() []Op { loaded.Set("x", digest(9)); return loaded.Commit() }()))
}

func TestLogLoadDamaged(t *testing.T) {
	goodDelta := func() []byte {
		l := newDigests(NewStore(nil))
		l.Set(guid(1), digest(1))
		l.Set("s1", digest(2))
		return l.Commit()[0].value
	}()
	entry := func(b ...byte) []byte { return append([]byte{logFormatV2, 0}, b...) }
	for _, tc := range []struct {
		name, key string
		value     []byte
	}{
		{"empty snapshot", "snapshot", []byte{}},
		{"unknown format", "snapshot", []byte{1, 0}},
		{"no generation", "snapshot", []byte{logFormatV2}},
		{"unknown tag", "delta.0", entry('z')},
		{"GUID cut short", "delta.0", entry(logSetGUID, 1, 2, 3)},
		{"value cut short", "delta.0", append(entry(logSetGUID), make([]byte, 20)...)},
		{"string longer than the value", "delta.0", entry(logSetString, 200, 'a')},
		{"huge string length", "delta.0", binary.AppendUvarint(entry(logSetString), 1<<62)},
		{"deleted GUID cut short", "delta.0", entry(logDeleteGUID, 1)},
		{"truncated delta", "delta.0", goodDelta[:len(goodDelta)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := newMemClient()
			s := NewStore(client).Namespace("users")
			if tc.key != "snapshot" {
				client.put("users.digests.v2.snapshot", []byte{logFormatV2, 0})
			}
			client.put("users.digests.v2."+tc.key, tc.value)
			l := newDigests(s)
			l.Set("stale", digest(1))
			n, err := l.Load(context.Background())
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), `checkpoint "users.digests.v2.`+tc.key+`"`)
			assert.Zero(t, n)
			assert.Zero(t, l.Len(), "nothing half-loaded")
			ops := l.Commit()
			assert.Equal(t, "users.digests.v2.snapshot", ops[0].key, "the next commit writes a fresh snapshot over the damage")
			require.NoError(t, s.Write(context.Background(), ops...))
			_, err = newDigests(s).Load(context.Background())
			require.NoError(t, err)
		})
	}
}

func TestLogReadErrorIsNotCorrupt(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	l := newDigests(NewStore(client))
	_, err := l.Load(context.Background())
	require.ErrorContains(t, err, "disk gone")
	assert.NotErrorIs(t, err, ErrCorrupt, "retried, not reset")
	assert.Empty(t, l.Commit(), "a read failure does not schedule a snapshot over stored state")
}

// The mark/sweep of a full listing: ids it did not return are pruned and stored as deletions.
func TestLogPrunesWhatAFullListingDidNotReturn(t *testing.T) {
	s := NewStore(newMemClient()).Namespace("users")
	l := newDigests(s)
	for _, id := range []string{guid(1), guid(2), guid(3), "s1", "s2"} {
		l.Set(id, digest(1))
	}
	commitAndWrite(t, s, l)
	loaded, _ := reloadDigests(t, s)

	loaded.ClearSeen()
	loaded.MarkSeen(guid(1))
	loaded.Set(guid(2), digest(2)) // changed: seen too
	loaded.MarkSeen("s1")
	loaded.MarkSeen("unknown") // not in the log: nothing to mark
	n, sample := loaded.PruneUnseen(1)
	assert.Equal(t, 2, n)
	assert.Len(t, sample, 1)
	assert.Contains(t, []string{guid(3), "s2"}, sample[0])
	assert.Equal(t, 3, loaded.Len())

	loaded.ClearSeen()
	n, sample = loaded.PruneUnseen(10)
	assert.Equal(t, 3, n, "a listing that returned nobody empties the log")
	assert.ElementsMatch(t, []string{guid(1), guid(2), "s1"}, sample)
	commitAndWrite(t, s, loaded)
	again, _ := reloadDigests(t, s)
	assert.Zero(t, again.Len(), "the prunes were stored as deletions")
}

// stringCodec stores variable-size values, as an identity inventory will.
type stringCodec struct{}

func (stringCodec) Append(dst []byte, v string) []byte { return appendString(dst, v) }

func (stringCodec) Decode(src []byte) (string, int, error) {
	v, n, err := readString(src, 0)
	return v, n, err
}

func TestLogWithVariableSizeValues(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("identities")
	l := NewLog[string](s, "inventory", stringCodec{})
	l.Set(guid(1), "")
	l.Set("x", "a longer value")
	commitAndWrite(t, s, l)
	l.Set(guid(2), fmt.Sprint(make([]int, 300)))
	require.NoError(t, s.Write(context.Background(), l.Compact()...))
	l.Set(guid(1), "now set")
	commitAndWrite(t, s, l)

	loaded := NewLog[string](s, "inventory", stringCodec{})
	n, err := loaded.Load(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, contents(l), contents(loaded))

	client.put("identities.inventory.v2.delta.0", append([]byte{logFormatV2}, append(binary.AppendUvarint(nil, loaded.gen), logSetString, 1, 'x', 50)...))
	_, err = NewLog[string](s, "inventory", stringCodec{}).Load(context.Background())
	require.ErrorIs(t, err, ErrCorrupt, "a value the codec cannot read")
}

// Two different ids never share an entry: only canonical lower-case GUIDs are packed.
func TestLogIDsNeverCollide(t *testing.T) {
	canonical := "7d9b0f1e-2243-3384-4455-556666777700"
	ids := []string{
		canonical,
		"7D9B0F1E-2243-3384-4455-556666777700",
		"7d9b0f1e--22--4333-8444-555566667777", // the same hex digits, dashes elsewhere
		"7d9b0f1e-2222-4333-8444-55556666777-",
		"-7d9b0f1-2222-4333-8444-555566667777",
		"7d9b0f1e224333844455556666777700",
		"",
	}
	client := newMemClient()
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	want := map[string][16]byte{}
	for i, id := range ids {
		l.Set(id, digest(byte(i)))
		want[id] = digest(byte(i))
	}
	assert.Equal(t, want, contents(l))
	commitAndWrite(t, s, l)
	loaded, _ := reloadDigests(t, s)
	assert.Equal(t, want, contents(loaded), "from deltas")
	require.NoError(t, s.Write(context.Background(), l.Compact()...))
	loaded, _ = reloadDigests(t, s)
	assert.Equal(t, want, contents(loaded), "from a snapshot")
}

func TestLogRestartsOnFileStorage(t *testing.T) {
	dir := t.TempDir()
	client, closeAll := openFileStorage(t, dir)
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	for i := range 1000 {
		l.Set(guid(i), digest(byte(i)))
	}
	require.NoError(t, s.Write(context.Background(), l.Compact()...))
	l.Set(guid(5), digest(50))
	l.Delete(guid(6))
	commitAndWrite(t, s, l)
	closeAll()

	client, _ = openFileStorage(t, dir)
	loaded, n := reloadDigests(t, NewStore(client).Namespace("users"))
	assert.Equal(t, 1, n)
	assert.Equal(t, contents(l), contents(loaded))
}
