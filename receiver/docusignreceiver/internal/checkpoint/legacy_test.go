// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// The LegacyStore tests stay until the receiver no longer uses it.

type position struct {
	Cursor string    `json:"cursor"`
	At     time.Time `json:"at"`
}

func memWith(key, value string) *memClient {
	m := newMemClient()
	m.put(key, []byte(value))
	return m
}

func TestLegacyLoadSaveRoundTrip(t *testing.T) {
	ctx := context.Background()
	client := newMemClient()
	s := NewLegacy[position](client, "monitor")

	_, found, err := s.Load(ctx)
	require.NoError(t, err)
	assert.False(t, found, "nothing saved yet")

	want := position{Cursor: "aa_1_2_3", At: time.Date(2026, 10, 2, 14, 5, 11, 441002700, time.UTC)}
	require.NoError(t, s.Save(ctx, want))
	got, found, err := s.Load(ctx)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, want.Cursor, got.Cursor)
	assert.True(t, want.At.Equal(got.At), "100 ns precision survives: %s vs %s", want.At, got.At)

	other := NewLegacy[position](client, "users")
	_, found, err = other.Load(ctx)
	require.NoError(t, err)
	assert.False(t, found, "keys are independent")
}

func TestLegacyLoadCorruptNamesKey(t *testing.T) {
	_, found, err := NewLegacy[position](memWith("monitor", "{not json"), "monitor").Load(context.Background())
	require.ErrorIs(t, err, ErrCorrupt)
	assert.False(t, found)
	assert.Contains(t, err.Error(), `checkpoint "monitor"`)
}

func TestLegacyLoadReadErrorIsNotCorrupt(t *testing.T) {
	client := newMemClient()
	client.failGet = errors.New("disk gone")
	_, _, err := NewLegacy[position](client, "monitor").Load(context.Background())
	require.ErrorContains(t, err, "disk gone")
	assert.NotErrorIs(t, err, ErrCorrupt, "a read failure may pass: it is retried, not reset")
}

func TestLegacyNopClientLoadsNothing(t *testing.T) {
	s := NewLegacy[position](storage.NewNopClient(), "monitor")
	require.NoError(t, s.Save(context.Background(), position{Cursor: "x"}))
	_, found, err := s.Load(context.Background())
	require.NoError(t, err)
	assert.False(t, found)
}
