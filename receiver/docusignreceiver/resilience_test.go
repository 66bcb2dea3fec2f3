// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
)

// TestMonitorSurvivesFaults injects every transient failure DocuSign produces during one drain and
// checks the stream still arrives complete, in order, without duplicates.
func TestMonitorSurvivesFaults(t *testing.T) {
	srv := backlogServer(t, 6000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 500
	srv.FailNext("/api/v2.0/datasets/monitor/stream", 2, http.StatusServiceUnavailable)
	sink := new(consumertest.LogsSink)
	logger, logs := observedLogger()
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)

	// Each fault strikes once the previous one has been recovered from, mid-drain.
	faults := []func(){
		func() { srv.RateLimitNext(1, time.Second) },
		func() { srv.TruncateNext(1) },
		func() { srv.ResetNext(1) },
		func() { srv.ExpireTokens() },
		func() { srv.FailNext("/api/v2.0/datasets/monitor/stream", 1, http.StatusGatewayTimeout) },
	}
	for i, inject := range faults {
		target := (i + 1) * 1000
		require.Eventually(t, func() bool { return sink.LogRecordCount() >= target }, 60*time.Second, 5*time.Millisecond, "fault %d", i)
		inject()
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 6000 }, 60*time.Second, 10*time.Millisecond)
	waitPolls(t, srv, 2)
	assertSameIDs(t, srv.MonitorEventIDs(), eventIDs(sink.AllLogs()), "complete, ordered, no duplicates")

	st := srv.Stats()
	assert.Equal(t, 2, st.TokensIssued, "one token, plus one refresh after the forced expiry")
	assert.GreaterOrEqual(t, st.StatusCounts[http.StatusTooManyRequests], 1)
	assert.GreaterOrEqual(t, st.Truncated, 1)
	assert.GreaterOrEqual(t, st.Resets, 1)
	assert.GreaterOrEqual(t, st.Unauthorized, 1)
	failures := logs.FilterMessage("Poll failed; will retry").All()
	require.NotEmpty(t, failures)
	var traced bool
	for _, f := range failures {
		if strings.Contains(f.ContextMap()["error"].(string), "trace token") {
			traced = true
		}
	}
	assert.True(t, traced, "HTTP failures are logged with DocuSign's trace token")
}

// TestConsentRequiredReportsConsentURL checks the status and log carry the consent link, then recovery.
func TestConsentRequiredReportsConsentURL(t *testing.T) {
	srv := backlogServer(t, 10)
	srv.SetConsentRequired(true)
	cfg := backlogConfig(srv)
	cfg.RedirectURI = "https://example.com/callback"
	host := newFileStorageHost(t, t.TempDir())
	logger, logs := observedLogger()
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, host, sink, logger)

	require.Eventually(t, func() bool { return logs.FilterMessage("Poll failed; will retry").Len() > 0 }, 10*time.Second, 5*time.Millisecond)
	entry := logs.FilterMessage("Poll failed; will retry").All()[0]
	msg := entry.ContextMap()["error"].(string)
	assert.Contains(t, msg, "consent_required")
	assert.Contains(t, msg, srv.URL()+"/oauth/auth?response_type=code&scope=signature%20impersonation")
	assert.Contains(t, msg, "client_id="+srv.IntegrationKey())
	assert.Contains(t, msg, "redirect_uri=https%3A%2F%2Fexample.com%2Fcallback")

	var recoverable *componentstatus.Event
	require.Eventually(t, func() bool {
		host.mu.Lock()
		defer host.mu.Unlock()
		for _, ev := range host.statuses {
			if ev.Status() == componentstatus.StatusRecoverableError {
				recoverable = ev
				return true
			}
		}
		return false
	}, 5*time.Second, 5*time.Millisecond)
	assert.True(t, errors.Is(recoverable.Err(), auth.ErrConsentRequired), "status carries the typed error: %v", recoverable.Err())

	srv.SetConsentRequired(false) // the user opened the link
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 10 }, 30*time.Second, 10*time.Millisecond, "recovers on a later poll")
}

// TestSecretsNeverLogged drives failure paths and checks no key material, assertion or token is logged.
func TestSecretsNeverLogged(t *testing.T) {
	srv := backlogServer(t, 2000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 500
	srv.FailNext("/oauth/token", 1, http.StatusInternalServerError)
	srv.FailNext("/api/v2.0/datasets/monitor/stream", 1, http.StatusBadGateway)
	logger, logs := observedLogger()
	sink := &flakyConsumer{failOn: map[int]error{2: errors.New("backend down")}}
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, logger)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 1000 }, 30*time.Second, 10*time.Millisecond)
	srv.ExpireTokens()
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 2000 }, 30*time.Second, 10*time.Millisecond)

	all := renderLogs(logs)
	require.NotEmpty(t, all)
	for _, line := range strings.Split(strings.TrimSpace(string(srv.PrivateKeyPEM())), "\n")[1:5] {
		assert.NotContains(t, all, line, "private key material")
	}
	assert.NotContains(t, all, "eyJ", "no JWT (assertion) in logs")
	assert.NotContains(t, all, "Bearer ")
	assert.NotContains(t, all, "access_token")
}

func renderLogs(logs *observer.ObservedLogs) string {
	var b strings.Builder
	for _, e := range logs.All() {
		b.WriteString(e.Message)
		for k, v := range e.ContextMap() {
			b.WriteString(" " + k + "=")
			b.WriteString(strings.ReplaceAll(toString(v), "\n", " "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func toString(v any) string {
	if e, ok := v.(error); ok {
		return e.Error()
	}
	return fmt.Sprint(v)
}
