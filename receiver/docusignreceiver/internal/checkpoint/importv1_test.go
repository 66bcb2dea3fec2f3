// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// v1Entry is one digest as the users source stored it before the Log.
type v1Entry struct {
	id     string
	digest [16]byte
}

// encodeV1 builds a users.v1 digest table or delta as users_digests.go wrote it (digestTable.encode,
// digestDelta.add): a format byte 1, then 'g' + GUID + digest, or 's' + uvarint length + id + digest.
func encodeV1(entries ...v1Entry) []byte {
	buf := []byte{1}
	for _, e := range entries {
		if g, ok := parseGUID(e.id); ok {
			buf = append(buf, 'g')
			buf = append(buf, g[:]...)
		} else {
			buf = append(buf, 's')
			buf = binary.AppendUvarint(buf, uint64(len(e.id)))
			buf = append(buf, e.id...)
		}
		buf = append(buf, e.digest[:]...)
	}
	return buf
}

func v1DeltaName(i int) string { return "v1.delta." + strconv.Itoa(i) }

// Bytes written by the receiver's own digestTable.encode and digestDelta (users_digests.go at
// 5f38b7f), so the import is tested against the real format, not only against encodeV1.
const (
	goldenV1Snapshot = "01677d9b0f1e2243338444555566667777000102030405060708090a0b0c0d0e0f10" +
		"732437443942304631452d323234332d333338342d343435352d353536363636373737373030aa000000000000000000000000000000"
	goldenV1Delta = "01677d9b0f1e224333844455556666777700ff000000000000000000000000000000" +
		"730b7368613235363a30303131bbcc0000000000000000000000000000"
)

func TestImportV1ReadsTheReceiversOwnBytes(t *testing.T) {
	client := newMemClient()
	for key, value := range map[string]string{"users.v1.digests": goldenV1Snapshot, "users.v1.delta.0": goldenV1Delta} {
		b, err := hex.DecodeString(value)
		require.NoError(t, err)
		client.put(key, b)
	}
	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	read, retire, err := ImportV1(context.Background(), l, "v1.digests", v1DeltaName, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, read)
	assert.Equal(t, []string{"-users.v1.digests", "-users.v1.delta.0"}, opKeys(retire))
	assert.Equal(t, map[string][16]byte{
		"7d9b0f1e-2243-3384-4455-556666777700": {0xff},
		"7D9B0F1E-2243-3384-4455-556666777700": {0xaa},
		"sha256:0011":                          {0xbb, 0xcc},
	}, contents(l))
}

// An upgrade keeps every stored digest: import, then one write of the new snapshot that retires
// the v1 keys; a restart loads the same table from the new keys.
func TestImportV1KeepsEveryDigestOnFileStorage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	client, closeAll := openFileStorage(t, dir)
	var table []v1Entry
	for i := range 500 {
		table = append(table, v1Entry{guid(i), digest(byte(i))})
	}
	table = append(table, v1Entry{"sha256:00ff", digest(1)}, v1Entry{"7D9B0F1E-0000-0000-0000-000000000001", digest(2)})
	require.NoError(t, client.Set(ctx, "users.v1.digests", encodeV1(table...)))
	require.NoError(t, client.Set(ctx, "users.v1.delta.0", encodeV1(v1Entry{guid(1), digest(100)}, v1Entry{"sha256:00ff", digest(101)})))
	require.NoError(t, client.Set(ctx, "users.v1.delta.1", encodeV1(v1Entry{guid(1), digest(200)}, v1Entry{guid(9999), digest(201)})))
	want := map[string][16]byte{}
	for _, e := range table {
		want[e.id] = e.digest
	}
	want[guid(1)], want["sha256:00ff"], want[guid(9999)] = digest(200), digest(101), digest(201) // later entries win

	s := NewStore(client).Namespace("users")
	l := newDigests(s)
	read, retire, err := ImportV1(ctx, l, "v1.digests", v1DeltaName, 2)
	require.NoError(t, err)
	assert.Equal(t, 2, read)
	assert.Equal(t, want, contents(l))
	l.ClearSeen()
	n, _ := l.PruneUnseen(0)
	assert.Equal(t, len(want), n, "imported ids are unseen until a full listing returns them")
	for id, d := range want {
		l.Set(id, d)
	}
	ops := l.Commit()
	assert.Equal(t, "users.digests.v2.snapshot", ops[0].key, "an import is committed as a snapshot")
	require.NoError(t, s.Write(ctx, append(ops, retire...)...))
	closeAll()

	client, _ = openFileStorage(t, dir)
	s = NewStore(client).Namespace("users")
	loaded, deltas := reloadDigests(t, s)
	assert.Zero(t, deltas)
	assert.Equal(t, want, contents(loaded))
	for _, key := range []string{"users.v1.digests", "users.v1.delta.0", "users.v1.delta.1"} {
		v, err := client.Get(ctx, key)
		require.NoError(t, err)
		assert.Nil(t, v, "%s retired", key)
	}
}

// A damaged delta count (the users.v1 state's "deltas") allocates nothing for it: reading stops at
// the first missing delta, and costs the same for a count of 3 as for a million.
func TestImportV1DamagedCountAllocatesNothing(t *testing.T) {
	client := newMemClient()
	client.put("users.v1.digests", encodeV1(v1Entry{guid(1), digest(1)}))
	client.put("users.v1.delta.0", encodeV1(v1Entry{guid(2), digest(2)}))
	client.put("users.v1.delta.1", encodeV1(v1Entry{guid(3), digest(3)}))
	s := NewStore(client).Namespace("users")
	l := newDigests(s)

	before := client.gets.Load()
	read, retire, err := ImportV1(context.Background(), l, "v1.digests", v1DeltaName, 1_000_000)
	require.NoError(t, err)
	assert.Equal(t, 2, read)
	assert.Equal(t, int64(4), client.gets.Load()-before, "the snapshot, two deltas and the missing third")
	assert.Len(t, retire, 3)
	assert.Equal(t, 3, l.Len())

	allocs := func(n int) float64 {
		return testing.AllocsPerRun(20, func() { _, _, _ = ImportV1(context.Background(), l, "v1.digests", v1DeltaName, n) })
	}
	assert.Equal(t, allocs(3), allocs(1_000_000))

	read, retire, err = ImportV1(context.Background(), l, "v1.digests", v1DeltaName, -5)
	require.NoError(t, err)
	assert.Zero(t, read, "a negative count reads no delta")
	assert.Len(t, retire, 1)
}

func TestImportV1NothingStored(t *testing.T) {
	s := NewStore(newMemClient()).Namespace("users")
	l := newDigests(s)
	l.Set("before", digest(1))
	read, _, err := ImportV1(context.Background(), l, "v1.digests", v1DeltaName, 3)
	require.NoError(t, err)
	assert.Zero(t, read)
	assert.Zero(t, l.Len(), "the import replaces what the log held")
}

func TestImportV1Damaged(t *testing.T) {
	good := encodeV1(v1Entry{guid(1), digest(1)}, v1Entry{"s1", digest(2)})
	for _, tc := range []struct {
		name, key string
		value     []byte
	}{
		{"empty snapshot", "users.v1.digests", []byte{}},
		{"unknown format", "users.v1.digests", append([]byte{2}, good[1:]...)},
		{"unknown tag", "users.v1.delta.0", []byte{1, 'x'}},
		{"GUID entry cut short", "users.v1.delta.0", good[:20]},
		{"digest cut short", "users.v1.delta.0", good[:len(good)-1]},
		{"string longer than the value", "users.v1.delta.0", []byte{1, 's', 90, 'a'}},
		{"huge string length", "users.v1.delta.0", binary.AppendUvarint([]byte{1, 's'}, 1<<62)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := newMemClient()
			client.put("users.v1.digests", good)
			client.put("users.v1.delta.0", good)
			client.put(tc.key, tc.value)
			l := newDigests(NewStore(client).Namespace("users"))
			read, retire, err := ImportV1(context.Background(), l, "v1.digests", v1DeltaName, 1)
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), `checkpoint "`+tc.key+`"`)
			assert.Zero(t, read)
			assert.Contains(t, opKeys(retire), "-"+tc.key, "the damaged keys go with the fresh inventory")
			assert.Zero(t, l.Len())
			assert.Equal(t, "users.digests.v2.snapshot", l.Commit()[0].key, "an empty snapshot replaces them")
		})
	}
}

func TestImportV1ReadErrorIsNotCorrupt(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	l := newDigests(NewStore(client).Namespace("users"))
	_, retire, err := ImportV1(context.Background(), l, "v1.digests", v1DeltaName, 2)
	require.ErrorContains(t, err, `checkpoint "users.v1.digests": read: disk gone`)
	assert.NotErrorIs(t, err, ErrCorrupt, "retried, not reset")
	assert.Empty(t, retire)
}
