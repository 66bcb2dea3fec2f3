// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"testing"
	"unsafe"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/pdatatest/plogtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// TestEventRefNamesActorAndTarget: each event's ref names the user who acted (userId) and the user
// acted on (affectedUserId, else referencedUserId, else data.AffectedUserId), as the page has them.
func TestEventRefNamesActorAndTarget(t *testing.T) {
	type who struct{ actor, target string }
	for page, want := range map[string][]who{
		"monitor-sample.json": {
			{"7d9b0f1e-2222-4333-8444-555566667777", ""}, // affectedUserId and referencedUserId are ""
			{"0a1b2c3d-5555-4666-8777-888899990000", ""},
			{"0a1b2c3d-5555-4666-8777-888899990000", ""},
		},
		"monitor-tricky.json": {
			{"user-1", "ref-1"}, // affectedUserId "" gives way to referencedUserId
			{"user-2", "user-9"},
			{}, {}, {},
			{}, // the event that is a string
			{"", "user-7"},
			{},
			{"", ""}, // userId 42 is not a string: flagged, no actor
			{}, {},
			{"", "ref-12"}, // referencedUserId before data.AffectedUserId
		},
	} {
		t.Run(page, func(t *testing.T) {
			lrs, _, refs, _ := convertPage(t, readPage(t, page))
			require.Len(t, refs, len(want))
			for i, w := range want {
				assert.Equal(t, w.actor, refs[i].Actor, "event %d actor", i)
				assert.Equal(t, w.target, refs[i].Target, "event %d target", i)
				checkNamesAgree(t, lrs.At(i), refs[i])
			}
		})
	}
}

// checkNamesAgree: a ref's actor and target are the record's identifier attributes.
func checkNamesAgree(t *testing.T, lr plog.LogRecord, ref EventRef) {
	t.Helper()
	for attr, name := range map[string]string{actorIdentity.user: ref.Actor, targetIdentity.user: ref.Target} {
		v, ok := lr.Attributes().Get(attr)
		if name == "" {
			assert.False(t, ok, "%s set, ref names nobody", attr)
		} else if assert.True(t, ok, "%s missing, ref names %q", attr, name) {
			assert.Equal(t, name, v.Str(), attr)
		}
	}
}

// addrOf is the address range of a string's bytes.
func addrOf(s string) (lo, hi uintptr) {
	p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
	return p, p + uintptr(len(s))
}

// TestEventRefsAreCompact: the ids of a page's refs are one block of memory, and the actors and
// targets another, so that keeping the ids (de-duplication) keeps neither the records' text nor
// the users' ids.
func TestEventRefsAreCompact(t *testing.T) {
	page := buildEnrichPage(t)
	_, _, refs, _ := convertPage(t, page)
	block := func(get func(*EventRef) []string) (lo, hi uintptr, n int) {
		for i := range refs {
			for _, s := range get(&refs[i]) {
				if s == "" {
					continue
				}
				l, h := addrOf(s)
				if n == 0 || l < lo {
					lo = l
				}
				hi = max(hi, h)
				n += len(s)
			}
		}
		return lo, hi, n
	}
	idLo, idHi, ids := block(func(r *EventRef) []string { return []string{r.ID} })
	userLo, userHi, users := block(func(r *EventRef) []string { return []string{r.Actor, r.Target} })
	require.Positive(t, ids)
	require.Positive(t, users)
	assert.Equal(t, uintptr(ids), idHi-idLo, "the ids are one block, nothing between them")
	assert.Equal(t, uintptr(users), userHi-userLo, "the actors and targets are one block")
	assert.True(t, userHi <= idLo || idHi <= userLo, "the ids' block holds no user ids")
}

// identityOf returns the identity of the i-th user of a users page in testdata.
func identityOf(t *testing.T, page string, i int) Identity {
	t.Helper()
	users := readUsers(t, page)
	return users[i].Identity()
}

// TestUserIdentity: a user's identity is what the user's record says, field by field.
func TestUserIdentity(t *testing.T) {
	for _, tc := range []struct {
		page string
		user int
		want Identity
	}{
		{"admin-users-sample.json", 0, Identity{Email: "ada@example.com", UserName: "Ada Lovelace", FirstName: "Ada",
			LastName: "Lovelace", Status: "active", Groups: []string{"Administrators"}}},
		{"admin-users-sample.json", 1, Identity{Email: "grace@example.com", UserName: "Grace Hopper", FirstName: "Grace",
			LastName: "Hopper", Status: "closed"}}, // ds_groups [] : no groups
		{"admin-users-tricky.json", 0, Identity{Email: "joerg@example.com", UserName: "Jörg Müller", FirstName: "Jörg",
			Status: "Active", Groups: []string{"Signers", "Administrators"}}}, // a group without a name has none
		{"admin-users-tricky.json", 1, Identity{UserName: "Only Username", Status: "created"}},
		{"admin-users-tricky.json", 2, Identity{FirstName: "First", LastName: "Last", Email: "x@example.com"}}, // ds_groups of the wrong type
		{"admin-users-tricky.json", 3, Identity{UserName: "No Id"}},
	} {
		assert.Equal(t, tc.want, identityOf(t, tc.page, tc.user), "%s user %d", tc.page, tc.user)
	}
	for _, raw := range []string{`{"id":"a","email":`, `["not","an","object"]`} {
		u := decodeUser([]byte(raw))
		assert.Equal(t, Identity{}, u.Identity(), "a user that cannot be tokenized: %s", raw)
	}
}

// TestIdentityOfUsersBeyondThePageBudget: a user whose tokens were not kept is tokenized again.
func TestIdentityOfUsersBeyondThePageBudget(t *testing.T) {
	u := decodeUser([]byte(`{"id":"a","email":"a@example.com","ds_groups":[{"group_name":"G"}]}`))
	u.rec.tape, u.rec.strs = nil, nil
	assert.Equal(t, Identity{Email: "a@example.com", Groups: []string{"G"}}, u.Identity())
}

// TestIdentityIsOneBlockOfItsOwn: an identity does not keep the users page's text alive.
func TestIdentityIsOneBlockOfItsOwn(t *testing.T) {
	users := readUsers(t, "admin-users-tricky.json")
	id := users[0].Identity()
	textLo, textHi := addrOf(users[0].rec.text)
	var lo, hi uintptr
	n := 0
	for _, s := range append([]string{id.Email, id.UserName, id.FirstName, id.LastName, id.Status}, id.Groups...) {
		if s == "" {
			continue
		}
		l, h := addrOf(s)
		assert.True(t, h <= textLo || textHi <= l, "%q points into the page's text", s)
		if n == 0 || l < lo {
			lo = l
		}
		hi, n = max(hi, h), n+len(s)
	}
	assert.Equal(t, uintptr(n), hi-lo, "one block")
}

// TestEnrichmentSaysWhatTheUserRecordSays: for every user of the test pages, the attributes an
// identity adds to a Monitor record have the values of the attributes of the user's own record
// they come from (identityFields), and are absent where the record's are absent or empty.
func TestEnrichmentSaysWhatTheUserRecordSays(t *testing.T) {
	for _, page := range []string{"admin-users-sample.json", "admin-users-tricky.json"} {
		for i, u := range readUsers(t, page) {
			record := plog.NewLogRecordSlice()
			u.Append(record, OperationCreate, observedAt)
			userAttrs := record.At(0).Attributes()
			for _, m := range []*identityMapping{&actorIdentity, &targetIdentity} {
				attrs, id := pcommon.NewMap(), u.Identity()
				enrich(attrs, m, &id)
				for _, r := range m.attrs {
					from := identityFields[identityFieldIndex(r.from)].attr
					want, ok := userAttrs.Get(from)
					if ok && want.Type() == pcommon.ValueTypeSlice && want.Slice().Len() == 0 {
						ok = false // an empty list adds nothing
					}
					for _, k := range r.keys {
						got, has := attrs.Get(k)
						if assert.Equal(t, ok, has, "%s user %d: %s (from %s)", page, i, k, from) && ok {
							assert.Equal(t, want.AsRaw(), got.AsRaw(), "%s user %d: %s (from %s)", page, i, k, from)
						}
					}
				}
			}
		}
	}
}

// identityFieldIndex returns the index of kind k in identityFields.
func identityFieldIndex(k identityKind) int {
	for i, f := range identityFields {
		if f.kind == k {
			return i
		}
	}
	panic("no identity field")
}

var (
	ada   = Identity{Email: "ada@example.com", UserName: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace", Status: "active", Groups: []string{"Administrators", "Everyone"}}
	grace = Identity{Email: "grace@example.com", UserName: "ghopper", Status: "closed"}
)

// TestEnrichActorAndTarget: what each kind of identity adds, and nothing else; the body stays
// exactly as converted.
func TestEnrichActorAndTarget(t *testing.T) {
	for _, tc := range []struct {
		name          string
		actor, target *Identity // nil: not in the inventory
		want          map[string]any
	}{
		{name: "actor and target known", actor: &ada, target: &grace, want: map[string]any{
			AttrUserEmail: "ada@example.com", AttrXDMSourceUserUPN: "ada@example.com",
			AttrUserName: "Ada Lovelace", AttrXDMSourceUserUsername: "Ada Lovelace",
			AttrUserFullName: "Ada Lovelace",
			AttrUserRoles:    []string{"Administrators", "Everyone"}, AttrXDMSourceUserGroups: []string{"Administrators", "Everyone"},
			AttrDocuSignUserStatus:    "active",
			AttrXDMTargetUserUsername: "ghopper", AttrXDMTargetUserUPN: "grace@example.com",
		}},
		{name: "actor known, no names: the full name is the user name", actor: &grace, want: map[string]any{
			AttrUserEmail: "grace@example.com", AttrXDMSourceUserUPN: "grace@example.com",
			AttrUserName: "ghopper", AttrXDMSourceUserUsername: "ghopper", AttrUserFullName: "ghopper",
			AttrDocuSignUserStatus: "closed",
		}},
		{name: "only a last name", actor: &Identity{LastName: " Hopper "}, want: map[string]any{AttrUserFullName: "Hopper"}},
		{name: "names padded", actor: &Identity{FirstName: " Ada", LastName: "Lovelace ", UserName: " Ada Lovelace "},
			want: map[string]any{AttrUserFullName: "Ada Lovelace", AttrUserName: " Ada Lovelace ", AttrXDMSourceUserUsername: " Ada Lovelace "}},
		{name: "user name other than the names", actor: &Identity{FirstName: "Ada", LastName: "Lovelace", UserName: "Ada  Lovelace"},
			want: map[string]any{AttrUserFullName: "Ada Lovelace", AttrUserName: "Ada  Lovelace", AttrXDMSourceUserUsername: "Ada  Lovelace"}},
		{name: "target known, actor unknown", target: &ada, want: map[string]any{
			AttrXDMTargetUserUsername: "Ada Lovelace", AttrXDMTargetUserUPN: "ada@example.com",
		}},
		{name: "known but empty", actor: &Identity{}, target: &Identity{Groups: []string{}}, want: map[string]any{}},
		{name: "unknown", want: map[string]any{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lrs, _, _, _ := convertPage(t, readPage(t, "monitor-sample.json"))
			before := plog.NewLogRecordSlice()
			lrs.CopyTo(before)
			lr := lrs.At(0)
			if tc.actor != nil {
				EnrichActor(lr.Attributes(), *tc.actor)
			}
			if tc.target != nil {
				EnrichTarget(lr.Attributes(), *tc.target)
			}
			assert.True(t, before.At(0).Body().Equal(lr.Body()), "body changed")
			added := pcommon.NewMap()
			for k, v := range lr.Attributes().All() {
				if old, ok := before.At(0).Attributes().Get(k); ok {
					assert.True(t, old.Equal(v), "%s changed", k)
				} else {
					v.CopyTo(added.PutEmpty(k))
				}
			}
			checkAttrs(t, added, wantRecord{attrs: tc.want, exact: true})
			for i := 1; i < lrs.Len(); i++ {
				assert.True(t, before.At(i).Attributes().Equal(lrs.At(i).Attributes()), "record %d touched", i)
			}
		})
	}
}

// enrichPage enriches each record of a converted page whose actor or target inv knows.
func enrichPage(lrs plog.LogRecordSlice, refs []EventRef, inv map[string]Identity) {
	for i := range refs {
		if id, ok := inv[refs[i].Actor]; ok {
			EnrichActor(lrs.At(i).Attributes(), id)
		}
		if id, ok := inv[refs[i].Target]; ok {
			EnrichTarget(lrs.At(i).Attributes(), id)
		}
	}
}

// TestMonitorSampleEnriched: the sample page enriched with the identities of the sample users
// page (whose users are the page's actors), end to end; one actor, Grace, is also made the
// target of the tricky page's events.
func TestMonitorSampleEnriched(t *testing.T) {
	inv := map[string]Identity{}
	for _, u := range readUsers(t, "admin-users-sample.json") {
		inv[u.ID] = u.Identity()
	}
	lrs, _, refs, _ := convertPage(t, readPage(t, "monitor-sample.json"))
	bodies := plog.NewLogRecordSlice()
	lrs.CopyTo(bodies)
	enrichPage(lrs, refs, inv)
	checkGolden(t, "monitor-sample-enriched.golden.yaml", lrs)
	for i := range lrs.Len() {
		assert.True(t, bodies.At(i).Body().Equal(lrs.At(i).Body()), "record %d: body changed", i)
	}
	checkAttrs(t, lrs.At(1).Attributes(), wantRecord{attrs: map[string]any{
		AttrUserEmail: "grace@example.com", AttrUserFullName: "Grace Hopper", AttrDocuSignUserStatus: "closed",
	}, absent: []string{AttrUserRoles, AttrXDMSourceUserGroups}}) // Grace has ds_groups []

	tricky := map[string]Identity{"user-1": ada, "ref-1": grace, "user-9": grace, "ref-12": ada}
	lrs, _, refs, _ = convertPage(t, readPage(t, "monitor-tricky.json"))
	enrichPage(lrs, refs, tricky)
	for i, want := range []struct{ actor, target bool }{
		{true, true}, {false, true}, {}, {}, {}, {}, {} /* user-7 unknown */, {}, {}, {}, {}, {false, true},
	} {
		attrs := lrs.At(i).Attributes()
		_, actor := attrs.Get(AttrXDMSourceUserUPN)
		_, target := attrs.Get(AttrXDMTargetUserUPN)
		assert.Equal(t, want.actor, actor, "event %d: actor's identity", i)
		assert.Equal(t, want.target, target, "event %d: target's identity", i)
	}
}

// TestRoomForIdentities: WithRoomForIdentities changes no record, and enriching a record
// converted with it does not copy its attributes to a larger map (one allocation fewer).
func TestRoomForIdentities(t *testing.T) {
	for _, page := range []string{"monitor-sample.json", "monitor-tricky.json"} {
		plain, roomy := plog.NewLogRecordSlice(), plog.NewLogRecordSlice()
		_, _, _, err := AppendMonitorPage(readPage(t, page), plain, observedAt, nil)
		require.NoError(t, err)
		_, _, _, err = AppendMonitorPage(readPage(t, page), roomy, observedAt, nil, WithRoomForIdentities)
		require.NoError(t, err)
		require.NoError(t, compareRecords(plain, roomy), page)
	}

	const runs = 20
	allocs := func(opts ...PageOption) float64 {
		page := buildEnrichPage(t)
		lrs := plog.NewLogRecordSlice()
		_, _, _, err := AppendMonitorPage(page, lrs, observedAt, nil, opts...)
		require.NoError(t, err)
		i := 0
		return testing.AllocsPerRun(runs, func() {
			EnrichActor(lrs.At(i).Attributes(), grace) // no groups: the same allocations for each record
			i++
		})
	}
	assert.Equal(t, allocs()-1, allocs(WithRoomForIdentities))
}

// compareRecords reports how two record slices differ, by the golden files' comparison.
func compareRecords(want, got plog.LogRecordSlice) error {
	return plogtest.CompareLogs(asLogs(want), asLogs(got))
}
