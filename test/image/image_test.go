// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package image runs the otelcol-docusign container image (deploy/docker) with its default
// configuration against the fake DocuSign and an OTLP receiver in this process.
// `make test-image` builds the image and sets OTELCOL_DOCUSIGN_IMAGE.
package image

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// keyInImage is where the default configuration reads the private key.
const keyInImage = "/run/secrets/docusign-private-key"

// TestImageDeliversEvents runs the doctor and then the collector from the image, both with the
// image's own configuration, and checks events and users arrive and health answers.
func TestImageDeliversEvents(t *testing.T) {
	image := os.Getenv("OTELCOL_DOCUSIGN_IMAGE")
	if image == "" {
		t.Skip("OTELCOL_DOCUSIGN_IMAGE not set; `make test-image` builds the image and runs this test")
	}
	assert.Equal(t, "10001:10001", docker(t, "image", "inspect", "-f", "{{.Config.User}}", image), "runs as a non-root user")

	srv := docusigntest.NewServer(docusigntest.Options{Seed: 11})
	t.Cleanup(srv.Close)
	srv.AddUsers(25)
	ctx, cancel := context.WithCancel(context.Background())
	var live sync.WaitGroup
	live.Add(1)
	go func() { defer live.Done(); srv.AppendLive(ctx, 20) }()
	t.Cleanup(func() { cancel(); live.Wait() })

	// The container's user (uid 10001) reads the key through a bind mount of this one file.
	keyPath := filepath.Join(t.TempDir(), "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	require.NoError(t, os.Chmod(keyPath, 0o644))

	sink := &recordSink{}
	health, metrics := testkit.FreePort(t), testkit.FreePort(t)
	env := append(srv.Env(keyInImage),
		"DOCUSIGN_MONITOR_POLL_INTERVAL=1s", "DOCUSIGN_USERS_ENABLED=true",
		"OTLP_ENDPOINT="+testkit.StartOTLPReceiver(t, sink), "OTLP_INSECURE=true",
		"HEALTH_CHECK_ENDPOINT="+health, "METRICS_PORT="+metrics[strings.LastIndex(metrics, ":")+1:])
	// Host networking: the container reaches the fake and the receiver on 127.0.0.1.
	args := []string{"--network", "host", "-v", keyPath + ":" + keyInImage + ":ro"}
	for _, kv := range env {
		args = append(args, "-e", kv)
	}

	doctor := exec.Command("docker", append(append([]string{"run", "--rm", "--entrypoint", "/docusign-doctor"}, args...),
		image, "--config", "/etc/otelcol-docusign/config.yaml")...)
	out, err := doctor.CombinedOutput()
	require.NoError(t, err, "the doctor in the image passes on the image's configuration:\n%s", out)
	t.Logf("doctor:\n%s", out)

	name := "otelcol-docusign-test-" + randomSuffix(t)
	docker(t, append(append([]string{"run", "-d", "--name", name}, args...), image)...)
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := exec.Command("docker", "logs", name).CombinedOutput()
			t.Logf("container output:\n%s", logs)
		}
		// -v also removes the anonymous volume the image's VOLUME created.
		_ = exec.Command("docker", "rm", "-f", "-v", name).Run()
	})

	require.Eventually(t, func() bool { return len(sink.eventIDs()) >= 100 }, 2*time.Minute, 100*time.Millisecond,
		"Monitor events arrive over OTLP")
	require.Eventually(t, func() bool { return sink.userCount() >= 25 }, time.Minute, 100*time.Millisecond,
		"Admin users arrive over OTLP")
	assert.Equal(t, http.StatusOK, httpStatus(t, "http://"+health+"/"), "health_check answers")
	assert.Contains(t, httpBody(t, "http://"+metrics+"/metrics"), "otelcol_receiver_docusign_", "internal metrics are served")

	docker(t, "stop", "-t", "30", name)
	assert.Equal(t, "0", docker(t, "inspect", "-f", "{{.State.ExitCode}}", name), "clean exit on SIGTERM")
}

// docker runs the docker CLI and returns its trimmed output, failing the test on an error.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %s:\n%s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

func randomSuffix(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func httpStatus(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

// recordSink counts what the collector in the container exported: Monitor event ids and user records.
type recordSink struct {
	mu     sync.Mutex
	events map[string]struct{}
	users  map[string]struct{}
}

func (s *recordSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (s *recordSink) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events == nil {
		s.events, s.users = map[string]struct{}{}, map[string]struct{}{}
	}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				switch lr.EventName() {
				case "docusign.monitor.event":
					if v, ok := lr.Attributes().Get("xdm.event.id"); ok {
						s.events[v.Str()] = struct{}{}
					}
				case "docusign.admin.user":
					if v, ok := lr.Attributes().Get("xdm.target.user.identifier"); ok {
						s.users[v.Str()] = struct{}{}
					}
				}
			}
		}
	}
	return nil
}

func (s *recordSink) eventIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.events))
	for id := range s.events {
		ids = append(ids, id)
	}
	return ids
}

func (s *recordSink) userCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}
