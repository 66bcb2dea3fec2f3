// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

// mixSink counts the Monitor records it got by object, action and result (the body, as DocuSign sent it).
type mixSink struct {
	mu     sync.Mutex
	events map[string]float64
	total  int
}

func (s *mixSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *mixSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rl := range ld.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				if lr.EventName() != "docusign.monitor.event" {
					continue
				}
				body := lr.Body().Map().AsRaw()
				str := func(k string) string { v, _ := body[k].(string); return v }
				s.events[str("object")+"|"+str("action")+"|"+str("result")]++
				s.total++
			}
		}
	}
	return nil
}

func (s *mixSink) snapshot() (map[string]float64, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]float64, len(s.events))
	for k, v := range s.events {
		out[k] = v
	}
	return out, s.total
}

var promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)`)
var promLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

// scrape reads the Prometheus exporter: every sample of name as its labels (selected keys, "|"-joined) → value.
func scrape(t *testing.T, url, name string, keys ...string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := promSample.FindStringSubmatch(sc.Text())
		if m == nil || m[1] != name {
			continue
		}
		labels := map[string]string{}
		for _, l := range promLabel.FindAllStringSubmatch(m[2], -1) {
			labels[l[1]] = l[2]
		}
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = labels[k]
		}
		v, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err)
		out[strings.Join(parts, "|")] = v
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return out
}

// The alerting recipe: one receiver in a logs and a metrics pipeline; Prometheus scrapes exactly the
// mix of events the logs pipeline got, the users by status, their creations, and no lag once caught up.
func TestAlertingRecipeExportsExactCounts(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 23})
	t.Cleanup(srv.Close)
	srv.AddUsers(20)

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	sink := &mixSink{events: map[string]float64{}}
	promAddr := testkit.FreePort(t)
	for k, v := range map[string]string{
		"DOCUSIGN_STORAGE": filepath.Join(dir, "storage"), "DOCUSIGN_ENVIRONMENT": "demo",
		"DOCUSIGN_INTEGRATION_KEY": srv.IntegrationKey(), "DOCUSIGN_USER_ID": srv.UserID(), "DOCUSIGN_PRIVATE_KEY_FILE": keyPath,
		"DOCUSIGN_AUTH_ENDPOINT": srv.URL(), "DOCUSIGN_MONITOR_ENDPOINT": srv.URL(), "DOCUSIGN_USERS_ENDPOINT": srv.URL() + "/management",
		"DOCUSIGN_MONITOR_POLL_INTERVAL": "1s", "DOCUSIGN_ORGANIZATION_ID": srv.OrganizationID(), "DOCUSIGN_ACCOUNT_ID": srv.AccountID(),
		"OTLP_ENDPOINT": testkit.StartOTLPReceiver(t, sink), "OTLP_INSECURE": "true", "PROMETHEUS_ENDPOINT": promAddr,
		"HEALTH_ENDPOINT": testkit.FreePort(t),
	} {
		t.Setenv(k, v)
	}
	c := startCollector(t, bin, filepath.Join("..", "..", "examples", "alerting", "config.yaml"))
	// Without a checkpoint Monitor starts from now: the events come after the start.
	require.Eventually(t, func() bool { return srv.Stats().MonitorRequests > 0 }, time.Minute, 20*time.Millisecond)
	srv.AddMonitorEvents(1500, time.Now(), time.Millisecond)
	require.Eventually(t, func() bool { _, n := sink.snapshot(); return n == 1500 }, 2*time.Minute, 50*time.Millisecond, "every event delivered")
	want, _ := sink.snapshot()
	url := "http://" + promAddr + "/metrics"
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(want, scrape(t, url, "docusign_monitor_events_total", "docusign_event_object", "docusign_event_action", "docusign_event_result"))
	}, time.Minute, 100*time.Millisecond, "the scrape counts what the logs pipeline got, per label set")
	require.Eventually(t, func() bool {
		users := scrape(t, url, "docusign_users", "docusign_user_status")
		total := 0.0
		for _, v := range users {
			total += v
		}
		return total == 20
	}, time.Minute, 100*time.Millisecond, "every user by status")
	assert.Equal(t, map[string]float64{"CREATE|": 20}, scrape(t, url, "docusign_users_changes_total", "docusign_user_operation", "docusign_user_changed_field"))
	require.Eventually(t, func() bool {
		return assert.ObjectsAreEqual(map[string]float64{srv.OrganizationID(): 0}, scrape(t, url, "docusign_monitor_lag_seconds", "docusign_organization_id"))
	}, time.Minute, 100*time.Millisecond, "caught up: no lag")
	require.NoError(t, c.stop(t, 15))
}

// The alert rules load and pass their unit tests in promtool (Debian's prometheus package; .ci/run installs it).
func TestAlertingRulesPassPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is not installed; .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	dir := filepath.Join("..", "..", "examples", "alerting")
	for _, args := range [][]string{{"check", "rules", "prometheus-rules.yaml"}, {"test", "rules", "prometheus-rules.test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
		assert.Contains(t, string(out), "SUCCESS")
	}
}
