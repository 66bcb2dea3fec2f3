// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	cfg := createDefaultConfig().(*Config)
	sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfigDefaults(t *testing.T) {
	cfg := loadConfig(t, "")
	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "production", cfg.Environment)
	assert.Equal(t, "original", cfg.Body)
	assert.Equal(t, 30*time.Second, cfg.Timeout)
	assert.True(t, cfg.Monitor.Enabled)
	assert.Equal(t, time.Minute, cfg.Monitor.PollInterval)
	assert.Equal(t, 2000, cfg.Monitor.PageSize)
	assert.Equal(t, "lens", cfg.Monitor.Stream)
	assert.False(t, cfg.Users.Enabled)
	assert.Equal(t, time.Hour, cfg.Users.PollInterval)
	assert.Equal(t, 250, cfg.Users.PageSize)
	assert.Equal(t, 24*time.Hour, cfg.Users.FullSyncInterval)
	assert.True(t, cfg.Monitor.EnrichUsers, "on, once users are enabled")
	assert.Equal(t, 5*time.Minute, cfg.Monitor.EnrichWait)
	assert.Equal(t, ProfilesConfig{Enabled: false, MaxRequestsPerHour: 300}, cfg.Users.Profiles)
	assert.Equal(t, "https://account.docusign.com", cfg.oauthBaseURL())
	assert.Equal(t, "account.docusign.com", cfg.jwtAudience(), "the environment's OAuth host")
	assert.Equal(t, "https://lens.docusign.net", cfg.monitorBaseURL())
	assert.Equal(t, "https://api.docusign.net/management", cfg.adminBaseURL())
	assert.Nil(t, cfg.StorageID)
}

func TestLoadConfigEveryKey(t *testing.T) {
	cfg := loadConfig(t, "all")
	require.NoError(t, confmap.Validate(cfg))
	storageID := component.MustNewIDWithName("file_storage", "docusign")
	assert.Equal(t, &storageID, cfg.StorageID)
	assert.Equal(t, "demo", cfg.Environment)
	assert.Equal(t, "omit", cfg.Body)
	assert.Equal(t, 10*time.Second, cfg.Timeout)
	assert.Equal(t, "http://proxy.example.com:3128", cfg.ProxyURL)
	assert.Equal(t, "https://example.com/callback", cfg.RedirectURI)
	assert.Equal(t, "https://auth.proxy.example.com", cfg.oauthBaseURL())
	assert.Equal(t, "account-d.docusign.com:443", cfg.jwtAudience())
	assert.Equal(t, "https://lens.proxy.example.com", cfg.monitorBaseURL())
	assert.Equal(t, "https://admin.proxy.example.com/management", cfg.adminBaseURL())
	assert.Equal(t, MonitorConfig{Enabled: true, Stream: "lens", Endpoint: "https://lens.proxy.example.com", PollInterval: 30 * time.Second, PageSize: 500,
		StartTime: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), EnrichUsers: false, EnrichWait: 30 * time.Second}, cfg.Monitor)
	assert.Equal(t, UsersConfig{
		Enabled: true, Endpoint: "https://admin.proxy.example.com/management",
		OrganizationID: "c0ffee00-1111-4222-8333-444455556666", AccountID: "5a1c2d3e-0000-4b5c-8d9e-112233445566",
		PollInterval: 2 * time.Hour, PageSize: 100, FullSyncInterval: 12 * time.Hour, Snapshot: true,
		Profiles: ProfilesConfig{Enabled: true, MaxRequestsPerHour: 120},
	}, cfg.Users)
}

func TestLoadConfigInvalidReportsEveryKey(t *testing.T) {
	err := confmap.Validate(loadConfig(t, "invalid"))
	require.Error(t, err)
	for _, key := range []string{
		"environment:", `body: "redacted" is not one of "original", "omit"`, "integration_key:", "user_id:", "private_key, private_key_file: set exactly one",
		"monitor.poll_interval:", "monitor.page_size:",
		"users.page_size:", "users.organization_id:", "users.account_id:",
		"monitor.enrich_wait:", "users.profiles.max_requests_per_hour:",
	} {
		assert.Contains(t, err.Error(), key)
	}
}

func TestLoadConfigBadStartTimeNamesKey(t *testing.T) {
	for _, raw := range []any{"yesterday", "2026-13-01T00:00:00Z"} {
		cm := confmap.NewFromStringMap(map[string]any{"monitor": map[string]any{"start_time": raw}})
		err := cm.Unmarshal(createDefaultConfig())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "monitor.start_time")
	}
	cm := confmap.NewFromStringMap(map[string]any{"monitor": map[string]any{"start_time": "2026-11-01T00:00:00.1234567+02:00"}})
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, cm.Unmarshal(cfg), "an RFC 3339 string, e.g. from ${env:…}")
	assert.True(t, time.Date(2026, 10, 31, 22, 0, 0, 123456700, time.UTC).Equal(cfg.Monitor.StartTime), "got %s", cfg.Monitor.StartTime)
}

func validConfig(t *testing.T) *Config {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.IntegrationKey = "00000000-0000-4000-8000-000000000001"
	cfg.UserID = "00000000-0000-4000-8000-000000000002"
	cfg.PrivateKeyFile = filepath.Join("testdata", "test-key.pem")
	require.NoError(t, confmap.Validate(cfg))
	return cfg
}

func TestValidateEachProblemNamesItsKey(t *testing.T) {
	pemBytes, err := os.ReadFile(filepath.Join("testdata", "test-key.pem"))
	require.NoError(t, err)
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"missing integration key", func(c *Config) { c.IntegrationKey = " " }, "integration_key: required"},
		{"missing user id", func(c *Config) { c.UserID = "" }, "user_id: required"},
		{"no key", func(c *Config) { c.PrivateKeyFile = "" }, "private_key, private_key_file: one is required"},
		{"both keys", func(c *Config) { c.PrivateKey = "x" }, "private_key, private_key_file: set exactly one"},
		{"unreadable key file", func(c *Config) { c.PrivateKeyFile = "testdata/missing.pem" }, `private_key_file: cannot read "testdata/missing.pem"`},
		{"non-RSA key file", func(c *Config) { c.PrivateKeyFile = "testdata/test-key-ec.pem" }, "private_key_file:"},
		{"garbage inline key", func(c *Config) {
			c.PrivateKeyFile = ""
			c.PrivateKey = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----"
		}, "private_key:"},
		{"unknown environment", func(c *Config) { c.Environment = "sandbox" }, `environment: "sandbox" is not one of`},
		{"monitor page size too large", func(c *Config) { c.Monitor.PageSize = 2001 }, "monitor.page_size: must be between 1 and 2000, got 2001"},
		{"monitor page size zero", func(c *Config) { c.Monitor.PageSize = 0 }, "monitor.page_size:"},
		{"users page size too large", func(c *Config) { c.Users.PageSize = 251 }, "users.page_size: must be between 1 and 250, got 251"},
		{"zero monitor poll interval", func(c *Config) { c.Monitor.PollInterval = 0 }, "monitor.poll_interval: must be positive"},
		{"zero users poll interval", func(c *Config) { c.Users.PollInterval = 0 }, "users.poll_interval: must be positive"},
		{"users without organization", func(c *Config) { c.Users.Enabled = true; c.Users.AccountID = "a" }, "users.organization_id: required when users.enabled is true"},
		{"users without account", func(c *Config) { c.Users.Enabled = true; c.Users.OrganizationID = "o" }, "users.account_id: required when users.enabled is true"},
		{"nothing enabled", func(c *Config) { c.Monitor.Enabled = false }, "at least one source must be enabled"},
		{"relative endpoint", func(c *Config) { c.Monitor.Endpoint = "lens.docusign.net" }, `monitor.endpoint: "lens.docusign.net" is not an absolute http(s) URL`},
		{"ftp auth endpoint", func(c *Config) { c.AuthEndpoint = "ftp://x" }, "auth_endpoint:"},
		{"generic endpoint", func(c *Config) { c.Endpoint = "https://x" }, "endpoint: not used by this receiver"},
		{"unknown stream", func(c *Config) { c.Monitor.Stream = "v3" }, `monitor.stream: "v3" is not one of "lens", "organization"`},
		{"unknown body", func(c *Config) { c.Body = "hashed" }, `body: "hashed" is not one of "original", "omit"`},
		{"empty body", func(c *Config) { c.Body = "" }, `body: "" is not one of "original", "omit"`},
		{"organization stream without id", func(c *Config) { c.Monitor.Stream = "organization" }, "monitor.organization_id: required when monitor.stream is organization"},
		{"audience with a scheme", func(c *Config) { c.Audience = "https://account-d.docusign.com" }, "audience: \"https://account-d.docusign.com\" must be a bare host[:port]"},
		{"audience with a path", func(c *Config) { c.Audience = "account-d.docusign.com/oauth" }, "audience:"},
		{"audience with a space", func(c *Config) { c.Audience = "account d.docusign.com" }, "audience:"},
		{"negative full sync", func(c *Config) { c.Users.FullSyncInterval = -time.Second }, "users.full_sync_interval:"},
		{"negative enrich wait", func(c *Config) { c.Monitor.EnrichWait = -time.Second }, "monitor.enrich_wait: must not be negative, got -1s"},
		{"profiles without users", func(c *Config) { c.Users.Profiles.Enabled = true }, "users.profiles.enabled: needs users.enabled"},
		{"no profile budget", func(c *Config) { c.Users.Profiles.MaxRequestsPerHour = 0 }, "users.profiles.max_requests_per_hour: must be between 1 and"},
		{"profile budget beyond DocuSign's", func(c *Config) { c.Users.Profiles.MaxRequestsPerHour = 1_000_000 }, "users.profiles.max_requests_per_hour:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := validConfig(t)
			tt.mutate(cfg)
			err := confmap.Validate(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), strings.Split(string(pemBytes), "\n")[1], "no key material in errors")
		})
	}
}

func TestValidateInlineKeyNeverEchoed(t *testing.T) {
	cfg := validConfig(t)
	pemBytes, err := os.ReadFile(filepath.Join("testdata", "test-key.pem"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(pemBytes)), "\n")
	// A key with one body line damaged: invalid, and the error must not quote any of it.
	lines[3] = "!!!!" + lines[3][4:]
	cfg.PrivateKeyFile = ""
	cfg.PrivateKey = configopaque.String(strings.Join(lines, "\n"))
	err = confmap.Validate(cfg)
	require.ErrorContains(t, err, "private_key:")
	for _, l := range lines[1 : len(lines)-1] {
		assert.NotContains(t, err.Error(), l)
	}
}

func TestInlineKeyAcceptedWithLiteralNewlines(t *testing.T) {
	cfg := validConfig(t)
	pemBytes, err := os.ReadFile(filepath.Join("testdata", "test-key-pkcs8.pem"))
	require.NoError(t, err)
	cfg.PrivateKeyFile = ""
	cfg.PrivateKey = configopaque.String(strings.ReplaceAll(strings.TrimSpace(string(pemBytes)), "\n", `\n`))
	require.NoError(t, confmap.Validate(cfg))
}

// Defect 18: behind an egress proxy the JWT aud stays the environment's OAuth host.
func TestAudienceIsTheEnvironmentsNotTheProxys(t *testing.T) {
	cfg := validConfig(t)
	cfg.Environment = environmentDemo
	cfg.AuthEndpoint = "https://egress.proxy.example.com"
	assert.Equal(t, "account-d.docusign.com", cfg.jwtAudience())
	cfg.Audience = "account-d.docusign.com:8443"
	assert.Equal(t, "account-d.docusign.com:8443", cfg.jwtAudience(), "the audience key wins")
}

func TestOrganizationStreamEndpoints(t *testing.T) {
	cfg := validConfig(t)
	cfg.Monitor.Stream = streamOrganization
	cfg.Users.OrganizationID = "org-1"
	require.NoError(t, confmap.Validate(cfg), "the users organisation serves the stream too")
	assert.Equal(t, "org-1", cfg.monitorOrganizationID())
	assert.Equal(t, "https://api.docusign.com", cfg.monitorBaseURL())
	cfg.Environment = environmentDemo
	assert.Equal(t, "https://api-d.docusign.com", cfg.monitorBaseURL())
	cfg.Monitor.OrganizationID = "org-2"
	assert.Equal(t, "org-2", cfg.monitorOrganizationID())
}

func TestWarnings(t *testing.T) {
	cfg := validConfig(t)
	cfg.AuthEndpoint = "http://auth.internal:8080"
	cfg.Monitor.Endpoint = "http://127.0.0.1:8089"
	w := strings.Join(cfg.warnings(), "\n")
	assert.Contains(t, w, "auth_endpoint: http://auth.internal:8080 uses plain http")
	assert.NotContains(t, w, "monitor.endpoint", "loopback http is fine")
	assert.Contains(t, w, "storage: not set")
}
