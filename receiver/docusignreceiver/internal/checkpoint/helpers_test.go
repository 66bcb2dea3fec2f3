// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// memClient is a storage.Client over a map whose batches apply all or nothing, with faults to inject.
type memClient struct {
	mu        sync.Mutex
	data      map[string][]byte
	failGet   error
	failBatch error
	// block, when set, holds every Batch until it is closed or the batch's context ends.
	block   chan struct{}
	entered chan struct{} // receives once per Batch that started

	gets, batches atomic.Int64
	inBatch       atomic.Int32
	batchCtxErr   error // ctx.Err() of the last batch as it started
	closes        atomic.Int32
	closedInBatch atomic.Bool
}

func newMemClient() *memClient { return &memClient{data: map[string][]byte{}} }

func (m *memClient) Get(_ context.Context, key string) ([]byte, error) {
	m.gets.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failGet != nil {
		return nil, m.failGet
	}
	return m.data[key], nil
}

func (m *memClient) Set(ctx context.Context, key string, value []byte) error {
	return m.Batch(ctx, storage.SetOperation(key, value))
}

func (m *memClient) Delete(ctx context.Context, key string) error {
	return m.Batch(ctx, storage.DeleteOperation(key))
}

func (m *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	m.inBatch.Add(1)
	defer m.inBatch.Add(-1)
	m.batches.Add(1)
	m.mu.Lock()
	m.batchCtxErr = ctx.Err()
	block, fail := m.block, m.failBatch
	m.mu.Unlock()
	if m.entered != nil {
		m.entered <- struct{}{}
	}
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail != nil {
		return fail
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	next := maps.Clone(m.data)
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = next[op.Key]
		case storage.Set:
			next[op.Key] = append([]byte(nil), op.Value...)
		case storage.Delete:
			delete(next, op.Key)
		}
	}
	m.data = next
	return nil
}

func (m *memClient) Close(context.Context) error {
	if m.inBatch.Load() > 0 {
		m.closedInBatch.Store(true)
	}
	m.closes.Add(1)
	return nil
}

func (m *memClient) keys() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return sortedKeys(m.data)
}

func (m *memClient) value(key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data[key]
}

func (m *memClient) put(key string, value []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = value
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// openFileStorage starts contrib's file_storage extension on dir and returns a client of it; close
// it before opening dir again, as a restart would.
func openFileStorage(t *testing.T, dir string) (client storage.Client, closeAll func()) {
	t.Helper()
	ctx := context.Background()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(ctx, extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(ctx, componenttest.NewNopHost()))
	client, err = ext.(storage.Extension).GetClient(ctx, component.KindReceiver, component.MustNewID("docusign"), "")
	require.NoError(t, err)
	var once sync.Once
	closeAll = func() {
		once.Do(func() {
			require.NoError(t, client.Close(ctx))
			require.NoError(t, ext.Shutdown(ctx))
		})
	}
	t.Cleanup(closeAll)
	return client, closeAll
}

// opKeys lists the keys of ops, deletions prefixed with "-".
func opKeys(ops []Op) []string {
	keys := make([]string, 0, len(ops))
	for _, op := range ops {
		if op.del {
			keys = append(keys, "-"+op.key)
		} else {
			keys = append(keys, op.key)
		}
	}
	return keys
}

// opBytes is what ops write: keys and values.
func opBytes(ops []Op) int {
	n := 0
	for _, op := range ops {
		n += len(op.key) + len(op.value)
	}
	return n
}
