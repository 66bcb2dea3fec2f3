// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package e2e runs the collector built by ocb (dist/otelcol-docusign) against the DocuSign simulator
// and a real OTLP receiver in this process. `make test` sets OTELCOL_DOCUSIGN_BIN.
package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recordSink is the OTLP receiver's consumer: it records every Monitor eventId and every user id in
// arrival order.
type recordSink struct {
	mu      sync.Mutex
	ids     []string
	userIDs []string
}

func (s *recordSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *recordSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				switch lr.EventName() {
				case "docusign.monitor.event":
					s.ids = append(s.ids, monitorEventID(lr))
				case "docusign.admin.user":
					if v, ok := lr.Attributes().Get("xdm.target.user.identifier"); ok {
						s.userIDs = append(s.userIDs, v.Str())
					}
				}
			}
		}
	}
	return nil
}

// monitorEventID is xdm.event.id, or for a record kept as raw text (flagged), the eventId in that text.
func monitorEventID(lr plog.LogRecord) string {
	if v, ok := lr.Attributes().Get("xdm.event.id"); ok {
		return v.Str()
	}
	if m := rawEventID.FindStringSubmatch(lr.Body().AsString()); m != nil {
		return m[1]
	}
	return ""
}

var rawEventID = regexp.MustCompile(`"eventId"\s*:\s*"([^"]*)"`)

func (s *recordSink) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

func (s *recordSink) users() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.userIDs...)
}

type collector struct {
	cmd    *exec.Cmd
	output *syncBuffer
	done   chan error
}

// syncBuffer is the collector's output, written by the process pipe while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startCollector(t *testing.T, bin, configPath string, args ...string) *collector {
	t.Helper()
	c := &collector{output: &syncBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, append([]string{"--config", configPath}, args...)...)
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("collector output:\n%s", c.output.String())
		}
	})
	return c
}

func (c *collector) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(sig))
	select {
	case err := <-c.done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("collector did not exit after %s", sig)
		return nil
	}
}

const configTemplate = `
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
      page_size: 1000
      start_time: %[6]s
exporters:
  otlp_grpc:
    endpoint: %[7]s
    tls:
      insecure: true
    # Consume returns only once the export succeeded, so a checkpoint never covers unexported data.
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

// TestCollectorDeliversEveryEventAcrossSIGKILL drains a backlog through the built collector, kills it
// with SIGKILL mid-drain, restarts it on the same file_storage and checks every event arrived.
func TestCollectorDeliversEveryEventAcrossSIGKILL(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 7})
	t.Cleanup(srv.Close)
	const total = 30000
	now := time.Now().UTC()
	srv.AddMonitorEvents(total, now.Add(-2*time.Hour), 200*time.Millisecond)
	srv.SetLatency(40 * time.Millisecond) // 30 pages: a drain long enough to kill in the middle
	want := srv.MonitorEventIDs()
	require.Len(t, want, total)

	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	sink := &recordSink{}
	otlpEndpoint := testkit.StartOTLPReceiver(t, sink)
	configPath := filepath.Join(dir, "config.yaml")
	cfg := fmt.Sprintf(configTemplate, filepath.Join(dir, "storage"), srv.IntegrationKey(), srv.UserID(), keyPath,
		srv.URL(), now.Add(-3*time.Hour).Format(time.RFC3339), otlpEndpoint)
	require.NoError(t, os.WriteFile(configPath, []byte(cfg), 0o600))

	first := startCollector(t, bin, configPath)
	require.Eventually(t, func() bool { return len(sink.events()) >= 5000 }, time.Minute, 20*time.Millisecond,
		"the first collector delivers part of the backlog")
	_ = first.stop(t, syscall.SIGKILL)
	killedAt := len(sink.events())
	require.Less(t, killedAt, total, "killed during the drain, not after it")

	second := startCollector(t, bin, configPath)
	require.Eventually(t, func() bool { return len(unique(sink.events())) == total }, 2*time.Minute, 50*time.Millisecond,
		"after the restart every event arrives")
	require.NoError(t, second.stop(t, syscall.SIGTERM), "clean shutdown on SIGTERM")

	got := sink.events()
	dups := len(got) - total
	t.Logf("delivered %d records for %d events: %d duplicates after SIGKILL at %d", len(got), total, dups, killedAt)
	assert.Equal(t, want, unique(got), "every event, in stream order")
	assert.LessOrEqual(t, dups, 2*1000, "duplicates are bounded by the pages in flight at the kill")
	assert.NotContains(t, first.output.String()+second.output.String(), keyLine(srv), "no key material in the logs")
}

// keyLine is one base64 line from the middle of the private key.
func keyLine(srv *docusigntest.Server) string {
	lines := strings.Split(string(srv.PrivateKeyPEM()), "\n")
	return lines[len(lines)/2]
}

// unique keeps the first occurrence of each id, in order.
func unique(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			seen[id] = struct{}{}
			out = append(out, id)
		}
	}
	return out
}

// TestValidateNamesTheBadKey runs `otelcol-docusign validate` on broken configs.
func TestValidateNamesTheBadKey(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	srv := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(srv.Close)
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	ecPEM := filepath.Join(dir, "ec.pem")
	require.NoError(t, os.WriteFile(ecPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), 0o600))

	base := map[string]string{
		"integration_key":  "00000000-0000-4000-8000-000000000001",
		"user_id":          "00000000-0000-4000-8000-000000000002",
		"private_key_file": keyPath,
	}
	tests := []struct {
		name  string
		extra map[string]string // "" value removes the key
		want  string
	}{
		{"valid", nil, ""},
		{"missing integration_key", map[string]string{"integration_key": ""}, "integration_key: required"},
		{"missing user_id", map[string]string{"user_id": ""}, "user_id: required"},
		{"no private key", map[string]string{"private_key_file": ""}, "private_key, private_key_file: one is required"},
		{"both private keys", map[string]string{"private_key": "x"}, "private_key, private_key_file: set exactly one"},
		{"unreadable key file", map[string]string{"private_key_file": filepath.Join(dir, "nope.pem")}, "private_key_file: cannot read"},
		{"not a PEM", map[string]string{"private_key_file": notPEM}, "private_key_file:"},
		{"not an RSA key", map[string]string{"private_key_file": ecPEM}, "private_key_file:"},
		{"users without account_id", map[string]string{"users::enabled": "true", "users::organization_id": "o"}, "users.account_id"},
		{"unknown environment", map[string]string{"environment": "staging"}, "environment:"},
		{"monitor page size", map[string]string{"monitor::page_size": "2001"}, "monitor.page_size"},
		{"users page size", map[string]string{"users::page_size": "999"}, "users.page_size"},
		{"zero poll interval", map[string]string{"monitor::poll_interval": "0s"}, "monitor.poll_interval"},
		{"bad start_time", map[string]string{"monitor::start_time": "last-week"}, "monitor.start_time"},
		{"users without ids", map[string]string{"users::enabled": "true"}, "users.organization_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]string{}
			for k, v := range base {
				fields[k] = v
			}
			for k, v := range tt.extra {
				fields[k] = v
			}
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_")+".yaml")
			require.NoError(t, os.WriteFile(path, []byte(receiverConfig(fields)), 0o600))
			out, err := exec.Command(bin, "validate", "--config", path).CombinedOutput()
			if tt.want == "" {
				require.NoError(t, err, "%s", out)
				return
			}
			require.Error(t, err, "validate must fail: %s", out)
			assert.Contains(t, string(out), tt.want)
			assert.NotContains(t, string(out), keyLine(srv), "no key material in errors")
		})
	}
}

// receiverConfig renders a docusign receiver with debug exporter; "a::b" keys nest one level.
func receiverConfig(fields map[string]string) string {
	var top, monitor, users strings.Builder
	for k, v := range fields {
		if v == "" {
			continue
		}
		switch {
		case strings.HasPrefix(k, "monitor::"):
			fmt.Fprintf(&monitor, "      %s: %s\n", strings.TrimPrefix(k, "monitor::"), v)
		case strings.HasPrefix(k, "users::"):
			fmt.Fprintf(&users, "      %s: %s\n", strings.TrimPrefix(k, "users::"), v)
		default:
			fmt.Fprintf(&top, "    %s: %q\n", k, v)
		}
	}
	var b strings.Builder
	b.WriteString("receivers:\n  docusign:\n    auth_endpoint: http://127.0.0.1:9\n")
	b.WriteString(top.String())
	b.WriteString("    monitor:\n      endpoint: http://127.0.0.1:9\n")
	b.WriteString(monitor.String())
	if users.Len() > 0 {
		b.WriteString("    users:\n")
		b.WriteString(users.String())
	}
	b.WriteString("exporters:\n  debug: {}\nservice:\n  pipelines:\n    logs:\n      receivers: [docusign]\n      exporters: [debug]\n")
	return b.String()
}
