// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// guid is the n-th test GUID, canonical lower case.
func guid(n int) string {
	var g [16]byte
	binary.BigEndian.PutUint64(g[8:], uint64(n))
	g[0] = 0x7d
	return formatGUID(g)
}

func guids(from, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = guid(from + i)
	}
	return ids
}

// pushAndWrite pushes ids and writes the ops, failing the test on a write error.
func pushAndWrite(t *testing.T, s *Store, r *Ring, ids []string) []Op {
	t.Helper()
	ops := r.Push(ids)
	require.NoError(t, s.Write(context.Background(), ops...))
	return ops
}

func reloadRing(t *testing.T, s *Store, capacity, slots int) *Ring {
	t.Helper()
	r := NewRing(s, "recent", capacity, slots)
	require.NoError(t, r.Load(context.Background()))
	return r
}

func TestRingEvictsTheOldest(t *testing.T) {
	r := NewRing(NewStore(nil), "recent", 5, 3)
	r.Push([]string{"a", "b", "c"})
	r.Push([]string{"d", "", "b", "e", "f", "f", "g"}) // empty and repeated ids are not remembered again
	for id, want := range map[string]bool{"a": false, "b": false, "c": true, "d": true, "e": true, "f": true, "g": true, "": false} {
		assert.Equal(t, want, r.Contains(id), id)
	}
	assert.Equal(t, 5, r.Len())
}

// After every page, a ring loaded from storage remembers exactly what the ring in memory does,
// whatever the page sizes.
func TestRingReloadRemembersWhatMemoryDoes(t *testing.T) {
	for _, tc := range []struct {
		capacity, slots, maxPage int
	}{
		{capacity: 4000, slots: 5, maxPage: 2000},
		{capacity: 4000, slots: 9, maxPage: 2000},
		{capacity: 4000, slots: 3, maxPage: 5},
		{capacity: 7, slots: 2, maxPage: 3},
		{capacity: 10, slots: 4, maxPage: 25},
		{capacity: 1, slots: 2, maxPage: 2},
	} {
		t.Run(fmt.Sprintf("%d ids %d slots pages up to %d", tc.capacity, tc.slots, tc.maxPage), func(t *testing.T) {
			client := newMemClient()
			s := NewStore(client).Namespace("monitor")
			r := NewRing(s, "recent", tc.capacity, tc.slots)
			rnd := rand.New(rand.NewPCG(1, uint64(tc.capacity)))
			next := 0
			for page := range 30 {
				n := rnd.IntN(tc.maxPage + 1)
				ids := guids(next, n)
				if page%4 == 1 && n > 0 {
					ids[0] = fmt.Sprintf("non-guid-%d", next) // strings and GUIDs mixed in one slot
				}
				if page%5 == 2 && next > 0 {
					ids = append(ids, guid(next-1)) // a repeat
				}
				next += n
				pushAndWrite(t, s, r, ids)
				loaded := reloadRing(t, s, tc.capacity, tc.slots)
				require.Equal(t, r.Len(), loaded.Len(), "page %d", page)
				for i := max(0, next-2*tc.capacity-5); i < next; i++ {
					require.Equal(t, r.Contains(guid(i)), loaded.Contains(guid(i)), "page %d id %d", page, i)
				}
				r = loaded // go on from the reloaded ring, as a restart would
			}
		})
	}
}

// A push writes only the slots it filled, never the whole ring, and there is no head key.
func TestRingPushWritesOnlyTheSlotsItFilled(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	r := NewRing(s, "recent", 4000, 5) // 1000 ids a slot
	pushAndWrite(t, s, r, guids(0, 2000))
	for page := 1; page < 6; page++ {
		ops := pushAndWrite(t, s, r, guids(page*2000, 2000))
		assert.Len(t, ops, 2, "a page of 2000 fills two slots of 1000")
	}
	ops := pushAndWrite(t, s, r, guids(12000, 3))
	assert.Equal(t, []string{"monitor.recent.v1.2"}, opKeys(ops), "a small page rewrites the slot it lands in")
	assert.Empty(t, r.Push(guids(12000, 3)), "nothing new, nothing to write")
	assert.Len(t, client.keys(), 5)
}

// The bytes one page of 2000 GUIDs costs, against the JSON list of 4000 ids monitor.v1 rewrote.
func TestRingBytesPerPage(t *testing.T) {
	recent := guids(0, 4000)
	legacy, err := json.Marshal(stateV1{Cursor: "2026-10-02T14:05:11.4410027Z", RecentIDs: recent})
	require.NoError(t, err)
	for _, slots := range []int{3, 5, 9, 17} {
		s := NewStore(nil).Namespace("monitor")
		r := NewRing(s, "recent", 4000, slots)
		pushAndWrite(t, s, r, guids(0, 2000))
		written, worst := 0, 0
		const pages = 20
		for page := 1; page <= pages; page++ {
			n := opBytes(pushAndWrite(t, s, r, guids(page*2000, 2000)))
			written += n
			worst = max(worst, n)
		}
		odd := 0 // pages of 1999 ids fall across slot bounds
		for page := range pages {
			odd = max(odd, opBytes(pushAndWrite(t, s, r, guids(100_000+page*1999, 1999))))
		}
		small := 0 // caught up: pages of 10 ids rewrite the slot they land in
		for page := range 400 {
			small += opBytes(pushAndWrite(t, s, r, guids(200_000+page*10, 10)))
		}
		t.Logf("ring of 4000 in %d slots: %d bytes per 2000-GUID page (worst %d; %d for 1999-id pages), %d on average for a 10-id page; monitor.v1 JSON: %d bytes per page",
			slots, written/pages, worst, odd, small/400, len(legacy))
		assert.Less(t, worst, 2000*16+40*slots, "16 bytes a GUID plus a key and a header a slot")
		assert.Less(t, odd*2, len(legacy))
		assert.Less(t, small/400*8, len(legacy))
	}
}

// A slot a failed write did not store is written again with the next push.
func TestRingRewritesWhatAFailedWriteLost(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	r := NewRing(s, "recent", 40, 5) // 10 ids a slot
	pushAndWrite(t, s, r, guids(0, 10))
	client.failBatch = errors.New("disk full")
	require.Error(t, s.Write(context.Background(), r.Push(guids(10, 10))...))
	client.failBatch = nil
	ops := pushAndWrite(t, s, r, guids(20, 10))
	assert.Equal(t, []string{"monitor.recent.v1.1", "monitor.recent.v1.2"}, opKeys(ops))
	loaded := reloadRing(t, s, 40, 5)
	for i := range 30 {
		assert.True(t, loaded.Contains(guid(i)), i)
	}
}

// Ids round-trip exactly: only canonical lower-case GUIDs are packed, so no two ids share a form.
func TestRingKeepsEveryIDExactly(t *testing.T) {
	canonical := "7d9b0f1e-2243-3384-4455-556666777700"
	ids := []string{
		canonical,
		strings.ToUpper(canonical),
		"{" + canonical + "}",
		"7d9b0f1e--22--4333-8444-555566667777",
		"7d9b0f1e-2243-3384-4455-55666677770g",
		"événement-42",
		strings.Repeat("x", 5000),
		"a",
	}
	s := NewStore(newMemClient()).Namespace("monitor")
	r := NewRing(s, "recent", 100, 3)
	pushAndWrite(t, s, r, ids)
	loaded := reloadRing(t, s, 100, 3)
	assert.Equal(t, len(ids), loaded.Len())
	for _, id := range ids {
		assert.True(t, loaded.Contains(id), id)
	}
	assert.False(t, loaded.Contains("7d9b0f1e-2243-3384-4455-556666777701"))
}

func TestRingLoadDamagedSlot(t *testing.T) {
	good := NewRing(NewStore(nil), "recent", 10, 2).Push([]string{guid(1), "s1"})[0].value
	for _, tc := range []struct {
		name  string
		value []byte
	}{
		{"empty", []byte{}},
		{"unknown format", append([]byte{9}, good[1:]...)},
		{"no first position", []byte{ringFormatV1}},
		{"first position cut short", []byte{ringFormatV1, 0x80}},
		{"run length cut short", []byte{ringFormatV1, 0, ringRunGUIDs}},
		{"GUID run longer than the value", []byte{ringFormatV1, 0, ringRunGUIDs, 2, 1, 2, 3}},
		{"huge GUID run", binary.AppendUvarint([]byte{ringFormatV1, 0, ringRunGUIDs}, 1<<62)},
		{"huge string run", binary.AppendUvarint([]byte{ringFormatV1, 0, ringRunStrings}, 1<<62)},
		{"string longer than the value", []byte{ringFormatV1, 0, ringRunStrings, 1, 40, 'a'}},
		{"empty id", []byte{ringFormatV1, 0, ringRunStrings, 1, 0}},
		{"unknown run", []byte{ringFormatV1, 0, 'z', 1, 0}},
		{"first position overflows", binary.AppendUvarint([]byte{ringFormatV1}, 1<<63)},
		{"truncated good slot", good[:len(good)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := newMemClient()
			s := NewStore(client).Namespace("monitor")
			client.put("monitor.recent.v1.0", good)
			client.put("monitor.recent.v1.1", tc.value)
			r := NewRing(s, "recent", 10, 2)
			err := r.Load(context.Background())
			require.ErrorIs(t, err, ErrCorrupt)
			assert.Contains(t, err.Error(), `checkpoint "monitor.recent.v1.1"`)
			assert.Zero(t, r.Len())
			ops := r.Push([]string{"e1"})
			assert.Len(t, ops, 2, "the next push rewrites every slot, the damaged one too")
			require.NoError(t, s.Write(context.Background(), ops...))
			require.NoError(t, reloadRing(t, s, 10, 2).Load(context.Background()))
		})
	}
}

func TestRingReadErrorIsNotCorrupt(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	err := NewRing(NewStore(client), "recent", 10, 2).Load(context.Background())
	require.ErrorContains(t, err, "disk gone")
	assert.NotErrorIs(t, err, ErrCorrupt)
}

// Slots that do not continue the newest ones are stale (a lost write, an older life) and ignored.
func TestRingIgnoresStaleSlots(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	r := NewRing(s, "recent", 20, 3) // 10 ids a slot
	pushAndWrite(t, s, r, guids(0, 25))
	stale := NewRing(NewStore(nil).Namespace("monitor"), "recent", 20, 3)
	staleOps := stale.Seed(guids(1000, 5)) // positions 0..4 in slot 0
	client.put("monitor.recent.v1.0", staleOps[0].value)

	loaded := reloadRing(t, s, 20, 3)
	assert.False(t, loaded.Contains(guid(1000)), "the stale slot is not read")
	for i := 10; i < 25; i++ {
		assert.True(t, loaded.Contains(guid(i)), i)
	}
	ops := loaded.Push([]string{"next"})
	assert.Contains(t, opKeys(ops), "-monitor.recent.v1.0", "the stale slot is deleted with the next push")
}

// Migrating from monitor.v1: the JSON list seeds the ring, written in full once.
func TestRingSeedFromV1List(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	client.put("monitor.recent.v1.4", []byte("left over"))
	r := NewRing(s, "recent", 4000, 5)
	ops := r.Seed(guids(0, 4500)) // a list longer than the ring keeps its newest ids
	assert.Len(t, ops, 5, "every slot is written or deleted")
	require.NoError(t, s.Write(context.Background(), ops...))
	loaded := reloadRing(t, s, 4000, 5)
	assert.Equal(t, 4000, loaded.Len())
	assert.False(t, loaded.Contains(guid(499)))
	assert.True(t, loaded.Contains(guid(500)))
	assert.True(t, loaded.Contains(guid(4499)))

	require.NoError(t, s.Write(context.Background(), loaded.Seed(nil)...))
	assert.Empty(t, client.keys(), "Seed(nil) starts over")
}

// A ring reloaded with another layout keeps what it can read and converges to the new one.
func TestRingSurvivesALayoutChange(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	pushAndWrite(t, s, NewRing(s, "recent", 4000, 5), guids(0, 5000))
	r := reloadRing(t, s, 4000, 9)
	assert.Equal(t, 4000, r.Len())
	assert.True(t, r.Contains(guid(1000)))
	pushAndWrite(t, s, r, guids(5000, 700))
	loaded := reloadRing(t, s, 4000, 9)
	for i := 1000; i < 5700; i++ {
		require.Equal(t, r.Contains(guid(i)), loaded.Contains(guid(i)), i)
	}
}

func TestRingRestartsOnFileStorage(t *testing.T) {
	dir := t.TempDir()
	client, closeAll := openFileStorage(t, dir)
	s := NewStore(client).Namespace("monitor")
	r := NewRing(s, "recent", 4000, 5)
	for page := range 5 {
		pushAndWrite(t, s, r, guids(page*2000, 2000))
	}
	closeAll()
	client, _ = openFileStorage(t, dir)
	loaded := reloadRing(t, NewStore(client).Namespace("monitor"), 4000, 5)
	assert.Equal(t, 4000, loaded.Len())
	assert.True(t, loaded.Contains(guid(6000)))
	assert.True(t, loaded.Contains(guid(9999)))
	assert.False(t, loaded.Contains(guid(5999)))
}

// Positions only grow, so a seed whose other slot writes were lost (storage without transactions)
// is still the newest thing stored.
func TestRingSeedIsNewestEvenIfOnlyPartlyStored(t *testing.T) {
	client := newMemClient()
	s := NewStore(client).Namespace("monitor")
	r := NewRing(s, "recent", 20, 3) // 10 ids a slot
	pushAndWrite(t, s, r, guids(0, 25))
	ops := r.Seed([]string{"seeded"})
	for _, op := range ops {
		if !op.del && op.key != "" {
			require.NoError(t, s.Write(context.Background(), op)) // the slot holding the seed only
		}
	}
	loaded := reloadRing(t, s, 20, 3)
	assert.True(t, loaded.Contains("seeded"))
}
