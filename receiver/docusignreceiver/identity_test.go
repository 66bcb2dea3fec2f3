// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap/zapcore"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadatatest"
)

const usersPrefix = "/management/v2/organizations"

// identityServer has users and a Monitor backlog naming them, some of its ids (share) not users.
func identityServer(t *testing.T, users, events int, share float64) *docusigntest.Server {
	t.Helper()
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 17, UnknownUserShare: share})
	t.Cleanup(srv.Close)
	srv.AddUsers(users)
	srv.AddMonitorEvents(events, time.Now().Add(-5*time.Hour), 100*time.Millisecond)
	return srv
}

func identityConfig(srv *docusigntest.Server) *Config {
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 500
	cfg.Users.Enabled = true
	cfg.Users.PollInterval = time.Hour
	return cfg
}

// actorKeys and targetKeys are what enrichment adds for the actor and for the target.
var (
	actorKeys = []string{convert.AttrUserEmail, convert.AttrXDMSourceUserUPN, convert.AttrUserName, convert.AttrXDMSourceUserUsername,
		convert.AttrUserFullName, convert.AttrUserRoles, convert.AttrXDMSourceUserGroups, convert.AttrDocuSignUserStatus}
	targetKeys = []string{convert.AttrXDMTargetUserUsername, convert.AttrXDMTargetUserUPN}
)

// enrichment checks every Monitor record against the users' own records: a known actor or target
// carries what its user record says, an unknown one nothing. It returns the hits and misses.
func checkEnrichment(t *testing.T, srv *docusigntest.Server, all []plog.Logs) (hits, misses int) {
	t.Helper()
	users := map[string]map[string]any{}
	for _, u := range userRecords(all) {
		users[u.id] = u.attrs
	}
	var monitor []map[string]any
	for _, ld := range all {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if lr.EventName() != convert.EventNameAdminUser {
				monitor = append(monitor, lr.Attributes().AsRaw())
			}
		})
	}
	require.NotEmpty(t, monitor)
	for _, attrs := range monitor {
		if actor, _ := attrs[convert.AttrXDMSourceUserIdentifier].(string); actor != "" {
			if user, known := users[actor]; known {
				require.True(t, srv.IsUser(actor))
				hits++
				for key, from := range map[string]string{
					convert.AttrUserEmail: convert.AttrUserEmail, convert.AttrXDMSourceUserUPN: convert.AttrUserEmail,
					convert.AttrUserName: convert.AttrUserName, convert.AttrXDMSourceUserUsername: convert.AttrUserName,
					convert.AttrUserFullName: convert.AttrUserFullName, convert.AttrDocuSignUserStatus: convert.AttrDocuSignUserStatus,
					convert.AttrUserRoles: convert.AttrXDMTargetUserGroups, convert.AttrXDMSourceUserGroups: convert.AttrXDMTargetUserGroups,
				} {
					if isEmpty(user[from]) {
						require.NotContains(t, attrs, key, "actor %s: %s is empty, so not named", actor, from)
					} else {
						require.Equal(t, user[from], attrs[key], "actor %s: %s", actor, key)
					}
				}
			} else {
				require.False(t, srv.IsUser(actor), "%s is a user the receiver never listed", actor)
				misses++
				for _, key := range actorKeys {
					require.NotContains(t, attrs, key, "unknown actor %s", actor)
				}
			}
		}
		if target, _ := attrs[convert.AttrXDMTargetUserIdentifier].(string); target != "" {
			if user, known := users[target]; known {
				hits++
				require.Equal(t, user[convert.AttrUserName], attrs[convert.AttrXDMTargetUserUsername], "target %s", target)
				require.Equal(t, user[convert.AttrUserEmail], attrs[convert.AttrXDMTargetUserUPN], "target %s", target)
			} else {
				require.False(t, srv.IsUser(target))
				misses++
				for _, key := range targetKeys {
					require.NotContains(t, attrs, key, "unknown target %s", target)
				}
			}
		}
	}
	return hits, misses
}

// Issue 13, part 1: a first start waits for the users sync, then every event names its known users
// as their records do, and none of the unknown ones; hits and misses are counted.
func TestMonitorEventsNameTheirUsers(t *testing.T) {
	srv := identityServer(t, 40, 3000, 0.2)
	srv.FailNext(usersPrefix, 2, http.StatusServiceUnavailable) // the users sync is late: Monitor waits for it
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tt.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	rcv, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tt), identityConfig(srv), sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), newFileStorageHost(t, t.TempDir())))
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 3040 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	all := sink.AllLogs()
	hits, misses := checkEnrichment(t, srv, all)
	assert.Greater(t, misses, 300, "a fifth of the ids are not users")
	assert.Greater(t, hits, 4*misses-600)
	metadatatest.AssertEqualReceiverDocusignEnrichment(t, tt, []metricdata.DataPoint[int64]{
		{Attributes: attribute.NewSet(attribute.String("result", "hit")), Value: int64(hits)},
		{Attributes: attribute.NewSet(attribute.String("result", "miss")), Value: int64(misses)},
	}, metricdatatest.IgnoreTimestamp())

	first := -1
	for i, ld := range all {
		if ld.LogRecordCount() > 0 && ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).EventName() != convert.EventNameAdminUser {
			first = i
			break
		}
	}
	require.GreaterOrEqual(t, first, 1, "the users were delivered before the first Monitor page")
	firstHits, _ := checkEnrichment(t, srv, all[:first+1])
	assert.Positive(t, firstHits, "the first page is enriched: Monitor waited for the users")
}

// When the first users sync cannot finish in monitor.enrich_wait, Monitor says so once and delivers
// what it has; the body of an event is never touched.
func TestEnrichWaitGivesUpOnce(t *testing.T) {
	srv := identityServer(t, 10, 1200, 0)
	srv.FailNext(usersPrefix, 1_000_000, http.StatusServiceUnavailable)
	cfg := identityConfig(srv)
	cfg.Monitor.EnrichWait = 300 * time.Millisecond
	cfg.Users.PollInterval = 20 * time.Millisecond
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 1200 }, waitFor, 5*time.Millisecond)
	waitPolls(t, srv, 3)

	gaveUp := logs.FilterMessageSnippet("gave up waiting for the first users sync").All()
	require.Len(t, gaveUp, 1)
	assert.Equal(t, zapcore.WarnLevel, gaveUp[0].Level)
	assert.Len(t, logs.FilterMessageSnippet("waiting for the first users sync").All(), 2, "said once it waits, once it gives up")
	for _, ld := range sink.AllLogs() {
		forEachRecord(ld, func(lr plog.LogRecord) {
			for _, key := range append(actorKeys, targetKeys...) {
				_, has := lr.Attributes().Get(key)
				require.False(t, has, "nothing listed, nothing named")
			}
			_, has := lr.Body().Map().Get(convert.AttrUserEmail)
			require.False(t, has, "the body is as DocuSign sent it")
		})
	}
}

// The inventory is stored: after a restart the first page is enriched though the users API is down
// and Monitor does not wait. With monitor.enrich_users off, nothing is named.
func TestRestartEnrichesTheFirstPageFromTheStoredInventory(t *testing.T) {
	srv := identityServer(t, 30, 1000, 0)
	host := newFileStorageHost(t, t.TempDir())
	sink := new(consumertest.LogsSink)
	rcv := startReceiver(t, identityConfig(srv), host, sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 1030 }, waitFor, 5*time.Millisecond)
	require.NoError(t, rcv.Shutdown(context.Background()))

	srv.AddMonitorEvents(500, time.Now().Add(-time.Minute), time.Millisecond)
	srv.FailNext(usersPrefix, 1_000_000, http.StatusServiceUnavailable)
	cfg := identityConfig(srv)
	cfg.Monitor.EnrichWait = 0
	after := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, after, nil)
	require.Eventually(t, func() bool { return after.LogRecordCount() >= 500 }, waitFor, 5*time.Millisecond)
	first := after.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	for i := range first.Len() {
		attrs := first.At(i).Attributes().AsRaw()
		if attrs[convert.AttrXDMSourceUserIdentifier] != nil {
			require.NotEmpty(t, attrs[convert.AttrUserEmail], "record %d of the first page after the restart", i)
		}
	}

	srv.AddMonitorEvents(100, time.Now(), time.Millisecond)
	cfg = identityConfig(srv)
	cfg.Monitor.EnrichUsers = false
	off := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), off, nil)
	require.Eventually(t, func() bool { return off.LogRecordCount() >= 1600 }, waitFor, 5*time.Millisecond)
	for _, ld := range off.AllLogs() {
		forEachRecord(ld, func(lr plog.LogRecord) {
			if lr.EventName() == convert.EventNameAdminUser {
				return
			}
			_, has := lr.Attributes().Get(convert.AttrUserEmail)
			require.False(t, has, "monitor.enrich_users: false")
		})
	}
}

// isEmpty is a user record's value enrichment does not repeat: absent, "" or [].
func isEmpty(v any) bool {
	list, isList := v.([]any)
	return v == nil || v == "" || isList && len(list) == 0
}
