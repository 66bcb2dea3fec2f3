// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

const (
	// ProfilesName names the admin profile source in telemetry, health and logs.
	ProfilesName = "profiles"
	profileOp    = "user profile"
	budgetWindow = time.Hour
	// minProfilesInterval keeps a large budget from turning into a busy loop.
	minProfilesInterval = time.Second
)

// ProfilesInterval is how often the profiles source reads one profile: its hourly budget spread
// evenly over the hour, never in a burst.
func ProfilesInterval(maxRequestsPerHour int) time.Duration {
	return max(budgetWindow/time.Duration(max(maxRequestsPerHour, 1)), minProfilesInterval)
}

// ProfilesScopes are the OAuth scopes the profile drill-down needs.
var ProfilesScopes = []string{auth.ScopeUserRead}

// ProfilesOptions configure the admin profile source.
type ProfilesOptions struct {
	BaseURL            string // the Admin API, …/management
	OrganizationID     string
	UserID             string // the impersonated admin: the probe reads its profile
	MaxRequestsPerHour int
}

// profilesState is the budget's memory: when the requests of the last hour were made, so a restart
// does not spend the hour's budget twice.
type profilesState struct {
	Requests []time.Time `json:"requests,omitempty"`
}

// profilesRecord is the budget's record in the users namespace s: users.profiles.v1.
func profilesRecord(s *checkpoint.Store) *checkpoint.Record[profilesState] {
	return checkpoint.NewRecord[profilesState](s.Namespace("profiles"), "v1")
}

// Profiles reads the admin profile of every user the inventory knows — new and changed users first,
// the rest oldest first — within an hourly request budget, and delivers a record when a security
// setting changed.
type Profiles struct {
	opts   ProfilesOptions
	deps   source.Deps
	inv    *identity.Inventory
	saved  *checkpoint.Record[profilesState]
	writer *source.CheckpointWriter
	state  profilesState
}

// NewProfiles returns the profiles source; it works on deps.Identities, the users source's inventory,
// and keeps its budget with it, in the users checkpoint ("users.profiles.v1").
func NewProfiles(opts ProfilesOptions, deps source.Deps) *Profiles {
	inUsers := deps
	inUsers.Store = deps.Identities.Store()
	return &Profiles{
		opts:   opts,
		deps:   deps,
		inv:    deps.Identities,
		saved:  profilesRecord(inUsers.Store),
		writer: source.NewCheckpointWriter(inUsers, "profiles may be read again and the next hour's budget spent twice"),
	}
}

func (p *Profiles) Name() string            { return ProfilesName }
func (p *Profiles) Interval() time.Duration { return ProfilesInterval(p.opts.MaxRequestsPerHour) }

// Load restores the budget; one that cannot be decoded is taken as spent for the hour, to be safe.
func (p *Profiles) Load(ctx context.Context) error {
	state, _, err := p.saved.Load(ctx)
	switch {
	case errors.Is(err, checkpoint.ErrCorrupt):
		p.deps.Logger.Warn("Profiles budget damaged; waiting an hour before profiling again", zap.Error(err))
		now := p.deps.Clock.Now()
		state = profilesState{Requests: slices.Repeat([]time.Time{now}, p.opts.MaxRequestsPerHour)}
	case err != nil:
		return fmt.Errorf("profiles checkpoint cannot be read; not profiling until it can: %w", err)
	}
	p.state = state
	return nil
}

// Poll reads the profiles due, within this interval's share of the budget.
func (p *Profiles) Poll(ctx context.Context) (source.Result, error) {
	select {
	case <-p.inv.Ready():
	default:
		return source.Result{}, nil // nothing listed yet
	}
	now := p.deps.Clock.Now()
	due := p.due(p.allowance(now))
	if len(due) == 0 {
		return source.Result{}, nil
	}
	type read struct {
		id    string
		entry identity.Entry
		prof  convert.Profile
	}
	var reads []read
	var failed error
	for _, d := range due {
		p.state.Requests = append(p.state.Requests, p.deps.Clock.Now())
		prof, err := p.fetch(ctx, d.id)
		if isNotFound(err) { // gone since it was listed: the next full listing forgets it
			continue
		}
		if err != nil {
			failed = err
			break
		}
		reads = append(reads, read{d.id, d.entry, prof})
	}
	// What changed is delivered before any of these profiles is recorded: a refused batch is read again.
	logs, records := p.deps.NewBatch()
	observed := pcommon.NewTimestampFromTime(now)
	weakened := 0
	for _, r := range reads {
		if r.entry.Profile == nil {
			continue // the first profile of a user emits nothing beyond its CREATE
		}
		changed, weakens := convert.SecurityChanges(r.entry.Profile.Security, r.prof.Security)
		changed = withoutStatus(changed)
		if len(changed) == 0 {
			continue
		}
		severity := plog.SeverityNumberInfo
		if weakens {
			severity, weakened = plog.SeverityNumberWarn, weakened+1
		}
		if r.prof.AppendChange(records, observed, changed, severity) {
			p.deps.Telemetry.Flagged(1)
		}
	}
	if records.Len() > 0 {
		p.deps.Logger.Info("Admin profile security settings changed", zap.Int("users", records.Len()), zap.Int("weakened", weakened))
		if err := p.deps.Deliver.Deliver(ctx, source.Batch{Logs: logs, Where: zap.Int("profiles", records.Len())}); err != nil {
			p.writer.Write(ctx, p.saved.Set(p.state)) // the requests were made: they count against the budget
			return source.Result{}, err
		}
	}
	for _, r := range reads {
		p.inv.SetProfile(r.id, identity.Profile{At: now, Digest: r.entry.Digest, LastLogin: r.prof.LastLogin, Security: r.prof.Security})
	}
	p.deps.Telemetry.Fetched(len(reads))
	p.inv.Writing(func() { p.writer.Write(ctx, append(p.inv.Commit(false), p.saved.Set(p.state))...) })
	return source.Result{Progressed: len(reads) > 0}, failed
}

// allowance is how many profiles this poll may read: what the last hour's requests left of the
// budget, and no more than the interval's share (one, unless the interval is held at its minimum).
func (p *Profiles) allowance(now time.Time) int {
	from := now.Add(-budgetWindow)
	p.state.Requests = slices.DeleteFunc(p.state.Requests, func(t time.Time) bool { return !t.After(from) })
	left := p.opts.MaxRequestsPerHour - len(p.state.Requests)
	share := int(time.Duration(p.opts.MaxRequestsPerHour) * p.Interval() / budgetWindow)
	return max(0, min(left, max(share, 1)))
}

// dueUser is a user whose profile is due, with what the inventory knows of it.
type dueUser struct {
	id    string
	entry identity.Entry
}

// due picks up to n users: those changed since their profile was read, then those never profiled,
// the latest listed first (a new user before the first start's backlog), then the rest, the longest
// unprofiled first.
func (p *Profiles) due(n int) []dueUser {
	if n <= 0 {
		return nil
	}
	var changed, unprofiled, refresh []dueUser
	for id, e := range p.inv.All() {
		switch {
		case e.Profile == nil:
			unprofiled = append(unprofiled, dueUser{id, e})
		case e.Profile.Digest != e.Digest:
			changed = append(changed, dueUser{id, e})
		default:
			refresh = append(refresh, dueUser{id, e})
		}
	}
	byID := func(a, b dueUser) int { return strings.Compare(a.id, b.id) }
	slices.SortFunc(changed, byID)
	slices.SortFunc(unprofiled, func(a, b dueUser) int { return cmp.Or(b.entry.Listed.Compare(a.entry.Listed), byID(a, b)) })
	slices.SortFunc(refresh, func(a, b dueUser) int { return cmp.Or(a.entry.Profile.At.Compare(b.entry.Profile.At), byID(a, b)) })
	picked := make([]dueUser, 0, n)
	for _, group := range [][]dueUser{changed, unprofiled, refresh} {
		picked = append(picked, group[:min(len(group), n-len(picked))]...)
	}
	return picked
}

// withoutStatus drops a change of status: the users listing reports every status change as an UPDATE
// of the user, so the profile reporting it too would make two records of one change.
func withoutStatus(changed []string) []string {
	return slices.DeleteFunc(changed, func(name string) bool { return name == convert.AttrDocuSignUserStatus })
}

// fetch reads one user's profile.
func (p *Profiles) fetch(ctx context.Context, id string) (convert.Profile, error) {
	resp, err := p.deps.Client.Get(ctx, profileOp, p.profileURL(id))
	if err != nil {
		return convert.Profile{}, err
	}
	defer resp.Release()
	prof, err := convert.DecodeProfile(resp.Body)
	if err != nil {
		return convert.Profile{}, fmt.Errorf("user profile %s: response is not a profile (trace token %s): %w", id, resp.TraceToken, err)
	}
	return prof, nil
}

// profileURL is GET {admin}/v2.1/organizations/{org}/users/{id}/dsprofile.
func (p *Profiles) profileURL(id string) string {
	return strings.TrimRight(p.opts.BaseURL, "/") + "/v2.1/organizations/" + url.PathEscape(p.opts.OrganizationID) +
		"/users/" + url.PathEscape(id) + "/dsprofile"
}

// Probe reads the impersonated admin's profile.
func (p *Profiles) Probe(ctx context.Context) error {
	_, err := p.fetch(ctx, p.opts.UserID)
	return err
}

// isNotFound recognises a user DocuSign no longer has.
func isNotFound(err error) bool {
	var apiErr *api.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound
}
