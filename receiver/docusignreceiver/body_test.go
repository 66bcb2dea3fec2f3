// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

func TestBodyOriginalHandsNextOnUnchanged(t *testing.T) {
	sink := new(consumertest.LogsSink)
	assert.Same(t, consumer.Logs(sink), withBody(bodyOriginal, sink))
}

func TestBodyOmitEmptiesEveryBody(t *testing.T) {
	logs := plog.NewLogs()
	for range 2 {
		rl := logs.ResourceLogs().AppendEmpty()
		for range 2 {
			lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
			lr := lrs.AppendEmpty()
			lr.Body().SetEmptyMap().PutStr("email", "jane@example.com")
			lr.Attributes().PutStr("xdm.event.id", "e1")
			lrs.AppendEmpty().Body().SetStr(`{"ipAddress":"192.0.2.1"}`)
			lrs.AppendEmpty().Body().SetEmptySlice().AppendEmpty().SetStr("x")
		}
	}
	sink := new(consumertest.LogsSink)
	require.NoError(t, withBody(bodyOmit, sink).ConsumeLogs(context.Background(), logs))
	require.Equal(t, 12, sink.LogRecordCount())
	forEachRecord(sink.AllLogs()[0], func(lr plog.LogRecord) {
		assert.Equal(t, pcommon.ValueTypeEmpty, lr.Body().Type())
	})
	assert.Equal(t, "e1", sink.AllLogs()[0].ResourceLogs().At(1).ScopeLogs().At(1).LogRecords().At(0).Attributes().AsRaw()["xdm.event.id"],
		"attributes stay")
}

func TestBodyOmitKeepsNextsCapabilities(t *testing.T) {
	for _, mutates := range []bool{false, true} {
		next := &bodyRecorder{mutates: mutates}
		assert.Equal(t, mutates, withBody(bodyOmit, next).Capabilities().MutatesData)
	}
}

// bodyRecorder fails its first failFirst calls with a retryable error (after mutating the batch when
// it says it mutates), and records every body and event id it accepts.
type bodyRecorder struct {
	mutates   bool
	failFirst int

	mu     sync.Mutex
	calls  int
	ids    []string
	bodies []pcommon.ValueType
	users  int
}

func (b *bodyRecorder) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: b.mutates}
}

func (b *bodyRecorder) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls++
	if b.calls <= b.failFirst {
		if b.mutates { // a processor that changed the batch, then the exporter refused it
			forEachRecord(ld, func(lr plog.LogRecord) { lr.Body().SetStr("changed by the pipeline") })
		}
		return errors.New("exporter queue full")
	}
	forEachRecord(ld, func(lr plog.LogRecord) {
		b.bodies = append(b.bodies, lr.Body().Type())
		switch lr.EventName() {
		case "docusign.monitor.event":
			v, _ := lr.Attributes().Get("xdm.event.id")
			b.ids = append(b.ids, v.Str())
		case "docusign.admin.user":
			b.users++
		}
	})
	return nil
}

func (b *bodyRecorder) snapshot() (ids []string, bodies []pcommon.ValueType, users int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.ids...), append([]pcommon.ValueType(nil), b.bodies...), b.users
}

// With body: omit, Monitor events and users arrive complete and in order, without bodies, also when
// the first deliveries are refused: on the resend path (the pipeline does not mutate) and on the
// rebuild path (it does, and the page is converted again, with its bodies).
func TestBodyOmitAcrossRetries(t *testing.T) {
	for _, mutates := range []bool{false, true} {
		name := "resend"
		if mutates {
			name = "rebuild"
		}
		t.Run(name, func(t *testing.T) {
			const events, users = 3000, 40
			srv := backlogServer(t, events)
			srv.AddUsers(users)
			cfg := backlogConfig(srv)
			cfg.Body = bodyOmit
			cfg.Monitor.PageSize = 1000
			cfg.Users.Enabled = true
			cfg.Users.PollInterval = 50 * time.Millisecond
			next := &bodyRecorder{mutates: mutates, failFirst: 3}
			startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), next, nil)
			require.Eventually(t, func() bool {
				ids, _, n := next.snapshot()
				return len(ids) >= events && n >= users
			}, waitFor, 5*time.Millisecond)
			waitPolls(t, srv, 2)
			ids, bodies, n := next.snapshot()
			assertSameIDs(t, srv.MonitorEventIDs(), ids, "every event once, in order")
			assert.Equal(t, users, n, "every user once")
			for i, b := range bodies {
				require.Equal(t, pcommon.ValueTypeEmpty, b, "record %d has no body", i)
			}
		})
	}
}
