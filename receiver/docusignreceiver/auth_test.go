// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// TestReceiverAssertionAcceptedWithExactClaims checks the receiver's JWT grant against the fake
// DocuSign, which verifies the signature with the public key, and reads back the claims it got.
func TestReceiverAssertionAcceptedWithExactClaims(t *testing.T) {
	srv := backlogServer(t, 4000)
	cfg := backlogConfig(srv)
	cfg.Monitor.PageSize = 1000
	cfg.Users.Enabled = true
	sink := new(consumertest.LogsSink)
	before := time.Now().Unix()
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 4000 }, 30*time.Second, 10*time.Millisecond)

	st := srv.Stats()
	assert.Equal(t, 1, st.TokensIssued, "one token serves every page of both sources")
	assert.Zero(t, st.TokenRejected)
	claims := srv.LastAssertionClaims()
	require.NotNil(t, claims)
	assert.Equal(t, srv.IntegrationKey(), claims["iss"])
	assert.Equal(t, srv.UserID(), claims["sub"])
	// Issue 11 defect 18: auth_endpoint points at another host (here the fake), aud stays the environment's.
	assert.Equal(t, "account-d.docusign.com", claims["aud"], "demo's OAuth host, bare, whatever auth_endpoint says")
	assert.Equal(t, "signature impersonation user_read organization_read", claims["scope"])
	iat, exp := claims["iat"].(float64), claims["exp"].(float64)
	assert.InDelta(t, float64(before), iat, 5)
	assert.Equal(t, 3600.0, exp-iat)
}

// TestAudienceKeyOverridesTheEnvironment: the audience key is signed as given.
func TestAudienceKeyOverridesTheEnvironment(t *testing.T) {
	srv := backlogServer(t, 10)
	cfg := backlogConfig(srv)
	cfg.Audience = srv.Audience() // the fake's own host, which it also accepts
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 10 }, 30*time.Second, 10*time.Millisecond)
	assert.Equal(t, srv.Audience(), srv.LastAssertionClaims()["aud"])
}

// TestRecordsCarryResourceAndScope checks both sources stamp the receiver's resource and scope.
func TestRecordsCarryResourceAndScope(t *testing.T) {
	srv := backlogServer(t, 10)
	srv.AddUsers(3)
	cfg := backlogConfig(srv)
	cfg.Users.Enabled = true
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 13 }, 30*time.Second, 10*time.Millisecond)

	names := map[string]int{}
	for _, ld := range sink.AllLogs() {
		rl := ld.ResourceLogs().At(0)
		attrs := rl.Resource().Attributes().AsRaw()
		assert.Equal(t, map[string]any{
			"docusign.environment":     "demo",
			"docusign.organization.id": srv.OrganizationID(),
			"docusign.account.id":      srv.AccountID(),
		}, attrs)
		scope := rl.ScopeLogs().At(0).Scope()
		assert.Equal(t, metadata.ScopeName, scope.Name())
		assert.NotEmpty(t, scope.Version())
		forEachRecord(ld, func(lr plog.LogRecord) { names[lr.EventName()]++ })
	}
	assert.Equal(t, map[string]int{"docusign.monitor.event": 10, "docusign.admin.user": 3}, names)
}
