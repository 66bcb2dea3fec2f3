// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"strconv"
)

// Codec stores the values of a Log.
type Codec[V any] interface {
	// Append appends v's stored form to dst.
	Append(dst []byte, v V) []byte
	// Decode reads one value from the front of src and says how many bytes it took; it never
	// allocates more than src warrants.
	Decode(src []byte) (v V, n int, err error)
}

// Bytes16 stores 16-byte values, such as content digests, as themselves.
type Bytes16 struct{}

// Append appends v.
func (Bytes16) Append(dst []byte, v [16]byte) []byte { return append(dst, v[:]...) }

// Decode reads 16 bytes.
func (Bytes16) Decode(src []byte) ([16]byte, int, error) {
	var v [16]byte
	if len(src) < 16 {
		return v, 0, fmt.Errorf("16-byte value: %w", errCutShort)
	}
	copy(v[:], src)
	return v, 16, nil
}

// Log is a table id → V kept in memory and persisted as a snapshot plus numbered deltas: Commit
// stores what changed as one delta, Compact rewrites the snapshot and drops the deltas. It also
// marks the ids a full listing returns, so the ones it no longer returns can be pruned. Ids are
// stored compactly (a canonical lower-case GUID as 16 bytes); every id round-trips exactly. Not
// safe for concurrent use.
//
// Keys: "<name>.v2.snapshot" and "<name>.v2.delta.<n>", n from 0. A value is logFormatV2, the
// uvarint generation of the snapshot, then entries: a tag and the id (16 bytes after 'g' or 'G',
// uvarint length and bytes after 's' or 'S'), then for 'g' and 's' the codec's value; 'G' and 'S'
// delete the id. Deltas of another generation (left by a compaction whose deletes were lost) are
// not read.
type Log[V any] struct {
	store *Store // the store the log was made in: ImportV1 reads its keys there
	name  string
	codec Codec[V]

	guids map[[16]byte]logEntry[V]
	other map[string]logEntry[V]

	// changed holds the ids changed since they were last stored, with the number of that change.
	changed map[idKey]uint64
	change  uint64
	gen     uint64 // generation of the stored snapshot; 0 before the first
	deltas  int    // deltas stored on top of the snapshot
	// snapshotDue is set when what is in memory is not in storage as a base (an import, a damaged
	// load): the next Commit writes a snapshot.
	snapshotDue bool
}

type logEntry[V any] struct {
	v    V
	seen bool
}

const (
	logFormatV2     byte = 2
	logSetGUID      byte = 'g'
	logSetString    byte = 's'
	logDeleteGUID   byte = 'G'
	logDeleteString byte = 'S'
)

// NewLog returns the empty log name in s, its values stored with codec.
func NewLog[V any](s *Store, name string, codec Codec[V]) *Log[V] {
	mustBeName("log", name)
	l := &Log[V]{store: s, name: name, codec: codec}
	l.clear()
	return l
}

func (l *Log[V]) clear() {
	l.guids = make(map[[16]byte]logEntry[V])
	l.other = make(map[string]logEntry[V])
	l.changed = make(map[idKey]uint64)
	l.gen, l.deltas = 0, 0
}

// SnapshotKey is the key of the snapshot.
func (l *Log[V]) SnapshotKey() string { return l.store.key(l.name + ".v2.snapshot") }

// DeltaKey is the key of delta n.
func (l *Log[V]) DeltaKey(n int) string { return l.store.key(l.name + ".v2.delta." + strconv.Itoa(n)) }

// Len is how many ids the log holds.
func (l *Log[V]) Len() int { return len(l.guids) + len(l.other) }

// Deltas is how many deltas are stored on top of the snapshot: Compact when it grows too long.
func (l *Log[V]) Deltas() int { return l.deltas }

// Get returns the value stored for id.
func (l *Log[V]) Get(id string) (V, bool) {
	var e logEntry[V]
	var ok bool
	if g, isGUID := parseGUID(id); isGUID {
		e, ok = l.guids[g]
	} else {
		e, ok = l.other[id]
	}
	return e.v, ok
}

// Set stores v for id and marks id seen.
func (l *Log[V]) Set(id string, v V) {
	k := keyOf(id)
	if k.isGUID {
		l.guids[k.guid] = logEntry[V]{v: v, seen: true}
	} else {
		l.other[id] = logEntry[V]{v: v, seen: true}
	}
	l.touch(k)
}

// Delete forgets id.
func (l *Log[V]) Delete(id string) {
	k := keyOf(id)
	if !l.remove(k) {
		return
	}
	l.touch(k)
}

func (l *Log[V]) remove(k idKey) bool {
	if k.isGUID {
		_, ok := l.guids[k.guid]
		delete(l.guids, k.guid)
		return ok
	}
	_, ok := l.other[k.str]
	delete(l.other, k.str)
	return ok
}

func (l *Log[V]) touch(k idKey) {
	l.change++
	l.changed[k] = l.change
}

// All yields every id and its value, in no particular order.
func (l *Log[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		for g, e := range l.guids {
			if !yield(formatGUID(g), e.v) {
				return
			}
		}
		for id, e := range l.other {
			if !yield(id, e.v) {
				return
			}
		}
	}
}

// MarkSeen records that a full listing returned id.
func (l *Log[V]) MarkSeen(id string) {
	if g, ok := parseGUID(id); ok {
		if e, found := l.guids[g]; found && !e.seen {
			e.seen = true
			l.guids[g] = e
		}
		return
	}
	if e, found := l.other[id]; found && !e.seen {
		e.seen = true
		l.other[id] = e
	}
}

// ClearSeen starts a full listing: every id is unseen until the listing returns it.
func (l *Log[V]) ClearSeen() {
	for k, e := range l.guids {
		e.seen = false
		l.guids[k] = e
	}
	for k, e := range l.other {
		e.seen = false
		l.other[k] = e
	}
}

// PruneUnseen forgets the ids a complete full listing did not return (stored as deletions by the
// next Commit); it says how many, and names up to sample of them.
func (l *Log[V]) PruneUnseen(sample int) (n int, ids []string) {
	for g, e := range l.guids {
		if !e.seen {
			delete(l.guids, g)
			l.touch(idKey{guid: g, isGUID: true})
			if n++; len(ids) < sample {
				ids = append(ids, formatGUID(g))
			}
		}
	}
	for id, e := range l.other {
		if !e.seen {
			delete(l.other, id)
			l.touch(idKey{str: id})
			if n++; len(ids) < sample {
				ids = append(ids, id)
			}
		}
	}
	return n, ids
}

// Commit returns the ops that store what changed since the last stored write as one delta (nil
// when nothing did). Write them before the next Commit: changes a failed Write did not store are
// in the next delta again. When no stored snapshot holds what is in memory (after ImportV1 or a
// damaged Load), Commit is Compact.
func (l *Log[V]) Commit() []Op {
	if l.snapshotDue {
		return l.Compact()
	}
	if len(l.changed) == 0 {
		return nil
	}
	buf := l.header(l.gen)
	for k := range l.changed {
		buf = l.appendEntry(buf, k)
	}
	n, gen, upto := l.deltas, l.gen, l.change
	return []Op{setOp(l.DeltaKey(n), buf, func() {
		if l.gen == gen && l.deltas == n {
			l.deltas = n + 1
		}
		l.forget(upto)
	})}
}

// Compact returns the ops that store the whole table as a new snapshot and delete the deltas, in
// that order: at the end of a full listing, or when Deltas grows too long.
func (l *Log[V]) Compact() []Op {
	gen := rand.Uint64() | 1 // never 0, which means no snapshot
	buf := l.header(gen)
	for g, e := range l.guids {
		buf = append(buf, logSetGUID)
		buf = append(buf, g[:]...)
		buf = l.codec.Append(buf, e.v)
	}
	for id, e := range l.other {
		buf = appendString(append(buf, logSetString), id)
		buf = l.codec.Append(buf, e.v)
	}
	upto := l.change
	ops := make([]Op, 0, 1+l.deltas)
	ops = append(ops, setOp(l.SnapshotKey(), buf, func() {
		l.gen, l.deltas, l.snapshotDue = gen, 0, false
		l.forget(upto)
	}))
	for i := range l.deltas {
		ops = append(ops, deleteOp(l.DeltaKey(i)))
	}
	return ops
}

// forget drops the changes up to number upto: they are stored.
func (l *Log[V]) forget(upto uint64) {
	for k, c := range l.changed {
		if c <= upto {
			delete(l.changed, k)
		}
	}
	if len(l.changed) == 0 { // a map never shrinks: after a whole table was stored, start small again
		l.changed = make(map[idKey]uint64)
	}
}

func (l *Log[V]) header(gen uint64) []byte {
	buf := make([]byte, 0, 16+len(l.changed)*40)
	return binary.AppendUvarint(append(buf, logFormatV2), gen)
}

// appendEntry appends id's current value, or its deletion.
func (l *Log[V]) appendEntry(buf []byte, k idKey) []byte {
	if k.isGUID {
		e, ok := l.guids[k.guid]
		if !ok {
			return append(append(buf, logDeleteGUID), k.guid[:]...)
		}
		buf = append(append(buf, logSetGUID), k.guid[:]...)
		return l.codec.Append(buf, e.v)
	}
	e, ok := l.other[k.str]
	if !ok {
		return appendString(append(buf, logDeleteString), k.str)
	}
	buf = appendString(append(buf, logSetString), k.str)
	return l.codec.Append(buf, e.v)
}

// Load replaces the log with the stored snapshot and deltas, read one key at a time up to the first
// missing delta (or one of another generation), and says how many deltas it read. A value that
// cannot be decoded is an error naming the key and matching ErrCorrupt; the log is then empty and
// its next Commit writes a snapshot. Any other error is the storage failing to read.
func (l *Log[V]) Load(ctx context.Context) (deltas int, err error) {
	l.clear()
	l.snapshotDue = false
	defer func() {
		if err != nil {
			l.clear()
			l.snapshotDue = errors.Is(err, ErrCorrupt)
			deltas = 0
		}
	}()
	key := l.SnapshotKey()
	data, err := l.store.get(ctx, key)
	if err != nil {
		return 0, err
	}
	if data != nil {
		gen, err := l.apply(data, nil)
		if err != nil {
			return 0, corrupt(key, data, err)
		}
		l.gen = gen
	}
	for n := 0; ; n++ {
		key := l.DeltaKey(n)
		data, err := l.store.get(ctx, key)
		if err != nil {
			return 0, err
		}
		if data == nil {
			return n, nil
		}
		if _, err := l.apply(data, &l.gen); errors.Is(err, errOtherGeneration) {
			return n, nil
		} else if err != nil {
			return 0, corrupt(key, data, err)
		}
		l.deltas = n + 1
	}
}

func corrupt(key string, data []byte, err error) error {
	return fmt.Errorf("checkpoint %q: %w (%d bytes): %w", key, ErrCorrupt, len(data), err)
}

var errOtherGeneration = errors.New("delta of another generation")

// apply decodes a snapshot or a delta into the log, later entries replacing earlier ones; want, for
// a delta, is the generation it must belong to. Entries are not marked seen.
func (l *Log[V]) apply(data []byte, want *uint64) (gen uint64, err error) {
	switch {
	case len(data) == 0:
		return 0, errors.New("empty value")
	case data[0] != logFormatV2:
		return 0, fmt.Errorf("unknown log format %d", data[0])
	}
	gen, off, err := readUvarint(data, 1, "generation")
	if err != nil {
		return 0, err
	}
	if want != nil && gen != *want {
		return gen, errOtherGeneration
	}
	for off < len(data) {
		tag, at := data[off], off
		off++
		var g [16]byte
		var id string
		switch tag {
		case logSetGUID, logDeleteGUID:
			g, off, err = read16(data, off, "GUID")
		case logSetString, logDeleteString:
			id, off, err = readString(data, off)
		default:
			return 0, fmt.Errorf("unknown entry tag %d at byte %d", tag, at)
		}
		if err != nil {
			return 0, err
		}
		if tag == logDeleteGUID {
			l.remove(idKey{guid: g, isGUID: true})
			continue
		}
		if tag == logDeleteString {
			l.remove(keyOf(id))
			continue
		}
		v, n, err := l.codec.Decode(data[off:])
		if err != nil {
			return 0, fmt.Errorf("value at byte %d: %w", off, err)
		}
		if n < 0 || n > len(data)-off {
			return 0, fmt.Errorf("value at byte %d: codec read %d bytes", off, n)
		}
		off += n
		if tag == logSetString {
			if parsed, ok := parseGUID(id); ok { // only a damaged value spells a GUID as a string
				tag, g = logSetGUID, parsed
			}
		}
		if tag == logSetGUID {
			l.guids[g] = logEntry[V]{v: v}
		} else {
			l.other[id] = logEntry[V]{v: v}
		}
	}
	return gen, nil
}

// Drop returns the ops that delete every stored key of the log (its snapshot and its deltas), for a
// table that is no longer kept; the table in memory is left alone.
func (l *Log[V]) Drop(ctx context.Context) ([]Op, error) {
	var ops []Op
	data, err := l.store.get(ctx, l.SnapshotKey())
	if err != nil {
		return nil, err
	}
	if data != nil {
		ops = append(ops, deleteOp(l.SnapshotKey()))
	}
	for n := 0; ; n++ {
		data, err := l.store.get(ctx, l.DeltaKey(n))
		if err != nil {
			return nil, err
		}
		if data == nil {
			return ops, nil
		}
		ops = append(ops, deleteOp(l.DeltaKey(n)))
	}
}
