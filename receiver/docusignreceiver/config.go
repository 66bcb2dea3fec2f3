// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"cmp"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"
)

const (
	environmentProduction = "production"
	environmentDemo       = "demo"

	streamLens         = "lens"
	streamOrganization = "organization"

	bodyOriginal = "original" // the record as DocuSign sent it
	bodyOmit     = "omit"     // no body: attributes only

	maxMonitorPageSize = 2000
	maxUsersPageSize   = 250
)

// environmentURLs are DocuSign's published base URLs per environment, and the JWT audience.
type environmentURLs struct {
	oauth, monitor, orgStream, admin string
	audience                         string // the bare OAuth host, whatever auth_endpoint routes through
}

var environments = map[string]environmentURLs{
	environmentProduction: {
		oauth:     "https://account.docusign.com",
		monitor:   "https://lens.docusign.net",
		orgStream: "https://api.docusign.com",
		admin:     "https://api.docusign.net/management",
		audience:  "account.docusign.com",
	},
	environmentDemo: {
		oauth:     "https://account-d.docusign.com",
		monitor:   "https://lens-d.docusign.net",
		orgStream: "https://api-d.docusign.com",
		admin:     "https://api-d.docusign.net/management",
		audience:  "account-d.docusign.com",
	},
}

// Config is the user-facing configuration of the docusign receiver.
type Config struct {
	// HTTP client settings shared by every DocuSign call: timeout, proxy_url, tls, headers, ….
	confighttp.ClientConfig `mapstructure:",squash"`

	Environment    string              `mapstructure:"environment"`
	IntegrationKey string              `mapstructure:"integration_key"`
	UserID         string              `mapstructure:"user_id"`
	PrivateKey     configopaque.String `mapstructure:"private_key"`
	PrivateKeyFile string              `mapstructure:"private_key_file"`
	AuthEndpoint   string              `mapstructure:"auth_endpoint"`
	// Audience is the JWT aud: the environment's OAuth host unless set (never auth_endpoint's host,
	// which may be an egress proxy).
	Audience    string        `mapstructure:"audience"`
	RedirectURI string        `mapstructure:"redirect_uri"`
	StorageID   *component.ID `mapstructure:"storage"`
	// Body is "original" (the record as DocuSign sent it) or "omit" (records carry attributes only).
	Body string `mapstructure:"body"`

	Monitor MonitorConfig `mapstructure:"monitor"`
	Users   UsersConfig   `mapstructure:"users"`

	// MetricsBuilderConfig enables or disables each metric (metrics::<name>::enabled), for a metrics pipeline.
	metadata.MetricsBuilderConfig `mapstructure:",squash"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// MonitorConfig configures the Monitor customer events stream.
type MonitorConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// Stream is "lens" (the v2 lens stream, timestamp-ordered) or "organization" (the newer
	// /v1/organizations/{id}/stream, ordered by ingestion time).
	Stream         string        `mapstructure:"stream"`
	Endpoint       string        `mapstructure:"endpoint"`
	OrganizationID string        `mapstructure:"organization_id"`
	PollInterval   time.Duration `mapstructure:"poll_interval"`
	PageSize       int           `mapstructure:"page_size"`
	// StartTime is where the first run starts when no checkpoint exists (RFC 3339); unset means now.
	StartTime time.Time `mapstructure:"start_time"`
	// EnrichUsers names events' actors and targets from the users inventory (when users are enabled).
	EnrichUsers bool `mapstructure:"enrich_users"`
	// EnrichWait is how long a first start waits for the first users sync; 0 does not wait.
	EnrichWait time.Duration `mapstructure:"enrich_wait"`
}

// UsersConfig configures the Admin API organisation users inventory.
type UsersConfig struct {
	Enabled        bool          `mapstructure:"enabled"`
	Endpoint       string        `mapstructure:"endpoint"`
	OrganizationID string        `mapstructure:"organization_id"`
	AccountID      string        `mapstructure:"account_id"`
	PollInterval   time.Duration `mapstructure:"poll_interval"`
	PageSize       int           `mapstructure:"page_size"`
	// FullSyncInterval re-lists every user to catch what last_modified_since filtering missed; 0 disables.
	FullSyncInterval time.Duration `mapstructure:"full_sync_interval"`
	// Snapshot emits every user (operation SNAPSHOT) at each full sync.
	Snapshot bool `mapstructure:"snapshot"`
	// Profiles reads each user's admin profile (opt-in).
	Profiles ProfilesConfig `mapstructure:"profiles"`
}

// ProfilesConfig configures the admin profile drill-down.
type ProfilesConfig struct {
	Enabled bool `mapstructure:"enabled"`
	// MaxRequestsPerHour bounds the profile requests in any rolling hour: the account's hourly budget
	// (3,000 by default) is shared with the customer's other integrations.
	MaxRequestsPerHour int `mapstructure:"max_requests_per_hour"`
}

// maxProfileRequestsPerHour is DocuSign's default hourly budget for an account.
const maxProfileRequestsPerHour = 3000

var _ component.Config = (*Config)(nil)

// Validate reports every configuration problem at once, each naming its key.
func (cfg *Config) Validate() error { return errors.Join(cfg.problems(true)...) }

// problems lists every problem of the configuration, the private key's only when withKey: the
// doctor reports those in a check of their own.
func (cfg *Config) problems(withKey bool) []error {
	var errs []error
	if _, ok := environments[cfg.Environment]; !ok {
		errs = append(errs, fmt.Errorf("environment: %q is not one of %q, %q", cfg.Environment, environmentProduction, environmentDemo))
	}
	if strings.TrimSpace(cfg.IntegrationKey) == "" {
		errs = append(errs, errors.New("integration_key: required (the integration key of your DocuSign app)"))
	}
	if strings.TrimSpace(cfg.UserID) == "" {
		errs = append(errs, errors.New("user_id: required (the GUID of the DocuSign user to impersonate)"))
	}
	if _, err := cfg.loadPrivateKey(); err != nil && withKey {
		errs = append(errs, err)
	}
	if cfg.Endpoint != "" {
		errs = append(errs, errors.New("endpoint: not used by this receiver; set auth_endpoint, monitor.endpoint or users.endpoint"))
	}
	errs = append(errs, validateURL("auth_endpoint", cfg.AuthEndpoint))
	if cfg.Audience != "" && !isBareHost(cfg.Audience) {
		errs = append(errs, fmt.Errorf("audience: %q must be a bare host[:port] such as account-d.docusign.com (no scheme or path)", cfg.Audience))
	}
	if cfg.RedirectURI != "" {
		if u, err := url.Parse(cfg.RedirectURI); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("redirect_uri: %q is not an absolute URL", cfg.RedirectURI))
		}
	}
	if cfg.Body != bodyOriginal && cfg.Body != bodyOmit {
		errs = append(errs, fmt.Errorf("body: %q is not one of %q, %q", cfg.Body, bodyOriginal, bodyOmit))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: must not be negative, got %s", cfg.Timeout))
	}
	if !cfg.Monitor.Enabled && !cfg.Users.Enabled {
		errs = append(errs, errors.New("monitor.enabled, users.enabled: at least one source must be enabled"))
	}
	errs = append(errs, cfg.Monitor.validate()...)
	if cfg.Monitor.Enabled && cfg.Monitor.Stream == streamOrganization && cfg.monitorOrganizationID() == "" {
		errs = append(errs, errors.New("monitor.organization_id: required when monitor.stream is organization (or set users.organization_id)"))
	}
	errs = append(errs, cfg.Users.validate()...)
	return slices.DeleteFunc(errs, func(err error) bool { return err == nil })
}

func (m *MonitorConfig) validate() []error {
	errs := []error{validateURL("monitor.endpoint", m.Endpoint)}
	if m.Stream != streamLens && m.Stream != streamOrganization {
		errs = append(errs, fmt.Errorf("monitor.stream: %q is not one of %q, %q", m.Stream, streamLens, streamOrganization))
	}
	if m.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("monitor.poll_interval: must be positive, got %s", m.PollInterval))
	}
	if m.PageSize < 1 || m.PageSize > maxMonitorPageSize {
		errs = append(errs, fmt.Errorf("monitor.page_size: must be between 1 and %d, got %d", maxMonitorPageSize, m.PageSize))
	}
	if m.EnrichWait < 0 {
		errs = append(errs, fmt.Errorf("monitor.enrich_wait: must not be negative, got %s", m.EnrichWait))
	}
	return errs
}

func (u *UsersConfig) validate() []error {
	errs := []error{validateURL("users.endpoint", u.Endpoint)}
	if u.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("users.poll_interval: must be positive, got %s", u.PollInterval))
	}
	if u.PageSize < 1 || u.PageSize > maxUsersPageSize {
		errs = append(errs, fmt.Errorf("users.page_size: must be between 1 and %d, got %d", maxUsersPageSize, u.PageSize))
	}
	if u.FullSyncInterval < 0 {
		errs = append(errs, fmt.Errorf("users.full_sync_interval: must not be negative, got %s", u.FullSyncInterval))
	}
	if p := u.Profiles; p.MaxRequestsPerHour < 1 || p.MaxRequestsPerHour > maxProfileRequestsPerHour {
		errs = append(errs, fmt.Errorf("users.profiles.max_requests_per_hour: must be between 1 and %d, got %d", maxProfileRequestsPerHour, p.MaxRequestsPerHour))
	}
	if u.Profiles.Enabled && !u.Enabled {
		errs = append(errs, errors.New("users.profiles.enabled: needs users.enabled (profiles are read for the users the listing finds)"))
	}
	if u.Enabled {
		if strings.TrimSpace(u.OrganizationID) == "" {
			errs = append(errs, errors.New("users.organization_id: required when users.enabled is true"))
		}
		if strings.TrimSpace(u.AccountID) == "" {
			errs = append(errs, errors.New("users.account_id: required when users.enabled is true"))
		}
	}
	return errs
}

// validateURL accepts an empty value (the environment's default) or an absolute http(s) URL.
func validateURL(key, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%s: %q is not an absolute http(s) URL", key, raw)
	}
	return nil
}

// enabledSource is one source the configuration enables: its name, poll interval, the OAuth scopes it
// needs and how to build it from its deps.
type enabledSource struct {
	name     string
	interval time.Duration
	scopes   []string
	build    func(source.Deps) source.Source
}

type enabledSources []enabledSource

// scopes are the OAuth scopes the enabled sources need together.
func (e enabledSources) scopes() []string {
	needs := make([][]string, len(e))
	for i, s := range e {
		needs[i] = s.scopes
	}
	return auth.Scopes(needs...)
}

// sources lists the sources the configuration enables, each from its block.
func (cfg *Config) sources() enabledSources { return cfg.sourcesFollowing(nil) }

// sourcesFollowing is sources with Monitor reporting to state whether it is caught up (nil: not).
func (cfg *Config) sourcesFollowing(state *sources.StreamState) enabledSources {
	var out enabledSources
	if m := cfg.Monitor; m.Enabled {
		opts := sources.MonitorOptions{URL: cfg.monitorPageURL(), PageSize: m.PageSize, PollInterval: m.PollInterval, StartTime: m.StartTime,
			Enrich: cfg.enrichesEvents(), EnrichWait: m.EnrichWait, State: state}
		out = append(out, enabledSource{sources.MonitorName, m.PollInterval, sources.MonitorScopes,
			func(d source.Deps) source.Source { return sources.NewMonitor(opts, d) }})
	}
	if u := cfg.Users; u.Enabled {
		opts := sources.UsersOptions{BaseURL: cfg.adminBaseURL(), OrganizationID: u.OrganizationID, AccountID: u.AccountID,
			PageSize: u.PageSize, PollInterval: u.PollInterval, FullSyncInterval: u.FullSyncInterval, Snapshot: u.Snapshot}
		out = append(out, enabledSource{sources.UsersName, u.PollInterval, sources.UsersScopes,
			func(d source.Deps) source.Source { return sources.NewUsers(opts, d) }})
	}
	if u := cfg.Users; u.Enabled && u.Profiles.Enabled {
		opts := sources.ProfilesOptions{BaseURL: cfg.adminBaseURL(), OrganizationID: u.OrganizationID, UserID: cfg.UserID,
			MaxRequestsPerHour: u.Profiles.MaxRequestsPerHour}
		out = append(out, enabledSource{sources.ProfilesName, sources.ProfilesInterval(u.Profiles.MaxRequestsPerHour), sources.ProfilesScopes,
			func(d source.Deps) source.Source { return sources.NewProfiles(opts, d) }})
	}
	return out
}

// enrichesEvents: Monitor names its events' users from the users inventory.
func (cfg *Config) enrichesEvents() bool {
	return cfg.Monitor.Enabled && cfg.Monitor.EnrichUsers && cfg.Users.Enabled
}

// keepsIdentities: a users inventory is kept, for enrichment or profiles.
func (cfg *Config) keepsIdentities() bool {
	return cfg.enrichesEvents() || (cfg.Users.Enabled && cfg.Users.Profiles.Enabled)
}

// monitorPageURL builds the request for a page of the configured stream.
func (cfg *Config) monitorPageURL() func(cursor string, limit int) string {
	base := cfg.monitorBaseURL()
	if cfg.Monitor.Stream == streamOrganization {
		org := cfg.monitorOrganizationID()
		return func(c string, limit int) string { return api.OrganizationStreamURL(base, org, c, limit) }
	}
	return func(c string, limit int) string { return api.MonitorStreamURL(base, c, limit) }
}

// warnings lists settings that are valid but risky, for logging at start.
func (cfg *Config) warnings() []string {
	var out []string
	for _, e := range []struct{ key, raw string }{
		{"auth_endpoint", cfg.AuthEndpoint},
		{"monitor.endpoint", cfg.Monitor.Endpoint},
		{"users.endpoint", cfg.Users.Endpoint},
	} {
		if u, err := url.Parse(e.raw); err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			out = append(out, fmt.Sprintf("%s: %s uses plain http to a non-loopback host; tokens and data travel unencrypted", e.key, u.Redacted()))
		}
	}
	if cfg.StorageID == nil {
		out = append(out, "storage: not set; checkpoints live in memory and a restart starts again from monitor.start_time (or now)")
	}
	return out
}

// isBareHost accepts host or host:port with nothing else, as DocuSign expects in the JWT aud.
func isBareHost(s string) bool {
	if strings.ContainsAny(s, "/?#@ \t\n") || strings.Contains(s, "://") {
		return false
	}
	u, err := url.Parse("https://" + s)
	return err == nil && u.Hostname() != "" && u.Host == s && !strings.HasSuffix(s, ":")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadPrivateKey reads and parses the RSA key from private_key or private_key_file.
func (cfg *Config) loadPrivateKey() (*rsa.PrivateKey, error) {
	hasInline := strings.TrimSpace(string(cfg.PrivateKey)) != ""
	hasFile := strings.TrimSpace(cfg.PrivateKeyFile) != ""
	var pemData []byte
	key := "private_key"
	switch {
	case hasInline && hasFile:
		return nil, errors.New("private_key, private_key_file: set exactly one, not both")
	case !hasInline && !hasFile:
		return nil, errors.New("private_key, private_key_file: one is required (the RSA private key of your integration key, PEM)")
	case hasFile:
		key = "private_key_file"
		data, err := os.ReadFile(cfg.PrivateKeyFile)
		if err != nil {
			return nil, fmt.Errorf("private_key_file: cannot read %q: %w", cfg.PrivateKeyFile, errors.Unwrap(err))
		}
		pemData = data
	default:
		pemData = []byte(cfg.PrivateKey)
	}
	k, err := auth.ParsePrivateKey(pemData)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return k, nil
}

func (cfg *Config) oauthBaseURL() string {
	return firstNonEmpty(cfg.AuthEndpoint, environments[cfg.Environment].oauth)
}

// jwtAudience is the JWT aud: the audience key, else the environment's OAuth host.
func (cfg *Config) jwtAudience() string {
	if cfg.Audience != "" {
		return cfg.Audience
	}
	return environments[cfg.Environment].audience
}

func (cfg *Config) monitorBaseURL() string {
	if cfg.Monitor.Stream == streamOrganization {
		return firstNonEmpty(cfg.Monitor.Endpoint, environments[cfg.Environment].orgStream)
	}
	return firstNonEmpty(cfg.Monitor.Endpoint, environments[cfg.Environment].monitor)
}

// monitorOrganizationID is the organisation whose stream is read; the users one serves by default.
func (cfg *Config) monitorOrganizationID() string {
	return strings.TrimSpace(firstNonEmpty(cfg.Monitor.OrganizationID, cfg.Users.OrganizationID))
}

func (cfg *Config) adminBaseURL() string {
	return firstNonEmpty(cfg.Users.Endpoint, environments[cfg.Environment].admin)
}

func firstNonEmpty(values ...string) string {
	return strings.TrimRight(cmp.Or(values...), "/")
}
