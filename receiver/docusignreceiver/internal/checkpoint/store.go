// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// SaveTimeout bounds one Write: a checkpoint write runs even during shutdown, but never holds it forever.
const SaveTimeout = 10 * time.Second

var (
	// ErrCorrupt matches (errors.Is) a stored value that cannot be decoded: retrying cannot help,
	// unlike a storage read error.
	ErrCorrupt = errors.New("stored value is not valid")
	// ErrClosed matches (errors.Is) an operation refused because the store was closed.
	ErrClosed = errors.New("checkpoint store already closed by shutdown")
)

// Op is one change to storage, made by a Record, a Ring or a Log and run by Store.Write.
type Op struct {
	key   string
	value []byte
	del   bool
	err   error  // the value could not be encoded: Write refuses the whole batch
	saved func() // tells the op's maker that its change is stored
}

// Key is the storage key the op changes.
func (o Op) Key() string { return o.key }

// Size is how many bytes the op writes (0 for a delete).
func (o Op) Size() int { return len(o.value) }

func setOp(key string, value []byte, saved func()) Op {
	return Op{key: key, value: value, saved: saved}
}

func deleteOp(key string) Op { return Op{key: key, del: true} }

// Store is the receiver's one handle on its storage client; Namespace gives each source its own keys.
// The root store and its namespaces share one gate: Close on the root refuses every later operation.
type Store struct {
	gate   *gate
	prefix string // "" for the root, "monitor." for a namespace
}

// NewStore wraps client; a nil client keeps nothing (storage.NewNopClient).
func NewStore(client storage.Client) *Store {
	if client == nil {
		client = storage.NewNopClient()
	}
	g := &gate{client: client}
	g.timeout.Store(int64(SaveTimeout))
	return &Store{gate: g}
}

// Namespace returns a store whose keys all start with "<name>.": a source given it can neither read
// nor write another source's keys, since names hold no dot. name is a constant of the caller's code.
func (s *Store) Namespace(name string) *Store {
	mustBeName("namespace", name)
	return &Store{gate: s.gate, prefix: s.prefix + name + "."}
}

// SetSaveTimeout replaces SaveTimeout for this store and all that share its client (tests).
func (s *Store) SetSaveTimeout(d time.Duration) { s.gate.timeout.Store(int64(d)) }

// Write runs ops in one storage batch (one transaction where the storage has them). It runs on a
// context a shutdown already under way does not cancel, bounded by the save timeout. Once the batch
// is stored, the makers of the ops learn it: a Ring or a Log rewrites next time what a failed Write
// did not store. A namespace refuses ops for keys outside it.
func (s *Store) Write(ctx context.Context, ops ...Op) error {
	if len(ops) == 0 {
		return nil
	}
	batch := make([]*storage.Operation, 0, len(ops))
	var errs []error
	for _, op := range ops {
		switch {
		case op.err != nil:
			errs = append(errs, op.err)
		case op.key == "":
			errs = append(errs, errors.New("checkpoint: an op without key"))
		case !strings.HasPrefix(op.key, s.prefix):
			errs = append(errs, fmt.Errorf("checkpoint %q: outside namespace %q", op.key, s.prefix))
		case op.del:
			batch = append(batch, storage.DeleteOperation(op.key))
		default:
			batch = append(batch, storage.SetOperation(op.key, op.value))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("checkpoint write %s: nothing written: %w", describe(ops), errors.Join(errs...))
	}
	if err := s.gate.enter(); err != nil {
		return fmt.Errorf("checkpoint write %s: %w", describe(ops), err)
	}
	defer s.gate.leave()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(s.gate.timeout.Load()))
	defer cancel()
	if err := s.gate.client.Batch(ctx, batch...); err != nil {
		return fmt.Errorf("checkpoint write %s: %w", describe(ops), err)
	}
	for _, op := range ops {
		if op.saved != nil {
			op.saved()
		}
	}
	return nil
}

// describe names the keys of a batch for an error: the first three and how many more.
func describe(ops []Op) string {
	const named = 3
	keys := make([]string, 0, named)
	for _, op := range ops[:min(len(ops), named)] {
		keys = append(keys, fmt.Sprintf("%q", op.key))
	}
	if more := len(ops) - named; more > 0 {
		return fmt.Sprintf("%s and %d more", strings.Join(keys, ", "), more)
	}
	return strings.Join(keys, ", ")
}

// get reads one key through the gate; nil means absent.
func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	if err := s.gate.enter(); err != nil {
		return nil, fmt.Errorf("checkpoint %q: read: %w", key, err)
	}
	defer s.gate.leave()
	data, err := s.gate.client.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("checkpoint %q: read: %w", key, err)
	}
	return data, nil
}

// key is the storage key of name in this store.
func (s *Store) key(name string) string { return s.prefix + name }

// Close refuses every later operation, waits until none is in flight and closes the client. If ctx
// ends first it returns an error and leaves the client open (the storage extension's own shutdown
// closes it); a later Close finishes the job. Only the root store closes: a namespace refuses.
func (s *Store) Close(ctx context.Context) error {
	if s.prefix != "" {
		return fmt.Errorf("checkpoint: namespace %q cannot close the store it shares", s.prefix)
	}
	return s.gate.close(ctx)
}

// gate lets Close refuse later operations and never close the client under one still in flight.
type gate struct {
	client  storage.Client
	timeout atomic.Int64 // time.Duration of one Write

	mu           sync.Mutex
	closed       bool // refusing operations
	clientClosed bool
	active       int
	drained      chan struct{} // closed when the last operation in flight after Close leaves
}

func (g *gate) enter() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	g.active++
	return nil
}

func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active--; g.active == 0 && g.drained != nil {
		close(g.drained)
		g.drained = nil
	}
}

func (g *gate) close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	if g.clientClosed {
		g.mu.Unlock()
		return nil
	}
	wait := g.drained
	if g.active > 0 && wait == nil {
		wait = make(chan struct{})
		g.drained = wait
	}
	g.mu.Unlock()
	if wait != nil {
		select {
		case <-wait:
		case <-ctx.Done():
			return fmt.Errorf("checkpoint: storage not closed, a checkpoint write is still running: %w", ctx.Err())
		}
	}
	g.mu.Lock()
	if g.clientClosed { // a concurrent Close got there first
		g.mu.Unlock()
		return nil
	}
	g.clientClosed = true
	g.mu.Unlock()
	return g.client.Close(ctx)
}

// mustBeName panics unless name is a non-empty word of letters, digits, '_' and '-': names are
// constants of the code, and a dot in one could reach into another's keys.
func mustBeName(what, name string) {
	if !isName(name) {
		panic(fmt.Sprintf("checkpoint: %s name %q must be letters, digits, '_' or '-'", what, name))
	}
}

func isName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
