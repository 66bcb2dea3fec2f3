// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Ring remembers the last capacity distinct ids pushed, for a duplicate guard. It persists them in
// slots of ceil(capacity/(slots-1)) ids: a push writes only the slots it changed (one or two for a
// page), never the whole ring, and the slots always hold at least the last capacity ids. Each slot
// carries the position of its first id, so there is no head key to keep in step. Not safe for
// concurrent use.
//
// Slot value (key "<name>.v1.<slot>"): ringFormatV1, uvarint position of the first id, then runs:
// 'g' uvarint count and count GUIDs of 16 bytes, or 's' uvarint count and count uvarint-length strings.
type Ring struct {
	store    *Store
	name     string
	capacity int
	perSlot  uint64

	ids   []string // the id at position p is ids[p%capacity] while p >= total-capacity
	set   map[string]struct{}
	total uint64 // ids ever pushed: the next id's position

	// Per slot: the first position of the range it holds, whether it holds one, how often it
	// changed, and which change was last stored.
	start   []uint64
	used    []bool
	changes []uint64
	stored  []uint64
}

const (
	ringFormatV1   byte = 1
	ringRunGUIDs   byte = 'g'
	ringRunStrings byte = 's'
)

// NewRing returns the ring name in s, remembering capacity ids in slots slots (at least 2).
func NewRing(s *Store, name string, capacity, slots int) *Ring {
	mustBeName("ring", name)
	if capacity < 1 || slots < 2 {
		panic(fmt.Sprintf("checkpoint: ring %q needs capacity ≥ 1 and slots ≥ 2, not %d and %d", name, capacity, slots))
	}
	r := &Ring{
		store: s, name: name, capacity: capacity,
		perSlot: uint64((capacity + slots - 2) / (slots - 1)),
		start:   make([]uint64, slots), used: make([]bool, slots),
		changes: make([]uint64, slots), stored: make([]uint64, slots),
	}
	r.clear()
	return r
}

// Contains reports whether id is among the last capacity ids pushed.
func (r *Ring) Contains(id string) bool {
	_, ok := r.set[id]
	return ok
}

// Len is how many ids the ring remembers.
func (r *Ring) Len() int { return len(r.set) }

// Push remembers ids in order (empty ids and ids already remembered are skipped), forgetting the
// oldest beyond capacity, and returns the ops that store the slots changed since the last stored
// write: the slots this push filled, and any a failed Write left unstored.
func (r *Ring) Push(ids []string) []Op {
	for _, id := range ids {
		if id != "" && !r.Contains(id) {
			r.add(id)
		}
	}
	return r.unstored()
}

// Seed replaces what the ring remembers with ids (oldest first) and returns the ops that rewrite
// every slot: for migrating from a list stored elsewhere, or, with nil, for starting over.
func (r *Ring) Seed(ids []string) []Op {
	next := (r.total + r.perSlot - 1) / r.perSlot * r.perSlot // positions only grow: newest is highest
	r.clear()
	r.total = next
	for j := range r.changes {
		r.changes[j]++
	}
	return r.Push(ids)
}

// Load restores the ring from its slots. A slot that cannot be decoded is an error naming its key
// and matching ErrCorrupt; the ring is then empty, and the next Push rewrites every slot. Slots that
// do not continue the newest ones (left by a failed write or another layout) are ignored, and
// rewritten or deleted by the next Push. Any other error is the storage failing to read.
func (r *Ring) Load(ctx context.Context) (err error) {
	r.clear()
	defer func() {
		if err != nil {
			r.clear()
			for j := range r.changes {
				r.changes[j]++
			}
		}
	}()
	var found []storedSlot
	for j := range r.start {
		key := r.slotKey(j)
		data, err := r.store.get(ctx, key)
		if err != nil {
			return err
		}
		if data == nil {
			continue
		}
		first, ids, err := decodeSlot(data)
		if err != nil {
			return fmt.Errorf("checkpoint %q: %w (%d bytes): %w", key, ErrCorrupt, len(data), err)
		}
		found = append(found, storedSlot{j: j, first: first, ids: ids})
	}
	// Newest first; walk back through the slots that continue one another until capacity is covered.
	slices.SortFunc(found, func(a, b storedSlot) int {
		return cmp.Or(cmp.Compare(b.first, a.first), cmp.Compare(len(b.ids), len(a.ids)))
	})
	var chain []storedSlot
	covered := 0
	for _, s := range found {
		if covered >= r.capacity {
			break
		}
		if len(s.ids) == 0 || len(chain) > 0 && s.first+uint64(len(s.ids)) != chain[len(chain)-1].first {
			continue
		}
		chain = append(chain, s)
		covered += len(s.ids)
	}
	if len(chain) == 0 {
		r.markStoredAs(found, nil)
		return nil
	}
	r.total = chain[0].first + uint64(len(chain[0].ids))
	skip := max(covered-r.capacity, 0)
	for i := len(chain) - 1; i >= 0; i-- {
		ids := chain[i].ids
		if skip > 0 {
			n := min(skip, len(ids))
			ids, skip = ids[n:], skip-n
		}
		for k, id := range ids {
			pos := chain[i].first + uint64(len(chain[i].ids)-len(ids)+k)
			r.place(pos, id)
		}
	}
	r.markStoredAs(found, chain)
	return nil
}

// markStoredAs marks clean the slots whose stored value is what the next push would write, near
// enough: a chain slot that covers its range and ends where it does, or no value for an unused
// slot. Every other slot (stale, or another layout's) is rewritten or deleted by the next Push.
func (r *Ring) markStoredAs(found, chain []storedSlot) {
	stored := make(map[int]*storedSlot, len(found))
	for i := range found {
		stored[found[i].j] = nil // holds something not in the chain
	}
	for i := range chain {
		stored[chain[i].j] = &chain[i]
	}
	for j := range r.start {
		r.changes[j]++
		lo, hi := r.rangeOf(j)
		s, ok := stored[j]
		if (!ok && lo >= hi) || (s != nil && lo < hi && s.first <= lo && s.first+uint64(len(s.ids)) == hi) {
			r.stored[j] = r.changes[j]
		}
	}
}

// storedSlot is a slot value as Load read it.
type storedSlot struct {
	j     int
	first uint64
	ids   []string
}

// clear forgets every id; what is stored is left as it is.
func (r *Ring) clear() {
	r.ids = make([]string, r.capacity)
	r.set = make(map[string]struct{}, r.capacity)
	r.total = 0
	clear(r.start)
	clear(r.used)
}

// add remembers id at the next position, in the slot that position belongs to.
func (r *Ring) add(id string) {
	r.place(r.total, id)
	r.total++
}

// place puts id at position pos, forgetting the id capacity positions older.
func (r *Ring) place(pos uint64, id string) {
	i := int(pos % uint64(r.capacity))
	if old := r.ids[i]; old != "" {
		delete(r.set, old)
	}
	r.ids[i] = id
	r.set[id] = struct{}{}
	k := pos / r.perSlot
	j := int(k % uint64(len(r.start)))
	r.start[j], r.used[j] = k*r.perSlot, true
	r.changes[j]++
}

// rangeOf is the positions slot j holds that the ring still remembers: [lo, hi).
func (r *Ring) rangeOf(j int) (lo, hi uint64) {
	if !r.used[j] {
		return 0, 0
	}
	oldest := r.total - min(r.total, uint64(r.capacity))
	return max(r.start[j], oldest), min(r.start[j]+r.perSlot, r.total)
}

// unstored returns the ops for the slots changed since they were last stored.
func (r *Ring) unstored() []Op {
	var ops []Op
	for j, c := range r.changes {
		if c != r.stored[j] {
			ops = append(ops, r.slotOp(j))
		}
	}
	return ops
}

func (r *Ring) slotKey(j int) string {
	return r.store.key(r.name + ".v1." + strconv.Itoa(j))
}

// slotOp writes slot j as the ring holds it now, or deletes it when it holds nothing.
func (r *Ring) slotOp(j int) Op {
	change := r.changes[j]
	saved := func() {
		if r.stored[j] < change {
			r.stored[j] = change
		}
	}
	lo, hi := r.rangeOf(j)
	if lo >= hi {
		return Op{key: r.slotKey(j), del: true, saved: saved}
	}
	buf := make([]byte, 0, 1+binary.MaxVarintLen64+int(hi-lo)*17)
	buf = append(buf, ringFormatV1)
	buf = binary.AppendUvarint(buf, lo)
	for pos := lo; pos < hi; {
		_, guid := parseGUID(r.at(pos))
		end := pos + 1
		for end < hi {
			if _, g := parseGUID(r.at(end)); g != guid {
				break
			}
			end++
		}
		if guid {
			buf = append(buf, ringRunGUIDs)
		} else {
			buf = append(buf, ringRunStrings)
		}
		buf = binary.AppendUvarint(buf, end-pos)
		for ; pos < end; pos++ {
			if g, ok := parseGUID(r.at(pos)); ok {
				buf = append(buf, g[:]...)
			} else {
				buf = appendString(buf, r.at(pos))
			}
		}
	}
	return setOp(r.slotKey(j), buf, saved)
}

func (r *Ring) at(pos uint64) string { return r.ids[pos%uint64(r.capacity)] }

// decodeSlot reads a slot value; it allocates no more than the value's size warrants.
func decodeSlot(data []byte) (first uint64, ids []string, err error) {
	switch {
	case len(data) == 0:
		return 0, nil, errors.New("empty value")
	case data[0] != ringFormatV1:
		return 0, nil, fmt.Errorf("unknown ring format %d", data[0])
	}
	first, off, err := readUvarint(data, 1, "first position")
	if err != nil {
		return 0, nil, err
	}
	for off < len(data) {
		tag, tagAt := data[off], off
		var n uint64
		if n, off, err = readUvarint(data, off+1, "run length"); err != nil {
			return 0, nil, err
		}
		switch tag {
		case ringRunGUIDs:
			if n > uint64(len(data)-off)/16 {
				return 0, nil, fmt.Errorf("run of %d GUIDs at byte %d: %w", n, off, errCutShort)
			}
			for range n {
				var g [16]byte
				g, off, _ = read16(data, off, "GUID")
				ids = append(ids, formatGUID(g))
			}
		case ringRunStrings:
			if n > uint64(len(data)-off) {
				return 0, nil, fmt.Errorf("run of %d ids at byte %d: %w", n, off, errCutShort)
			}
			for range n {
				var id string
				if id, off, err = readString(data, off); err != nil {
					return 0, nil, err
				}
				if id == "" {
					return 0, nil, fmt.Errorf("empty id before byte %d", off)
				}
				ids = append(ids, id)
			}
		default:
			return 0, nil, fmt.Errorf("unknown run tag %d at byte %d", tag, tagAt)
		}
	}
	if first > math.MaxUint64/2-uint64(len(ids)) {
		return 0, nil, fmt.Errorf("first position %d out of range", first)
	}
	return first, ids, nil
}
