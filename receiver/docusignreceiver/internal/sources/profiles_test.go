// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sourcetest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

// profiled is a users source and a profiles source sharing one inventory, on a simulated clock, as
// the receiver runs them with users.profiles.enabled; records go to sink.
type profiled struct {
	srv      *docusigntest.Server
	clock    *testclock.Clock
	storage  *sourcetest.Storage
	sink     *consumertest.LogsSink
	inv      *identity.Inventory
	users    *Users
	profiles *Profiles
}

// newProfiled starts on srv's clock, with budget profile requests an hour, stored in storage.
func newProfiled(t *testing.T, srv *docusigntest.Server, clock *testclock.Clock, storage *sourcetest.Storage, budget int) *profiled {
	t.Helper()
	p := &profiled{srv: srv, clock: clock, storage: storage, sink: new(consumertest.LogsSink)}
	env := envFor(t, srv, p.sink, clock.Now)
	env.Clock = clock
	env.Logger = zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))
	env.Store = checkpoint.NewStore(storage)
	p.inv = identity.New(env.Store.Namespace(UsersName))
	env.Identities = p.inv
	p.users = NewUsers(UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), AccountID: srv.AccountID(),
		PageSize: 250, PollInterval: time.Hour, FullSyncInterval: 24 * time.Hour}, env.Deps(UsersName, time.Hour))
	p.profiles = NewProfiles(ProfilesOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), UserID: srv.UserID(),
		MaxRequestsPerHour: budget}, env.Deps(ProfilesName, ProfilesInterval(budget)))
	ctx := context.Background()
	require.NoError(t, p.users.Load(ctx))
	require.NoError(t, p.profiles.Load(ctx))
	return p
}

// syncUsers runs the users source until its listing is complete.
func (p *profiled) syncUsers(t *testing.T) {
	t.Helper()
	for {
		r, err := p.users.Poll(context.Background())
		require.NoError(t, err)
		if !r.More {
			return
		}
	}
}

// profile polls the profiles source n times, the clock moving one interval after each poll.
func (p *profiled) profile(t *testing.T, n int) {
	t.Helper()
	for range n {
		_, err := p.profiles.Poll(context.Background())
		require.NoError(t, err)
		p.clock.Advance(p.profiles.Interval())
	}
}

// pollNow polls the profiles source n times without the clock moving.
func (p *profiled) pollNow(t *testing.T, n int) {
	t.Helper()
	for range n {
		_, err := p.profiles.Poll(context.Background())
		require.NoError(t, err)
	}
}

// profileRecords returns the profile change records delivered, in order.
func profileRecords(sink *consumertest.LogsSink) []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range sink.AllLogs() {
		rls := ld.ResourceLogs()
		for i := range rls.Len() {
			sls := rls.At(i).ScopeLogs()
			for j := range sls.Len() {
				lrs := sls.At(j).LogRecords()
				for k := range lrs.Len() {
					if _, ok := lrs.At(k).Attributes().Get(convert.AttrDocuSignUserChanged); ok {
						out = append(out, lrs.At(k))
					}
				}
			}
		}
	}
	return out
}

// maxPerRollingHour is the most of times (sorted) that fall in any hour (t-1h, t].
func maxPerRollingHour(times []time.Time) int {
	most := 0
	for i, from := 0, 0; i < len(times); i++ {
		for !times[from].After(times[i].Add(-time.Hour)) {
			from++
		}
		most = max(most, i-from+1)
	}
	return most
}

func newClockServer(t *testing.T, users int) (*docusigntest.Server, *testclock.Clock) {
	t.Helper()
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 13, Now: clock.Now, TokenLifetime: 48 * time.Hour})
	t.Cleanup(srv.Close)
	srv.AddUsers(users)
	return srv, clock
}

// Done when: with 10,000 users and a budget of 300 an hour the source never exceeds the budget over
// a simulated hour, even when polled as fast as it can be, and profiles new and changed users first.
func TestProfilesKeepTheHourlyBudgetAndReadNewAndChangedUsersFirst(t *testing.T) {
	srv, clock := newClockServer(t, 10_000)
	p := newProfiled(t, srv, clock, sourcetest.NewStorage(), 300)
	assert.Equal(t, 12*time.Second, p.profiles.Interval(), "the budget spread evenly over the hour")
	p.syncUsers(t)
	require.Equal(t, 10_000, p.inv.Len())

	p.pollNow(t, 500) // polled 500 times at one instant: the hour's budget and not one request more
	assert.Len(t, srv.ProfileRequestTimes(), 300)
	p.profile(t, 299) // the rest of the hour: nothing left
	assert.Len(t, srv.ProfileRequestTimes(), 300)
	assert.Empty(t, profileRecords(p.sink), "a user's first profile emits nothing")

	// Into the next hour: three profiled users change, three users are new.
	clock.Advance(time.Hour - 299*p.profiles.Interval())
	var profiledIDs []string
	for id, e := range p.inv.All() {
		if e.Profile != nil {
			profiledIDs = append(profiledIDs, id)
		}
	}
	require.Len(t, profiledIDs, 300)
	slices.Sort(profiledIDs)
	changed := profiledIDs[100:103]
	for _, id := range changed {
		require.NoError(t, srv.ModifyUser(id, func(u map[string]any) { u["first_name"] = "Renamed" }))
	}
	before := srv.UserIDs()
	srv.AddUsers(3)
	added := slices.DeleteFunc(srv.UserIDs(), func(id string) bool { return slices.Contains(before, id) })
	require.Len(t, added, 3)
	clock.Advance(time.Second)
	p.syncUsers(t)

	p.profile(t, 6)
	for _, id := range slices.Concat(changed, added) {
		e, ok := p.inv.Lookup(id)
		require.True(t, ok, id)
		require.NotNil(t, e.Profile, "%s profiled among the first six of 9,706 due", id)
		assert.Equal(t, e.Digest, e.Profile.Digest, "%s profiled as it is now listed", id)
	}

	p.profile(t, 400) // past the end of the second hour
	times := srv.ProfileRequestTimes()
	assert.Equal(t, 300, maxPerRollingHour(times), "never more than the budget in any rolling hour")
	t.Logf("%d profile requests over two simulated hours", len(times))
	assert.GreaterOrEqual(t, len(times), 590, "and the budget is used: the second hour read about 300 more")
	assert.Empty(t, profileRecords(p.sink), "renaming a user changes no security setting")
}

// A restart resumes the hour's budget and re-profiles nothing it knows.
func TestProfilesRestartKeepsBudgetAndProfiles(t *testing.T) {
	srv, clock := newClockServer(t, 5)
	storage := sourcetest.NewStorage()
	p := newProfiled(t, srv, clock, storage, 5)
	p.syncUsers(t)
	p.pollNow(t, 5)
	require.Len(t, srv.ProfileRequestTimes(), 5)
	assert.Contains(t, storage.Keys(), "users.profiles.v1", "the budget is kept in the users checkpoint")

	again := newProfiled(t, srv, clock, storage, 5)
	for id, e := range again.inv.All() {
		assert.NotNil(t, e.Profile, "%s: its profile was stored", id)
	}
	clock.Advance(30 * time.Minute)
	again.pollNow(t, 10)
	assert.Len(t, srv.ProfileRequestTimes(), 5, "the hour's budget was spent before the restart")
	clock.Advance(30 * time.Minute)
	again.pollNow(t, 1)
	assert.Len(t, srv.ProfileRequestTimes(), 6, "a new hour, a new budget")
	assert.Empty(t, profileRecords(again.sink))
}

// Each security change makes exactly one record, WARN when it weakens security; last_login alone
// and a user's first profile make none; a status change is the listing's UPDATE only.
func TestProfileChangesMakeOneRecordEach(t *testing.T) {
	srv, clock := newClockServer(t, 6)
	ids := srv.UserIDs()
	for _, id := range ids {
		require.NoError(t, srv.ModifyProfile(id, func(p map[string]any) {
			p["require_two_step_verification"] = true
			p["device_verification_enabled"] = true
			p["is_organization_admin"] = false
			docusigntest.AccountMembership(p)["is_admin"] = false
			docusigntest.AccountMembership(p)["permission_profile"] = docusigntest.PermissionProfile(docusigntest.PermissionProfileSender)
		}))
	}
	p := newProfiled(t, srv, clock, sourcetest.NewStorage(), 3600)
	p.syncUsers(t)
	for _, u := range userRecordsOf(p.sink) {
		_, has := u.Attributes().Get(convert.AttrDocuSignUserLastLogin)
		assert.False(t, has, "a CREATE does not wait for a profile")
	}
	p.profile(t, 6)
	require.Len(t, srv.ProfileRequestTimes(), 6)
	require.Empty(t, profileRecords(p.sink), "first profiles")

	require.NoError(t, srv.ModifyProfile(ids[0], func(p map[string]any) { p["require_two_step_verification"] = false }))
	require.NoError(t, srv.ModifyProfile(ids[1], func(p map[string]any) { p["is_organization_admin"] = true }))
	require.NoError(t, srv.SetLastLogin(ids[2], clock.Now()))
	require.NoError(t, srv.ModifyProfile(ids[3], func(p map[string]any) {
		docusigntest.AccountMembership(p)["permission_profile"] = docusigntest.PermissionProfile(docusigntest.PermissionProfileViewer)
	}))
	require.NoError(t, srv.ModifyProfile(ids[4], func(p map[string]any) { p["user_status"] = "closed" }))
	p.sink.Reset()
	clock.Advance(time.Second)
	p.syncUsers(t) // the status change is listed: the user's UPDATE
	updates := userRecordsOf(p.sink)
	require.Len(t, updates, 1)
	assert.Equal(t, ids[4], attrString(updates[0], convert.AttrXDMTargetUserIdentifier))
	assert.Equal(t, "UPDATE", attrString(updates[0], convert.AttrXDMEventOperation))
	_, has := updates[0].Attributes().Get(convert.AttrDocuSignUserTwoStepRequired)
	assert.True(t, has, "an UPDATE carries the profile known")

	p.profile(t, 12) // every user read again, twice
	want := map[string]struct {
		changed  []any
		severity plog.SeverityNumber
	}{
		ids[0]: {[]any{convert.AttrDocuSignUserTwoStepRequired}, plog.SeverityNumberWarn},
		ids[1]: {[]any{convert.AttrDocuSignUserIsOrganizationAdmin}, plog.SeverityNumberWarn},
		ids[3]: {[]any{convert.AttrDocuSignUserPermissionProfiles}, plog.SeverityNumberInfo},
	}
	got := profileRecords(p.sink)
	require.Len(t, got, len(want), "one record per security change; none for last_login or status")
	for _, lr := range got {
		id := attrString(lr, convert.AttrXDMTargetUserIdentifier)
		w, ok := want[id]
		require.True(t, ok, "a record for %s", id)
		changed, _ := lr.Attributes().Get(convert.AttrDocuSignUserChanged)
		assert.Equal(t, w.changed, changed.Slice().AsRaw(), id)
		assert.Equal(t, w.severity, lr.SeverityNumber(), id)
		assert.Equal(t, "UPDATE", attrString(lr, convert.AttrXDMEventOperation))
		assert.Equal(t, convert.EventNameAdminUser, lr.EventName())
		profile, err := srv.Profile(id)
		require.NoError(t, err)
		assert.Equal(t, profile["user_name"], lr.Body().Map().AsRaw()["user_name"], "the body is the dsprofile object")
		assert.Equal(t, docusigntest.AccountMembership(profile)["is_admin"], lr.Body().Map().AsRaw()["memberships"].([]any)[0].(map[string]any)["is_admin"])
		profiles, _ := lr.Attributes().Get(convert.AttrDocuSignUserPermissionProfiles)
		assert.NotZero(t, profiles.Slice().Len(), "the profile attributes ride along")
	}
}

// userRecordsOf returns the users source's records (those not about a profile change).
func userRecordsOf(sink *consumertest.LogsSink) []plog.LogRecord {
	var out []plog.LogRecord
	for _, ld := range sink.AllLogs() {
		lrs := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
		for k := range lrs.Len() {
			if _, ok := lrs.At(k).Attributes().Get(convert.AttrDocuSignUserChanged); !ok {
				out = append(out, lrs.At(k))
			}
		}
	}
	return out
}

func attrString(lr plog.LogRecord, key string) string {
	v, _ := lr.Attributes().Get(key)
	return v.Str()
}

// Turning enrichment and profiles off deletes the stored inventory (emails and names) at the next
// start; the users' digests stay, so nobody is reported again.
func TestInventoryNoLongerKeptIsDeleted(t *testing.T) {
	srv, clock := newClockServer(t, 5)
	storage := sourcetest.NewStorage()
	p := newProfiled(t, srv, clock, storage, 5)
	p.syncUsers(t)
	p.pollNow(t, 1)
	require.Subset(t, storage.Keys(), []string{"users.identities.v2.snapshot", "users.profiles.v1", "users.digests.v2.snapshot"})

	env := envFor(t, srv, consumertest.NewNop(), clock.Now)
	env.Clock = clock
	env.Store = checkpoint.NewStore(storage)
	users := NewUsers(UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), AccountID: srv.AccountID(),
		PageSize: 250, PollInterval: time.Hour}, env.Deps(UsersName, time.Hour))
	require.NoError(t, users.Load(context.Background()))
	for _, key := range storage.Keys() {
		assert.NotContains(t, key, "identities", "no identity is left at rest")
	}
	assert.NotContains(t, storage.Keys(), "users.profiles.v1")
	assert.Contains(t, storage.Keys(), "users.digests.v2.snapshot")
}

// A users checkpoint from before the inventory (or from while none was kept): the next sync lists
// everyone to build it, and reports nobody again.
func TestInventoryIsBuiltFromAnEarlierCheckpointWithoutReports(t *testing.T) {
	srv, clock := newClockServer(t, 20)
	storage := sourcetest.NewStorage()
	sink := new(consumertest.LogsSink)
	env := envFor(t, srv, sink, clock.Now)
	env.Clock = clock
	env.Store = checkpoint.NewStore(storage)
	opts := UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), AccountID: srv.AccountID(),
		PageSize: 250, PollInterval: time.Hour, FullSyncInterval: 24 * time.Hour}
	plain := NewUsers(opts, env.Deps(UsersName, time.Hour))
	require.NoError(t, plain.Load(context.Background()))
	_, err := plain.Poll(context.Background())
	require.NoError(t, err)
	require.Equal(t, 20, sink.LogRecordCount(), "every user reported once (CREATE)")

	clock.Advance(time.Minute)
	p := newProfiled(t, srv, clock, storage, 300)
	select {
	case <-p.inv.Ready():
		t.Fatal("nothing stored: not ready before a listing")
	default:
	}
	p.syncUsers(t)
	assert.Equal(t, 0, p.sink.LogRecordCount(), "nobody changed: nobody reported again")
	assert.Equal(t, 20, p.inv.Len())
	<-p.inv.Ready()
	for _, id := range srv.UserIDs() {
		who, ok := p.inv.Identity(id)
		require.True(t, ok, id)
		assert.NotEmpty(t, who.Email, id)
	}
}

// An inventory kept without names (enrichment off) names nobody at rest; turned on, the next sync
// lists everyone again to name them, and reports nobody.
func TestInventoryWithoutNamesIsNamedAgainWhenEnrichmentTurnsOn(t *testing.T) {
	srv, clock := newClockServer(t, 15)
	clock.Advance(72 * time.Hour) // the users were last modified three days ago: an incremental sync skips them
	storage := sourcetest.NewStorage()
	run := func(opts ...identity.Option) (*identity.Inventory, *consumertest.LogsSink) {
		sink := new(consumertest.LogsSink)
		env := envFor(t, srv, sink, clock.Now)
		env.Clock = clock
		env.Store = checkpoint.NewStore(storage)
		env.Identities = identity.New(env.Store.Namespace(UsersName), opts...)
		users := NewUsers(UsersOptions{BaseURL: srv.URL() + "/management", OrganizationID: srv.OrganizationID(), AccountID: srv.AccountID(),
			PageSize: 250, PollInterval: time.Hour, FullSyncInterval: 24 * time.Hour}, env.Deps(UsersName, time.Hour))
		require.NoError(t, users.Load(context.Background()))
		_, err := users.Poll(context.Background())
		require.NoError(t, err)
		return env.Identities, sink
	}
	bare, sink := run(identity.WithoutNames())
	require.Equal(t, 15, sink.LogRecordCount())
	for id := range bare.All() {
		who, _ := bare.Identity(id)
		assert.Empty(t, who.Email, "no email kept without names")
	}

	clock.Advance(time.Minute)
	named, sink := run()
	assert.Equal(t, 0, sink.LogRecordCount(), "nobody changed: nobody reported again")
	for _, id := range srv.UserIDs() {
		who, ok := named.Identity(id)
		require.True(t, ok)
		assert.NotEmpty(t, who.Email, "%s named again", id)
	}
	assert.False(t, named.NeedsListing())
}
