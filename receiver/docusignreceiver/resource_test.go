// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// resourceAttrs is the resource of a batch the receiver would build for cfg.
func resourceAttrs(cfg *Config) map[string]any {
	r := &docusignReceiver{cfg: cfg, settings: receivertest.NewNopSettings(metadata.Type)}
	logs, _ := r.newBatch()
	return logs.ResourceLogs().At(0).Resource().Attributes().AsRaw()
}

// Every record names the organisation the receiver knows, whether users are on or off.
func TestResourceNamesTheOrganisation(t *testing.T) {
	tests := []struct {
		name          string
		configure     func(*Config)
		org, account  string
		noOrg, noAcct bool
	}{
		{"users on", func(c *Config) {
			c.Users.Enabled, c.Users.OrganizationID, c.Users.AccountID = true, "org-users", "acct-1"
		}, "org-users", "acct-1", false, false},
		{"users off, monitor.organization_id on the lens stream", func(c *Config) {
			c.Monitor.OrganizationID = "org-monitor"
		}, "org-monitor", "", false, true},
		{"users off, organization stream", func(c *Config) {
			c.Monitor.Stream, c.Monitor.OrganizationID = streamOrganization, "org-stream"
		}, "org-stream", "", false, true},
		{"both set: the monitor's", func(c *Config) {
			c.Users.Enabled, c.Users.OrganizationID, c.Users.AccountID = true, "org-users", "acct-1"
			c.Monitor.OrganizationID = "org-monitor"
		}, "org-monitor", "acct-1", false, false},
		{"no organisation known", func(*Config) {}, "", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig(t)
			tt.configure(cfg)
			require.NoError(t, confmap.Validate(cfg))
			for _, w := range cfg.warnings() {
				assert.NotContains(t, w, "organization_id", "no warning about the organisation")
			}
			attrs := resourceAttrs(cfg)
			assert.Equal(t, "production", attrs["docusign.environment"])
			if tt.noOrg {
				assert.NotContains(t, attrs, "docusign.organization.id")
			} else {
				assert.Equal(t, tt.org, attrs["docusign.organization.id"])
			}
			if tt.noAcct {
				assert.NotContains(t, attrs, "docusign.account.id")
			} else {
				assert.Equal(t, tt.account, attrs["docusign.account.id"])
			}
		})
	}
}

// A receiver with users off delivers every Monitor record under the resource of monitor.organization_id.
func TestMonitorOnlyRecordsCarryTheOrganisation(t *testing.T) {
	srv := backlogServer(t, 500)
	cfg := backlogConfig(srv)
	cfg.Users.OrganizationID, cfg.Users.AccountID = "", ""
	cfg.Monitor.OrganizationID = srv.OrganizationID()
	require.NoError(t, confmap.Validate(cfg))
	sink := new(consumertest.LogsSink)
	startReceiver(t, cfg, newFileStorageHost(t, t.TempDir()), sink, nil)
	require.Eventually(t, func() bool { return sink.LogRecordCount() >= 500 }, waitFor, 5*time.Millisecond)
	for _, ld := range sink.AllLogs() {
		for _, rl := range ld.ResourceLogs().All() {
			v, ok := rl.Resource().Attributes().Get("docusign.organization.id")
			require.True(t, ok, "every resource names the organisation")
			assert.Equal(t, pcommon.ValueTypeStr, v.Type())
			assert.Equal(t, srv.OrganizationID(), v.Str())
		}
	}
}
