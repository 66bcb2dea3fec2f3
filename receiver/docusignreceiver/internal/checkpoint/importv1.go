// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"context"
	"errors"
	"fmt"
)

// The v1 digest format, written before the Log existed (users.v1.digests and users.v1.delta.<n>):
// importV1Format, then entries 'g' + 16-byte GUID + 16-byte digest, or 's' + uvarint length + id
// bytes + 16-byte digest. Snapshot and deltas share it; later entries replace earlier ones.
const (
	importV1Format byte = 1
	importV1GUID   byte = 'g'
	importV1String byte = 's'
)

// ImportV1 replaces l's content with the v1 digests stored under snapshot and deltas 0..n-1 (names
// in the store l was made in, e.g. "v1.digests" and "v1.delta.<i>"), read one key at a time up to
// the first missing delta, so a damaged n allocates nothing. It returns how many deltas it read and
// the ops that delete the keys it read. Write those with l's next Commit (a full snapshot, since the
// import is in memory only) and the record that no longer names the v1 keys, in one Write.
// A value that cannot be decoded is an error naming its key and matching ErrCorrupt: l is then
// empty, its next Commit writes an empty snapshot, and retire still deletes the keys read so far
// and the damaged one. Any other error is the storage failing to read: nothing to retire.
func ImportV1(ctx context.Context, l *Log[[16]byte], snapshot string, delta func(i int) string, n int) (read int, retire []Op, err error) {
	l.clear()
	l.snapshotDue = true
	for i := -1; i < max(n, 0); i++ {
		key := l.store.key(snapshot)
		if i >= 0 {
			key = l.store.key(delta(i))
		}
		data, err := l.store.get(ctx, key)
		if err != nil {
			l.clear()
			return 0, nil, err
		}
		if data == nil && i >= 0 {
			return i, retire, nil
		}
		retire = append(retire, deleteOp(key))
		if err := applyV1(l, data); err != nil {
			l.clear()
			return 0, retire, corrupt(key, data, err)
		}
	}
	return max(n, 0), retire, nil
}

// applyV1 decodes a v1 table or delta into l; nothing stored is an empty table.
func applyV1(l *Log[[16]byte], data []byte) error {
	if data == nil {
		return nil
	}
	if len(data) == 0 {
		return errors.New("empty value")
	}
	if data[0] != importV1Format {
		return fmt.Errorf("unknown digest format %d", data[0])
	}
	for off := 1; off < len(data); {
		tag, at := data[off], off
		off++
		var g [16]byte
		var id string
		var err error
		switch tag {
		case importV1GUID:
			g, off, err = read16(data, off, "GUID")
		case importV1String:
			id, off, err = readString(data, off)
		default:
			return fmt.Errorf("unknown entry tag %d at byte %d", tag, at)
		}
		if err != nil {
			return err
		}
		var digest [16]byte
		if digest, off, err = read16(data, off, "digest"); err != nil {
			return err
		}
		if tag == importV1String {
			if parsed, ok := parseGUID(id); ok { // v1 never wrote a GUID as a string; a damaged value might
				tag, g = importV1GUID, parsed
			}
		}
		if tag == importV1GUID {
			l.guids[g] = logEntry[[16]byte]{v: digest}
		} else {
			l.other[id] = logEntry[[16]byte]{v: digest}
		}
	}
	return nil
}
