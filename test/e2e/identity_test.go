// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

const identityConfigTemplate = `
extensions:
  file_storage/docusign:
    directory: %[1]s
    create_directory: true
receivers:
  docusign:
    environment: demo
    integration_key: %[2]s
    user_id: %[3]s
    private_key_file: %[4]s
    auth_endpoint: %[5]s
    storage: file_storage/docusign
    monitor:
      endpoint: %[5]s
      poll_interval: 1s
      page_size: 500
      start_time: %[6]s
      enrich_wait: %[10]s
    users:
      enabled: true
      endpoint: %[5]s/management
      organization_id: %[8]s
      account_id: %[9]s
      poll_interval: 1s
      profiles:
        enabled: true
        max_requests_per_hour: 3000
exporters:
  otlp_grpc:
    endpoint: %[7]s
    tls:
      insecure: true
    sending_queue:
      enabled: false
service:
  extensions: [file_storage/docusign]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [docusign]
      exporters: [otlp_grpc]
`

// deliveredEvent is one Monitor record as the OTLP receiver got it.
type deliveredEvent struct {
	batch           int // which export it arrived in
	id              string
	actor, target   string
	attrs           map[string]any
	bodyWasEnriched bool
}

// profileChange is one docusign.admin.user record carrying docusign.user.changed.
type profileChange struct {
	user     string
	changed  []string
	severity plog.SeverityNumber
	op       string
	hasBody  bool
}

// identitySink keeps the Monitor records with their attributes and the profile change records.
type identitySink struct {
	mu      sync.Mutex
	batches int
	events  []deliveredEvent
	changes []profileChange
}

func (s *identitySink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *identitySink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				attrs := lr.Attributes().AsRaw()
				str := func(key string) string { s, _ := attrs[key].(string); return s }
				switch lr.EventName() {
				case "docusign.monitor.event":
					body := lr.Body().AsString()
					s.events = append(s.events, deliveredEvent{
						batch: s.batches, id: monitorEventID(lr), attrs: attrs,
						actor: str("xdm.source.user.identifier"), target: str("xdm.target.user.identifier"),
						bodyWasEnriched: strings.Contains(body, "user.email") || strings.Contains(body, "xdm.source.user.upn"),
					})
				case "docusign.admin.user":
					changed, ok := attrs["docusign.user.changed"].([]any)
					if !ok {
						continue
					}
					c := profileChange{user: str("xdm.target.user.identifier"), severity: lr.SeverityNumber(),
						op: str("xdm.event.operation"), hasBody: strings.Contains(lr.Body().AsString(), "require_two_step_verification")}
					for _, v := range changed {
						c.changed = append(c.changed, fmt.Sprint(v))
					}
					s.changes = append(s.changes, c)
				}
			}
		}
	}
	return nil
}

func (s *identitySink) snapshot() ([]deliveredEvent, []profileChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events), slices.Clone(s.changes)
}

// expectedIdentity is what the actor attributes must say of user id, read from the fake's own profile.
func expectedIdentity(t *testing.T, srv *docusigntest.Server, id string) map[string]any {
	t.Helper()
	p, err := srv.Profile(id)
	require.NoError(t, err)
	m := docusigntest.AccountMembership(p)
	var groups []string
	if gs, ok := m["groups"].([]map[string]any); ok {
		for _, g := range gs {
			groups = append(groups, fmt.Sprint(g["name"]))
		}
	} else if gs, ok := m["groups"].([]any); ok {
		for _, g := range gs {
			groups = append(groups, fmt.Sprint(g.(map[string]any)["name"]))
		}
	}
	sort.Strings(groups)
	full := strings.TrimSpace(fmt.Sprint(p["first_name"]) + " " + fmt.Sprint(p["last_name"]))
	want := map[string]any{
		"user.email": m["email"], "xdm.source.user.upn": m["email"],
		"user.name": p["user_name"], "xdm.source.user.username": p["user_name"],
		"user.full_name": full, "docusign.user.status": p["user_status"],
		"user.roles": groups, "xdm.source.user.groups": groups,
	}
	for k, v := range want {
		if v == nil || v == "" || k == "user.roles" && len(groups) == 0 || k == "xdm.source.user.groups" && len(groups) == 0 {
			delete(want, k) // an empty field is not named
		}
	}
	return want
}

var actorKeys = []string{"user.email", "user.name", "user.full_name", "user.roles", "xdm.source.user.username",
	"xdm.source.user.upn", "xdm.source.user.groups", "docusign.user.status"}

// checkEnrichment checks every event: known actors carry all actor attributes, as the user is; known
// targets carry the target attributes; unknown users carry none. It returns the hits and misses.
func checkEnrichment(t *testing.T, srv *docusigntest.Server, events []deliveredEvent) (hits, misses int) {
	t.Helper()
	want := map[string]map[string]any{}
	for _, e := range events {
		assert.False(t, e.bodyWasEnriched, "event %s: the body stays as DocuSign sent it", e.id)
		if e.actor != "" {
			if srv.IsUser(e.actor) {
				hits++
				if want[e.actor] == nil {
					want[e.actor] = expectedIdentity(t, srv, e.actor)
				}
				for _, k := range actorKeys {
					got := e.attrs[k]
					if l, ok := got.([]any); ok {
						s := make([]string, 0, len(l))
						for _, v := range l {
							s = append(s, fmt.Sprint(v))
						}
						sort.Strings(s)
						got = s
					}
					if !assert.Equal(t, want[e.actor][k], got, "event %s actor %s: %s", e.id, e.actor, k) {
						return hits, misses
					}
				}
			} else {
				misses++
				for _, k := range actorKeys {
					if !assert.NotContains(t, e.attrs, k, "event %s: unknown actor %s", e.id, e.actor) {
						return hits, misses
					}
				}
			}
		}
		if e.target != "" {
			_, upn := e.attrs["xdm.target.user.upn"]
			_, username := e.attrs["xdm.target.user.username"]
			known := srv.IsUser(e.target)
			if known {
				hits++
			} else {
				misses++
			}
			if !assert.Equal(t, known, upn && username, "event %s target %s known=%v", e.id, e.target, known) {
				return hits, misses
			}
			if known {
				if want[e.target] == nil {
					want[e.target] = expectedIdentity(t, srv, e.target)
				}
				assert.Equal(t, want[e.target]["user.email"], e.attrs["xdm.target.user.upn"], "event %s target upn", e.id)
				assert.Equal(t, want[e.target]["user.name"], e.attrs["xdm.target.user.username"], "event %s target username", e.id)
			}
		}
	}
	return hits, misses
}

// TestCollectorNamesEventUsersAndReportsProfileChanges runs the built collector with users and the
// profile drill-down on: every event names its known users (and only those), a restart enriches its
// very first page from the stored inventory, and two security changes of admin profiles give exactly
// two UPDATE records while a last_login change gives none.
func TestCollectorNamesEventUsersAndReportsProfileChanges(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 13, UnknownUserShare: 0.2})
	t.Cleanup(srv.Close)
	const users = 12 // profiled at 3000 an hour, one every 1.2 s: every user is read within 15 s
	srv.AddUsers(users)
	now := time.Now().UTC()
	srv.AddMonitorEvents(3000, now.Add(-2*time.Hour), time.Second)
	wantEvents := srv.MonitorEventIDs()

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	sink := &identitySink{}
	otlpEndpoint := testkit.StartOTLPReceiver(t, sink)
	configPath := filepath.Join(dir, "config.yaml")
	writeConfig := func(enrichWait string) {
		cfg := fmt.Sprintf(identityConfigTemplate, filepath.Join(dir, "storage"), srv.IntegrationKey(), srv.UserID(), keyPath,
			srv.URL(), now.Add(-3*time.Hour).Format(time.RFC3339), otlpEndpoint, srv.OrganizationID(), srv.AccountID(), enrichWait)
		require.NoError(t, os.WriteFile(configPath, []byte(cfg), 0o600))
	}
	writeConfig("5m")

	first := startCollector(t, bin, configPath)
	require.Eventually(t, func() bool { ev, _ := sink.snapshot(); return len(ev) >= len(wantEvents) }, 2*time.Minute,
		50*time.Millisecond, "the backlog arrives")
	events, _ := sink.snapshot()
	hits, misses := checkEnrichment(t, srv, events)
	t.Logf("first run: %d events, %d users named, %d unknown ids", len(events), hits, misses)
	require.Positive(t, misses, "the fake named unknown users too")
	require.Greater(t, hits, len(events)/2, "most events name known users")

	// Every user is profiled once (the first profile emits nothing), then three profiles change.
	require.Eventually(t, func() bool { return srv.Stats().ProfileRequests >= users+1 }, time.Minute, 100*time.Millisecond,
		"every user is profiled (and the admin probed)")
	ids := srv.UserIDs()
	var twoStepOff, madeOrgAdmin, loggedIn string
	for _, id := range ids {
		p, err := srv.Profile(id)
		require.NoError(t, err)
		switch {
		case twoStepOff == "" && p["require_two_step_verification"] == true && p["is_organization_admin"] != true:
			twoStepOff = id
		case madeOrgAdmin == "" && p["is_organization_admin"] != true:
			madeOrgAdmin = id
		case loggedIn == "" && p["last_login"] != nil:
			loggedIn = id
		}
	}
	require.NotEmpty(t, twoStepOff)
	require.NotEmpty(t, madeOrgAdmin)
	require.NotEmpty(t, loggedIn)
	_, before := sink.snapshot()
	require.Empty(t, before, "first profiles emit nothing")
	requests := srv.Stats().ProfileRequests
	require.NoError(t, srv.ModifyProfile(twoStepOff, func(p map[string]any) { p["require_two_step_verification"] = false }))
	require.NoError(t, srv.ModifyProfile(madeOrgAdmin, func(p map[string]any) { p["is_organization_admin"] = true }))
	require.NoError(t, srv.SetLastLogin(loggedIn, now.Add(time.Minute)))
	// Oldest first: within one round over every user (and one read in flight) all three are read again,
	// and a poll delivers its changes before it reads the next profile.
	require.Eventually(t, func() bool { return srv.Stats().ProfileRequests >= requests+users+2 }, time.Minute,
		100*time.Millisecond, "every profile is read again")
	_, changes := sink.snapshot()
	byUser := map[string]profileChange{}
	for _, c := range changes {
		byUser[c.user] = c
	}
	require.Len(t, changes, 2, "exactly two change records: %+v", changes)
	assert.Equal(t, []string{"docusign.user.two_step_verification_required"}, byUser[twoStepOff].changed)
	assert.Equal(t, []string{"docusign.user.is_organization_admin"}, byUser[madeOrgAdmin].changed)
	for _, c := range changes {
		assert.Equal(t, plog.SeverityNumberWarn, c.severity, "%s weakens security", c.changed)
		assert.Equal(t, "UPDATE", c.op)
		assert.True(t, c.hasBody, "the body is the profile")
	}
	assert.NotContains(t, byUser, loggedIn, "a last_login change alone emits nothing")
	require.NoError(t, first.stop(t, syscall.SIGTERM), "clean shutdown on SIGTERM")

	// Restart with the users listing failing and no wait: only the stored inventory can name the users
	// of the first page.
	delivered := len(events)
	srv.AddMonitorEvents(400, time.Now().UTC(), time.Millisecond)
	srv.FailNext("/management/v2/organizations", 1_000_000, 503)
	writeConfig("0s")
	second := startCollector(t, bin, configPath)
	require.Eventually(t, func() bool {
		ev, _ := sink.snapshot()
		return len(ev) >= delivered+400
	}, time.Minute, 50*time.Millisecond, "the new events arrive")
	require.NoError(t, second.stop(t, syscall.SIGTERM))
	events, _ = sink.snapshot()
	after := events[delivered:]
	firstBatch := after[0].batch
	var firstPage []deliveredEvent
	for _, e := range after {
		if e.batch == firstBatch {
			firstPage = append(firstPage, e)
		}
	}
	hits, _ = checkEnrichment(t, srv, firstPage)
	assert.Positive(t, hits, "the first page after the restart names its users")
	checkEnrichment(t, srv, after)
	assert.Contains(t, second.output.String(), "503", "the users listing really failed during the restart")
}
