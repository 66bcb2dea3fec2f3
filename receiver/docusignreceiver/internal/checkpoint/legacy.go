// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"context"
	"encoding/json"
	"fmt"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// LegacyStore loads and saves values of type T under one storage key, bypassing Store's gate,
// batching and save timeout.
//
// Deprecated: kept only while the receiver moves to Store and Record (issue 12); use NewRecord.
type LegacyStore[T any] struct {
	client storage.Client
	key    string
}

// NewLegacy returns a LegacyStore for key in client.
//
// Deprecated: use NewRecord.
func NewLegacy[T any](client storage.Client, key string) *LegacyStore[T] {
	return &LegacyStore[T]{client: client, key: key}
}

// Load returns the saved value; found is false when nothing was saved yet.
// A value that cannot be decoded is an error naming the key and matching ErrCorrupt, never a silent
// reset; any other error is the storage failing to read.
func (s *LegacyStore[T]) Load(ctx context.Context) (v T, found bool, err error) {
	data, err := s.client.Get(ctx, s.key)
	if err != nil {
		return v, false, fmt.Errorf("checkpoint %q: read: %w", s.key, err)
	}
	if data == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, false, fmt.Errorf("checkpoint %q: %w (%d bytes): %w", s.key, ErrCorrupt, len(data), err)
	}
	return v, true, nil
}

// Save replaces the stored value.
func (s *LegacyStore[T]) Save(ctx context.Context, v T) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("checkpoint %q: encode: %w", s.key, err)
	}
	if err := s.client.Set(ctx, s.key, data); err != nil {
		return fmt.Errorf("checkpoint %q: write: %w", s.key, err)
	}
	return nil
}
