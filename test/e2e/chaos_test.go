// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

const chaosConfigTemplate = `
extensions:
  file_storage/docusign:
    directory: %[1]s
    create_directory: true
  health_check:
    http:
      endpoint: %[8]s
      status:
        enabled: true
        path: /status
    component_health:
      include_recoverable_errors: true
      recovery_duration: 1ms
receivers:
  docusign:
    environment: demo
    integration_key: %[2]s
    user_id: %[3]s
    private_key_file: %[4]s
    auth_endpoint: %[5]s
    storage: file_storage/docusign
    timeout: 1s
    monitor:
      endpoint: %[5]s
      poll_interval: 1s
      page_size: 100
      start_time: %[6]s
    users:
      enabled: true
      endpoint: %[5]s/management
      organization_id: %[9]s
      account_id: %[10]s
      poll_interval: 1s
      page_size: 100
exporters:
  otlp_grpc:
    endpoint: %[7]s
    tls:
      insecure: true
    sending_queue:
      enabled: false
service:
  extensions: [file_storage/docusign, health_check]
  telemetry:
    logs:
      level: debug
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [docusign]
      exporters: [otlp_grpc]
`

// healthWatch polls the health_check extension and remembers every status code it answered.
type healthWatch struct {
	url  string
	mu   sync.Mutex
	seen map[int]int
	last int
}

func (h *healthWatch) poll(stop <-chan struct{}) {
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-stop:
			return
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(h.url)
		if err != nil {
			continue // the collector is starting or was just killed
		}
		_ = resp.Body.Close()
		h.mu.Lock()
		h.seen[resp.StatusCode]++
		h.last = resp.StatusCode
		h.mu.Unlock()
	}
}

func (h *healthWatch) saw(code int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[code] > 0
}

func (h *healthWatch) lastCode() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// TestCollectorSurvivesChaos runs the built collector against the fake DocuSign in chaos mode — about
// every third request answered with one of its hostile faults, hostile records in the stream — kills
// it once mid-drain, and checks: the process never exits on its own, every event and user arrives,
// duplicates stay within one page per restart, no secret reaches its debug log, and health reports the
// trouble and returns to OK once the faults stop.
func TestCollectorSurvivesChaos(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 11})
	t.Cleanup(srv.Close)
	now := time.Now().UTC()
	srv.AddMonitorEvents(6000, now.Add(-2*time.Hour), 500*time.Millisecond)
	for _, kind := range []docusigntest.Hostile{docusigntest.HostileEventBadCoordinates, docusigntest.HostileEventDeepNesting,
		docusigntest.HostileEventMalformed} {
		require.NoError(t, srv.AppendHostileMonitorEvents(kind, 4))
	}
	srv.AddMonitorEvents(2000, time.Now().UTC(), time.Millisecond)
	srv.AddUsers(600)
	srv.SetHostileTiming(docusigntest.HostileTiming{SlowHeaders: 1500 * time.Millisecond, SlowBody: 1500 * time.Millisecond})
	srv.SetLatency(20 * time.Millisecond)
	require.NoError(t, srv.SetChaos(docusigntest.Chaos{Rate: 0.3, Seed: 5}))
	wantEvents := srv.MonitorEventIDs()

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	sink := &recordSink{}
	otlpEndpoint := testkit.StartOTLPReceiver(t, sink)
	healthAddr := testkit.FreePort(t)
	configPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(chaosConfigTemplate, filepath.Join(dir, "storage"), srv.IntegrationKey(), srv.UserID(), keyPath,
		srv.URL(), now.Add(-3*time.Hour).Format(time.RFC3339), otlpEndpoint, healthAddr, srv.OrganizationID(), srv.AccountID())
	require.NoError(t, os.WriteFile(configPath, []byte(cfg), 0o600))

	health := &healthWatch{url: "http://" + healthAddr + "/status", seen: map[int]int{}}
	stop := make(chan struct{})
	var watching sync.WaitGroup
	watching.Add(1)
	go func() { defer watching.Done(); health.poll(stop) }()
	t.Cleanup(func() { close(stop); watching.Wait() })

	args := []string{"--feature-gates=+extension.healthcheck.useComponentStatus"}
	first := startCollector(t, bin, configPath, args...)
	require.Eventually(t, func() bool { return len(sink.events()) >= 2000 }, 3*time.Minute, 20*time.Millisecond,
		"the first collector delivers part of the backlog through the chaos")
	requireRunning(t, first)
	_ = first.stop(t, syscall.SIGKILL)
	killedAt := len(sink.events())

	second := startCollector(t, bin, configPath, args...)
	require.Eventually(t, func() bool {
		return len(unique(sink.events())) == len(wantEvents) && len(unique(sink.users())) == 600
	}, 5*time.Minute, 100*time.Millisecond, "every event and every user arrives through the chaos")
	requireRunning(t, second)
	require.True(t, health.saw(http.StatusServiceUnavailable) || health.saw(http.StatusInternalServerError),
		"health reported the trouble: %v", health.seen)

	require.NoError(t, srv.SetChaos(docusigntest.Chaos{}))
	require.Eventually(t, func() bool { return health.lastCode() == http.StatusOK }, time.Minute, 50*time.Millisecond,
		"health returns to OK once DocuSign behaves")
	requireRunning(t, second)
	require.NoError(t, second.stop(t, syscall.SIGTERM), "clean shutdown on SIGTERM")

	events, users := sink.events(), sink.users()
	assert.Equal(t, wantEvents, unique(events), "every event, in stream order")
	assert.LessOrEqual(t, len(events)-len(wantEvents), 100, "duplicates: at most the page in flight at the kill")
	assert.LessOrEqual(t, len(users)-600, 100, "user duplicates: at most the page in flight at the kill")
	st := srv.Stats()
	t.Logf("chaos: %d hostile answers %v; %d events delivered for %d (killed at %d), %d user records; health %v",
		totalOf(st.Hostile), st.Hostile, len(events), len(wantEvents), killedAt, len(users), health.seen)
	assert.GreaterOrEqual(t, len(st.Hostile), 12, "the chaos really happened: many kinds of hostile answers")
	assert.GreaterOrEqual(t, totalOf(st.Hostile), 30, "and many of them")

	logs := first.output.String() + second.output.String()
	assert.Contains(t, logs, "\tdebug\t", "the log is at debug level")
	assertNoSecrets(t, srv, logs)
	for _, r := range srv.ElsewhereRequests() {
		assert.Empty(t, r.Header.Get("Authorization"), "no bearer token sent to another host")
		assert.NotContains(t, string(r.Body), "assertion=", "no assertion sent to another host")
	}
}

// assertNoSecrets checks the collector's output for key material, JWTs and bearer tokens.
func assertNoSecrets(t *testing.T, srv *docusigntest.Server, logs string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(string(srv.PrivateKeyPEM())), "\n")[1:6] {
		assert.NotContains(t, logs, line, "private key material")
	}
	assert.NotContains(t, logs, "eyJ", "no JWT (assertion or token)")
	for _, m := range regexp.MustCompile(`(?i)bearer\s+([A-Za-z0-9._~+/=\[\]-]{10,})`).FindAllStringSubmatch(logs, -1) {
		assert.Equal(t, "[redacted]", m[1], "a bearer token in %q", m[0])
	}
}

func totalOf(m map[docusigntest.Hostile]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// requireRunning fails the test if the collector process has exited.
func requireRunning(t *testing.T, c *collector) {
	t.Helper()
	select {
	case err := <-c.done:
		c.done <- err
		t.Fatalf("the collector exited on its own: %v", err)
	default:
	}
}
