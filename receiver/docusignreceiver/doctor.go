// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkup"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"
)

// Checkup runs docusign-doctor's checks for the receiver id configured as cfg, with the receiver's
// own validation, key loading, token source, API client and source probes; storage is the finding
// about its storage extension, which only the whole collector configuration can tell.
func Checkup(ctx context.Context, id component.ID, cfg *Config, storage checkup.Finding, set component.TelemetrySettings) []checkup.Finding {
	plan := checkup.Plan{
		Receiver:     id.String(),
		Production:   cfg.Environment == environmentProduction,
		ConfigErrors: cfg.problems(false),
		Summary:      cfg.summary(),
		LoadKey:      cfg.loadPrivateKey,
		KeySource:    cfg.keySource(),
		Timeout:      cfg.Timeout,
		Storage:      storage,
	}
	if len(plan.ConfigErrors) > 0 {
		return checkup.Run(ctx, plan)
	}
	httpClient, err := cfg.ClientConfig.ToClient(ctx, nil, set)
	if err != nil {
		plan.ConfigErrors = []error{fmt.Errorf("http client: %w", err)}
		return checkup.Run(ctx, plan)
	}
	defer httpClient.CloseIdleConnections() // the doctor leaves no connection behind
	plan.HTTP = httpClient
	enabled := cfg.sources()
	plan.Auth = auth.Config{
		IntegrationKey: cfg.IntegrationKey,
		UserID:         cfg.UserID,
		OAuthBaseURL:   cfg.oauthBaseURL(),
		Audience:       cfg.jwtAudience(),
		Scopes:         enabled.scopes(),
		RedirectURI:    cfg.RedirectURI,
	}
	plan.Userinfo = cfg.membership()
	plan.Probes = cfg.probes(enabled)
	return checkup.Run(ctx, plan)
}

// summary says in one line what the configuration asks of DocuSign.
func (cfg *Config) summary() string {
	parts := []string{"environment " + cfg.Environment}
	if m := cfg.Monitor; m.Enabled {
		s := "monitor (" + m.Stream + " stream"
		if m.Stream == streamOrganization {
			s += " of organisation " + cfg.monitorOrganizationID()
		}
		parts = append(parts, s+")")
	}
	if u := cfg.Users; u.Enabled {
		parts = append(parts, "users (organisation "+u.OrganizationID+", account "+u.AccountID+")")
		if u.Profiles.Enabled {
			parts = append(parts, fmt.Sprintf("profiles (%d requests an hour)", u.Profiles.MaxRequestsPerHour))
		}
	}
	return strings.Join(parts, ", ")
}

// keySource says where the key comes from, never what it is.
func (cfg *Config) keySource() string {
	if strings.TrimSpace(cfg.PrivateKeyFile) != "" {
		return cfg.PrivateKeyFile
	}
	return "private_key"
}

// membership is the account and organisations the user's accounts must include.
func (cfg *Config) membership() checkup.Membership {
	m := checkup.Membership{OrganizationIDs: map[string]string{}}
	if cfg.Users.Enabled {
		m.AccountID = cfg.Users.AccountID
		m.OrganizationIDs[cfg.Users.OrganizationID] = "users.organization_id"
	}
	if cfg.Monitor.Enabled && cfg.Monitor.Stream == streamOrganization {
		if _, named := m.OrganizationIDs[cfg.monitorOrganizationID()]; !named {
			m.OrganizationIDs[cfg.monitorOrganizationID()] = "monitor.organization_id"
		}
	}
	return m
}

// probes are the enabled sources' own probes, and why the disabled ones do not run.
func (cfg *Config) probes(enabled enabledSources) []checkup.Probe {
	find := func(name string) (enabledSource, bool) {
		for _, s := range enabled {
			if s.name == name {
				return s, true
			}
		}
		return enabledSource{}, false
	}
	var out []checkup.Probe
	for _, p := range []struct {
		check, name, disabled, ok string
	}{
		{checkup.CheckMonitor, sources.MonitorName, "monitor.enabled is false",
			"the " + cfg.Monitor.Stream + " stream answered a page of one event"},
		{checkup.CheckUsers, sources.UsersName, "users.enabled is false",
			"the users listing of organisation " + cfg.Users.OrganizationID + " answered for account " + cfg.Users.AccountID},
		{checkup.CheckProfiles, sources.ProfilesName, "users.profiles.enabled is false",
			"the admin profile of user " + cfg.UserID + " answered"},
	} {
		s, on := find(p.name)
		if !on {
			out = append(out, checkup.Probe{Check: p.check, Disabled: p.disabled})
			continue
		}
		out = append(out, checkup.Probe{Check: p.check, OK: p.ok, Run: func(ctx context.Context, client *api.Client) error {
			return s.build(probeDeps(client, s.name)).Probe(ctx)
		}})
	}
	return out
}

// probeDeps are a source's deps for its probe alone: nothing is delivered or stored.
func probeDeps(client *api.Client, name string) source.Deps {
	store := checkpoint.NewStore(nil)
	env := source.Env{
		Client: client,
		Store:  store,
		Next:   discard{},
		Health: source.NewHealth(nil),
		Logger: zap.NewNop(),
		NewBatch: func() (plog.Logs, plog.LogRecordSlice) {
			l := plog.NewLogs()
			return l, l.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		},
		Identities: identity.New(store.Namespace(sources.UsersName)),
	}
	return env.Deps(name, 0)
}

// discard is a pipeline a probe never delivers to.
type discard struct{}

func (discard) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (discard) ConsumeLogs(context.Context, plog.Logs) error {
	return errors.New("docusign-doctor delivers nothing")
}
