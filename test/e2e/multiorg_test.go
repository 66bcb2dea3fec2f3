// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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

// orgSink sorts what arrives by the resource's docusign.organization.id: Monitor event ids and user
// ids per organisation, in arrival order, and the records that name no organisation.
type orgSink struct {
	mu        sync.Mutex
	events    map[string][]string
	users     map[string][]string
	unlabeled int
}

func newOrgSink() *orgSink {
	return &orgSink{events: map[string][]string{}, users: map[string][]string{}}
}

func (s *orgSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *orgSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rl := range ld.ResourceLogs().All() {
		org := ""
		if v, ok := rl.Resource().Attributes().Get("docusign.organization.id"); ok {
			org = v.Str()
		}
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if org == "" {
					s.unlabeled++
				}
				switch lr.EventName() {
				case "docusign.monitor.event":
					s.events[org] = append(s.events[org], monitorEventID(lr))
				case "docusign.admin.user":
					v, _ := lr.Attributes().Get("xdm.target.user.identifier")
					s.users[org] = append(s.users[org], v.Str())
				}
			}
		}
	}
	return nil
}

func (s *orgSink) snapshot(org string) (events, users []string, unlabeled int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.events[org]), slices.Clone(s.users[org]), s.unlabeled
}

// orgs returns every organisation id records named.
func (s *orgSink) orgs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for org := range s.events {
		out = append(out, org)
	}
	for org := range s.users {
		if !slices.Contains(out, org) {
			out = append(out, org)
		}
	}
	slices.Sort(out)
	return out
}

const multiOrgOverlay = `
extensions:
  file_storage/docusign:
    directory: %[1]s
receivers:
  docusign/org-a:
    environment: demo
    private_key_file: %[2]s
    auth_endpoint: %[3]s
    monitor: {endpoint: %[3]s, poll_interval: 1s, page_size: 500, start_time: %[5]s}
    users: {endpoint: %[3]s/management, poll_interval: 1s}
  docusign/org-b:
    environment: demo
    private_key_file: %[2]s
    auth_endpoint: %[4]s
    monitor: {endpoint: %[4]s, poll_interval: 1s, page_size: 500, start_time: %[5]s}
exporters:
  otlp_http:
    endpoint: %[6]s
    # Consume returns once exported: what arrived is exactly what the checkpoints cover.
    sending_queue: {enabled: false}
service:
  telemetry:
    metrics:
      level: none
`

// TestMultiOrgRecipe runs examples/multi-org/config.yaml against two fake organisations: each
// receiver delivers every event of its own organisation, in order, each record names its
// organisation (org-b has users off), and a restart after new events in organisation A only resumes
// both from their own checkpoints: A's new events arrive once, B repeats nothing.
func TestMultiOrgRecipe(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	a := docusigntest.NewServer(docusigntest.Options{Seed: 31, UserID: "a0000000-0000-4000-8000-00000000000a",
		OrganizationID: "a0a0a0a0-1111-4222-8333-444455556666", AccountID: "a1a1a1a1-0000-4b5c-8d9e-112233445566"})
	t.Cleanup(a.Close)
	b := docusigntest.NewServer(docusigntest.Options{Seed: 32, UserID: "b0000000-0000-4000-8000-00000000000b",
		OrganizationID: "b0b0b0b0-1111-4222-8333-444455556666", AccountID: "b1b1b1b1-0000-4b5c-8d9e-112233445566"})
	t.Cleanup(b.Close)
	now := time.Now().UTC()
	for _, srv := range []*docusigntest.Server{a, b} {
		srv.AddUsers(15)
	}
	a.AddMonitorEvents(2500, now.Add(-2*time.Hour), time.Second)
	b.AddMonitorEvents(1800, now.Add(-2*time.Hour), 2*time.Second)
	wantA, wantB := a.MonitorEventIDs(), b.MonitorEventIDs()
	require.Empty(t, slices.DeleteFunc(slices.Clone(wantA), func(id string) bool { return !slices.Contains(wantB, id) }),
		"the two organisations' events differ")

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "docusign.pem")
	require.NoError(t, os.WriteFile(keyPath, a.PrivateKeyPEM(), 0o600))
	require.Equal(t, a.PrivateKeyPEM(), b.PrivateKeyPEM(), "one app, one key pair, both organisations")
	require.Equal(t, a.IntegrationKey(), b.IntegrationKey())
	t.Setenv("DOCUSIGN_INTEGRATION_KEY", a.IntegrationKey())
	t.Setenv("DOCUSIGN_ORG_A_USER_ID", a.UserID())
	t.Setenv("DOCUSIGN_ORG_A_ORGANIZATION_ID", a.OrganizationID())
	t.Setenv("DOCUSIGN_ORG_A_ACCOUNT_ID", a.AccountID())
	t.Setenv("DOCUSIGN_ORG_B_USER_ID", b.UserID())
	t.Setenv("DOCUSIGN_ORG_B_ORGANIZATION_ID", b.OrganizationID())
	t.Setenv("OTLP_ENDPOINT", "http://127.0.0.1:9") // replaced by the overlay

	sink := newOrgSink()
	otlpURL := testkit.StartOTLPHTTPReceiver(t, sink)
	storageDir := filepath.Join(dir, "storage")
	overlay := writeOverlay(t, dir, fmt.Sprintf(multiOrgOverlay, storageDir, keyPath, a.URL(), b.URL(),
		now.Add(-3*time.Hour).Format(time.RFC3339), otlpURL))
	config := recipe(t, "multi-org", "config.yaml")

	first := startCollector(t, bin, config, "--config", overlay)
	require.Eventually(t, func() bool {
		evA, usersA, _ := sink.snapshot(a.OrganizationID())
		evB, _, _ := sink.snapshot(b.OrganizationID())
		return len(evA) >= len(wantA) && len(evB) >= len(wantB) && len(usersA) >= 15
	}, 2*time.Minute, 50*time.Millisecond, "both organisations' backlogs and A's users arrive")
	require.NoError(t, first.stop(t, syscall.SIGTERM), "clean shutdown on SIGTERM")

	evA, usersA, unlabeled := sink.snapshot(a.OrganizationID())
	evB, usersB, _ := sink.snapshot(b.OrganizationID())
	assert.Equal(t, wantA, evA, "organisation A: every event once, in order, under A")
	assert.Equal(t, wantB, evB, "organisation B: every event once, in order, under B")
	assert.ElementsMatch(t, a.UserIDs(), usersA, "A's users, once each")
	assert.Empty(t, usersB, "B's receiver has users off")
	assert.Zero(t, unlabeled, "every record names its organisation")
	assert.Equal(t, []string{a.OrganizationID(), b.OrganizationID()}, sink.orgs(), "no other organisation")

	// Two receivers, two storage clients: file_storage keeps one file per component id.
	files, err := os.ReadDir(storageDir)
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	joined := strings.Join(names, " ")
	t.Logf("storage files: %s", joined)
	assert.Contains(t, joined, "org-a", "org-a's own storage file: %s", joined)
	assert.Contains(t, joined, "org-b", "org-b's own storage file: %s", joined)

	// New events in organisation A only; B's stream is unchanged. After the restart each receiver
	// resumes from its own checkpoint.
	a.AddMonitorEvents(700, time.Now().UTC(), 10*time.Millisecond)
	wantA = a.MonitorEventIDs()
	requestsB := b.Stats().MonitorRequests
	second := startCollector(t, bin, config, "--config", overlay)
	require.Eventually(t, func() bool {
		evA, _, _ := sink.snapshot(a.OrganizationID())
		return len(evA) >= len(wantA)
	}, time.Minute, 50*time.Millisecond, "A's new events arrive")
	require.Eventually(t, func() bool { return b.Stats().MonitorRequests >= requestsB+3 }, 30*time.Second, 50*time.Millisecond,
		"B polled its stream after the restart")
	waitPollsOf(t, a, 2)
	require.NoError(t, second.stop(t, syscall.SIGTERM))

	evA, usersAfter, unlabeled := sink.snapshot(a.OrganizationID())
	evB, _, _ = sink.snapshot(b.OrganizationID())
	assert.Equal(t, wantA, evA, "A: the new events once each, after the old ones, nothing repeated")
	assert.Equal(t, usersA, usersAfter, "A's users unchanged: none reported again")
	assert.Equal(t, wantB, evB, "B: its checkpoint untouched by A's, nothing repeated, nothing lost")
	assert.Zero(t, unlabeled)
}

// waitPollsOf waits until srv answered n more Monitor requests: nothing is in flight from before.
func waitPollsOf(t *testing.T, srv *docusigntest.Server, n int) {
	t.Helper()
	from := srv.Stats().MonitorRequests
	require.Eventually(t, func() bool { return srv.Stats().MonitorRequests >= from+n }, 30*time.Second, 50*time.Millisecond)
}
