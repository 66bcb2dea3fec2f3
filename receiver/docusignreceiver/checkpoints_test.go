// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// Checkpoints as tests see them in storage: the keys and JSON of today's format (v2), and those of
// the format before the source shape (v1), which a start must migrate.
const (
	monitorKey   = "monitor.v2"
	monitorV1Key = "monitor.v1"
	usersKey     = "users.v2"
	usersV1Key   = "users.v1"
)

// monitorPos is Monitor's checkpoint record; RecentIDs only in v1.
type monitorPos struct {
	Cursor        string    `json:"cursor"`
	LastEventID   string    `json:"last_event_id,omitempty"`
	LastEventTime time.Time `json:"last_event_time,omitzero"`
	LastCaughtUp  time.Time `json:"last_caught_up,omitzero"`
	RecentIDs     []string  `json:"recent_ids,omitempty"`
}

// usersSyncState is the users source's checkpoint record; Deltas only in v1.
type usersSyncState struct {
	Watermark    time.Time `json:"watermark,omitzero"`
	LastFullSync time.Time `json:"last_full_sync,omitzero"`
	Users        int       `json:"users"`
	Deltas       int       `json:"deltas,omitempty"`
}

// withStorage runs fn with a client of host's storage extension, as the receiver gets it.
func withStorage(t *testing.T, host *testHost, fn func(storage.Client)) {
	t.Helper()
	ext := host.extensions[testStorageID].(storage.Extension)
	client, err := ext.GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(t, err)
	defer func() { require.NoError(t, client.Close(context.Background())) }()
	fn(client)
}

// seedStorage writes keys as a previous run (or a damaged disk) would have.
func seedStorage(t *testing.T, host *testHost, ops ...*storage.Operation) {
	t.Helper()
	withStorage(t, host, func(c storage.Client) { require.NoError(t, c.Batch(context.Background(), ops...)) })
}

func seedJSON(t *testing.T, host *testHost, key string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	seedStorage(t, host, storage.SetOperation(key, data))
}

// seedMonitorV1 stores a Monitor checkpoint as versions before the source shape wrote it.
func seedMonitorV1(t *testing.T, host *testHost, pos monitorPos) {
	seedJSON(t, host, monitorV1Key, pos)
}

// readMonitorPos reads today's Monitor checkpoint record.
func readMonitorPos(t *testing.T, host *testHost) monitorPos {
	t.Helper()
	var pos monitorPos
	withStorage(t, host, func(c storage.Client) {
		data, err := c.Get(context.Background(), monitorKey)
		require.NoError(t, err)
		require.NotNil(t, data, "no %s stored", monitorKey)
		require.NoError(t, json.Unmarshal(data, &pos))
	})
	return pos
}

// readDigests reads the users digest table through the checkpoint store, as the users source does.
func readDigests(t *testing.T, host *testHost) *checkpoint.Log[[16]byte] {
	t.Helper()
	var log *checkpoint.Log[[16]byte]
	withStorage(t, host, func(c storage.Client) {
		log = checkpoint.NewLog(checkpoint.NewStore(c).Namespace("users"), "digests", checkpoint.Bytes16{})
		_, err := log.Load(context.Background())
		require.NoError(t, err)
	})
	return log
}

// encodeV1Digests is the digest table format of versions before the source shape (users.v1.digests
// and users.v1.delta.<n>): a version byte 1, then per user 'g' + 16-byte GUID + digest.
func encodeV1Digests(t *testing.T, digests map[string][16]byte) []byte {
	t.Helper()
	buf := []byte{1}
	for id, d := range digests {
		g, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
		if err == nil && len(g) == 16 {
			buf = append(append(append(buf, 'g'), g...), d[:]...)
			continue
		}
		buf = append(binary.AppendUvarint(append(buf, 's'), uint64(len(id))), id...)
		buf = append(buf, d[:]...)
	}
	return buf
}
