// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Older is a key an earlier version wrote a Record's value under, and how to read it.
type Older[T any] struct {
	// Name is the key in the record's store, e.g. "v1" for "monitor.v1".
	Name string
	// Decode turns the stored bytes into the current type; an error makes Load fail with ErrCorrupt.
	Decode func(data []byte) (T, error)
}

// Record is one JSON value under a versioned key (e.g. "monitor.v2"), which can read the keys
// earlier versions wrote (e.g. "monitor.v1") so an upgrade migrates instead of starting over.
type Record[T any] struct {
	store *Store
	key   string
	older []olderKey[T]
}

type olderKey[T any] struct {
	key    string
	decode func([]byte) (T, error)
}

// NewRecord returns the record name in s. older lists the keys of earlier versions, newest first;
// Load reads them only when name holds nothing.
func NewRecord[T any](s *Store, name string, older ...Older[T]) *Record[T] {
	mustBeName("record", name)
	r := &Record[T]{store: s, key: s.key(name)}
	for _, o := range older {
		if !isLegacyName(o.Name) || o.Name == name || o.Decode == nil {
			panic(fmt.Sprintf("checkpoint: record %q: older key %q needs a name of its own and a Decode", r.key, o.Name))
		}
		r.older = append(r.older, olderKey[T]{key: s.key(o.Name), decode: o.Decode})
	}
	return r
}

// Key is the record's storage key.
func (r *Record[T]) Key() string { return r.key }

// Load returns the stored value and the key it came from: "" when nothing is stored, Key() for the
// current format, or an older key, whose value the caller should write back with Set (and Retire).
// A stored JSON null is found, as the zero value; an empty or undecodable value is an error naming
// the key and matching ErrCorrupt, never a silent reset. Any other error is the storage failing to
// read, worth retrying. A current value, even damaged, hides the older keys.
func (r *Record[T]) Load(ctx context.Context) (v T, from string, err error) {
	data, err := r.store.get(ctx, r.key)
	if err != nil {
		return v, "", err
	}
	if data != nil {
		v, err = decodeValue(r.key, data, jsonDecode[T])
		return v, r.key, err
	}
	for _, o := range r.older {
		data, err := r.store.get(ctx, o.key)
		if err != nil {
			return v, "", err
		}
		if data != nil {
			v, err = decodeValue(o.key, data, o.decode)
			return v, o.key, err
		}
	}
	return v, "", nil
}

func decodeValue[T any](key string, data []byte, decode func([]byte) (T, error)) (T, error) {
	if len(data) == 0 {
		var zero T
		return zero, fmt.Errorf("checkpoint %q: %w: empty value", key, ErrCorrupt)
	}
	v, err := decode(data)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("checkpoint %q: %w (%d bytes): %w", key, ErrCorrupt, len(data), err)
	}
	return v, nil
}

func jsonDecode[T any](data []byte) (T, error) {
	var v T
	err := json.Unmarshal(data, &v)
	return v, err
}

// Set is the op that stores v under the record's key; a value JSON cannot encode fails the Write.
func (r *Record[T]) Set(v T) Op {
	data, err := json.Marshal(v)
	if err != nil {
		return Op{key: r.key, err: fmt.Errorf("checkpoint %q: encode: %w", r.key, err)}
	}
	return setOp(r.key, data, nil)
}

// Retire is the ops that delete the older keys: write them with the Set that migrates the value.
func (r *Record[T]) Retire() []Op {
	ops := make([]Op, 0, len(r.older))
	for _, o := range r.older {
		ops = append(ops, deleteOp(o.key))
	}
	return ops
}

// isLegacyName accepts the keys earlier versions used: dot-separated names, e.g. "v1.digests".
func isLegacyName(name string) bool {
	for part := range strings.SplitSeq(name, ".") {
		if !isName(part) {
			return false
		}
	}
	return true
}

// Delete returns the op that deletes the record.
func (r *Record[T]) Delete() Op { return deleteOp(r.key) }
