// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sourcetest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sourcetest"

import (
	"context"
	"maps"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// Storage is a storage client that keeps its keys in memory, to restart a source on what it stored.
type Storage struct {
	mu   sync.Mutex
	data map[string][]byte
}

// NewStorage returns an empty Storage.
func NewStorage() *Storage { return &Storage{data: map[string][]byte{}} }

var _ storage.Client = (*Storage)(nil)

func (s *Storage) Get(_ context.Context, key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.data[key]), nil
}

func (s *Storage) Set(ctx context.Context, key string, value []byte) error {
	return s.Batch(ctx, storage.SetOperation(key, value))
}

func (s *Storage) Delete(ctx context.Context, key string) error {
	return s.Batch(ctx, storage.DeleteOperation(key))
}

// Batch applies ops in order, all under one lock: a batch is atomic, as file_storage's is.
func (s *Storage) Batch(_ context.Context, ops ...*storage.Operation) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, op := range ops {
		switch op.Type {
		case storage.Set:
			s.data[op.Key] = slices.Clone(op.Value)
		case storage.Delete:
			delete(s.data, op.Key)
		case storage.Get:
			op.Value = slices.Clone(s.data[op.Key])
		}
	}
	return nil
}

func (s *Storage) Close(context.Context) error { return nil }

// Keys returns the stored keys, sorted.
func (s *Storage) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.data))
}
