// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

var testStorageID = component.MustNewIDWithName("file_storage", "test")

// testHost offers a real file_storage extension and records status events.
type testHost struct {
	extensions map[component.ID]component.Component
	mu         sync.Mutex
	statuses   []*componentstatus.Event
}

func (h *testHost) GetExtensions() map[component.ID]component.Component { return h.extensions }

func (h *testHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	h.statuses = append(h.statuses, ev)
	h.mu.Unlock()
}

// newFileStorageHost starts contrib's file_storage extension on dir; the same dir survives "restarts".
func newFileStorageHost(t *testing.T, dir string) *testHost {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	host := &testHost{extensions: map[component.ID]component.Component{testStorageID: ext}}
	require.NoError(t, ext.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return host
}

// testConfig points a receiver at the fake DocuSign with short intervals.
func testConfig(srv *docusigntest.Server) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Environment = environmentDemo
	cfg.IntegrationKey = srv.IntegrationKey()
	cfg.UserID = srv.UserID()
	cfg.PrivateKey = configopaque.String(srv.PrivateKeyPEM())
	cfg.AuthEndpoint = srv.URL()
	cfg.Monitor.Endpoint = srv.URL()
	cfg.Monitor.PollInterval = 50 * time.Millisecond
	cfg.Users.Endpoint = srv.URL() + "/management"
	cfg.Users.OrganizationID = srv.OrganizationID()
	cfg.Users.AccountID = srv.AccountID()
	cfg.StorageID = &testStorageID
	return cfg
}

// startReceiver creates and starts a receiver; it is shut down at cleanup unless the test did so.
func startReceiver(t *testing.T, cfg *Config, host component.Host, next consumer.Logs, logger *zap.Logger) receiver.Logs {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // stable across restarts: the storage client is keyed by it
	if logger != nil {
		set.Logger = logger
	}
	rcv, err := NewFactory().CreateLogs(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), host))
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { require.NoError(t, rcv.Shutdown(context.Background())) }) })
	return rcv
}

// waitPolls waits until srv answered n more Monitor requests than when called: polls after the one
// being checked, so nothing more can be in flight from it.
func waitPolls(t *testing.T, srv *docusigntest.Server, n int) {
	t.Helper()
	from := srv.Stats().MonitorRequests
	require.Eventually(t, func() bool { return srv.Stats().MonitorRequests >= from+n }, waitFor, 5*time.Millisecond, "%d more polls", n)
}

// observedLogger returns a logger whose entries the test can read.
func observedLogger() (*zap.Logger, *observer.ObservedLogs) {
	core, logs := observer.New(zap.DebugLevel)
	return zap.New(core), logs
}

// assertSameIDs compares id lists without printing thousands of ids on failure.
func assertSameIDs(t *testing.T, want, got []string, msg string) {
	t.Helper()
	for i := 0; i < min(len(want), len(got)); i++ {
		if want[i] != got[i] {
			t.Errorf("%s: first difference at %d: want %s, got %s (lengths %d and %d)", msg, i, want[i], got[i], len(want), len(got))
			return
		}
	}
	if len(want) != len(got) {
		t.Errorf("%s: want %d ids, got %d", msg, len(want), len(got))
	}
}

// eventIDs lists xdm.event.id of every record, in order.
func eventIDs(all []plog.Logs) []string {
	var ids []string
	for _, ld := range all {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if v, ok := lr.Attributes().Get("xdm.event.id"); ok {
				ids = append(ids, v.Str())
			}
		})
	}
	return ids
}

func forEachRecord(ld plog.Logs, fn func(plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(lrs.At(k))
			}
		}
	}
}

// recordingStorage wraps a storage client and calls onSet before each write of a key.
type recordingStorage struct {
	storage.Client
	onSet func(key string, value []byte)
}

func (r *recordingStorage) Set(ctx context.Context, key string, value []byte) error {
	r.onSet(key, value)
	return r.Client.Set(ctx, key, value)
}

func (r *recordingStorage) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		if op.Type == storage.Set {
			r.onSet(op.Key, op.Value)
		}
	}
	return r.Client.Batch(ctx, ops...)
}
