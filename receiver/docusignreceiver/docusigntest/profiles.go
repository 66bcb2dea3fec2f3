// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The per-user profile drill-down of the Admin API (UserDrilldownResponse). A profile is rendered on
// every request: the fields it shares with the user record come from the record (the one source of
// truth), the rest is generated from the user's id and groups, and what ModifyProfile or SetLastLogin
// changed is laid over it.

// Permission profiles of the account a generated membership carries: administrators (account admins,
// is_admin) have the first, everyone else one of the other two.
const (
	PermissionProfileAdministrator = "Account Administrator"
	PermissionProfileSender        = "DocuSign Sender"
	PermissionProfileViewer        = "DocuSign Viewer"
)

// permissionProfileIDs are the account's eSignature permission profile ids: integers, as DocuSign's.
var permissionProfileIDs = map[string]int64{
	PermissionProfileAdministrator: 18_110_401,
	PermissionProfileSender:        18_110_402,
	PermissionProfileViewer:        18_110_403,
}

// PermissionProfile is a membership's permission_profile object for the named profile; a name the
// account does not have gets an id derived from it.
func PermissionProfile(name string) map[string]any {
	id, ok := permissionProfileIDs[name]
	if !ok {
		id = 18_200_000 + int64(fnv64(name)%100_000)
	}
	return map[string]any{"id": id, "name": name}
}

// groupTypes are DocuSign's member group types by group name; any other group is a custom_group.
var groupTypes = map[string]string{
	"Administrators": "admin_group",
	"Everyone":       "everyone_group",
}

// Shared fields: the profile key and the user record key it comes from. A ModifyUser change of the
// record shows in the profile; a ModifyProfile change of the profile is written back to the record.
type sharedField struct{ profile, record string }

var (
	profileShared = []sharedField{
		{"user_name", "user_name"},
		{"first_name", "first_name"},
		{"last_name", "last_name"},
		{"user_status", "user_status"},
		{"created_on", "created_on"},
		{"is_managed_by_scim", "is_managed_by_scim"},
	}
	membershipShared = []sharedField{
		{"id", "membership_id"},
		{"email", "email"},
		{"status", "membership_status"},
		{"created_on", "membership_created_on"},
	}
	// membershipFixed are the account membership's fields ModifyProfile may not change: its account,
	// and its groups, which are the record's ds_groups (change those with ModifyUser).
	membershipFixed = []string{"account_id", "groups"}
	// licenseFields are sent only with include_license=true.
	licenseFields = []string{"license_type", "subscription_id", "plan_name"}
)

// Generated profile values that are not per user.
const (
	siteID      = 4
	siteName    = "NA4" // the site generated Monitor events name
	planName    = "Business Pro"
	federated   = "federated" // federated_status values: DocuSign's are not documented, these are a guess
	unfederated = "not_federated"
)

// profileLanguages weight English as most organisations would.
var profileLanguages = []string{"en", "en", "en", "en", "de", "fr", "ja", "nl", "pt_BR"}

// profileOverrides is what ModifyProfile changed of a user's generated profile.
type profileOverrides struct {
	top        map[string]any // profile-only top-level fields; the value removed marks a deleted one
	membership map[string]any // the account membership's own fields, likewise
	others     []any          // memberships after the account's; nil: none
}

// removed marks a field ModifyProfile deleted.
type removed struct{}

// fnv64 is FNV-1a of s: stable ids and draws derived from names and user ids.
func fnv64(s string) uint64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// FormatAdminTime formats t as the fake's Admin API sends date-times (created_on, last_login): UTC,
// RFC 3339, at most millisecond precision, trailing zeros dropped (2026-10-02T14:07:40.12Z).
func FormatAdminTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(time.RFC3339Nano)
}

// AccountMembership is the account's membership of a profile (memberships[0]), for a ModifyProfile
// fn to change, e.g. its "permission_profile" (PermissionProfile) or "is_admin"; nil when absent.
func AccountMembership(profile map[string]any) map[string]any {
	switch ms := profile["memberships"].(type) {
	case []any:
		if len(ms) > 0 {
			m, _ := ms[0].(map[string]any)
			return m
		}
	case []map[string]any:
		if len(ms) > 0 {
			return ms[0]
		}
	}
	return nil
}

// otherMemberships are a profile's memberships after the account's.
func otherMemberships(profile map[string]any) []any {
	switch ms := profile["memberships"].(type) {
	case []any:
		if len(ms) > 1 {
			return ms[1:]
		}
	case []map[string]any:
		others := make([]any, 0, max(len(ms)-1, 0))
		for _, m := range ms[min(1, len(ms)):] {
			others = append(others, m)
		}
		return others
	}
	return nil
}

// memberGroups turns a record's ds_groups into a membership's groups; admin tells whether one of them
// is an admin group.
func memberGroups(dsGroups any) (groups []any, admin bool) {
	groups = []any{}
	add := func(g map[string]any) {
		name, _ := g["group_name"].(string)
		if isAdmin, _ := g["is_admin"].(bool); isAdmin {
			admin = true
		}
		groups = append(groups, map[string]any{
			"id":   int64(7_300_000 + fnv64(name)%100_000), // eSignature group ids are integers
			"name": name,
			"type": cmp.Or(groupTypes[name], "custom_group"),
		})
	}
	switch gs := dsGroups.(type) {
	case []map[string]any:
		for _, g := range gs {
			add(g)
		}
	case []any:
		for _, g := range gs {
			if m, ok := g.(map[string]any); ok {
				add(m)
			}
		}
	}
	return groups, admin
}

// profileDraws are a user's generated profile choices. They are all drawn, in one order, from the id
// alone, so a change of the record (status, groups) never reshuffles the others.
type profileDraws struct {
	accountAdmin, orgAdmin, sender bool
	twoStep, snooze, device        bool
	federated, extendSelf          bool
	language                       string
	loginAfter                     time.Duration // last login, after created_on
}

func (s *Server) profileDraws(id string) profileDraws {
	r := newDetRand(s.opts.Seed, streamProfile, fnv64(id))
	return profileDraws{
		accountAdmin: r.chance(8),
		orgAdmin:     r.chance(30), // of the account admins: a few organisation admins
		sender:       r.chance(70),
		twoStep:      r.chance(88),
		snooze:       r.chance(20),
		device:       r.chance(60),
		federated:    r.chance(25),
		extendSelf:   r.chance(50),
		language:     profileLanguages[r.intn(len(profileLanguages))],
		loginAfter:   time.Duration(r.intn(365*24*3600))*time.Second + time.Duration(r.intn(1000))*time.Millisecond,
	}
}

// generatedProfile is the profile of the user whose record is f, before any ModifyProfile.
func (s *Server) generatedProfile(f map[string]any) map[string]any {
	id, _ := f["id"].(string)
	d := s.profileDraws(id)
	groups, inAdminGroup := memberGroups(f["ds_groups"])
	accountAdmin := inAdminGroup || d.accountAdmin
	orgAdmin := id == s.opts.UserID || (accountAdmin && d.orgAdmin) // the impersonated admin is one
	permission, license := PermissionProfileViewer, "Viewer"
	switch {
	case accountAdmin:
		permission, license = PermissionProfileAdministrator, "Sender"
	case d.sender:
		permission, license = PermissionProfileSender, "Sender"
	}
	status := unfederated
	identities := []any{}
	if d.federated {
		immutable, _ := f["email"].(string)
		status = federated
		identities = append(identities, map[string]any{
			"id":            detGUID(s.opts.Seed, streamProfile, fnv64(id)^1),
			"provider_id":   detGUID(s.opts.Seed, streamProfile, 0), // the organisation's one identity provider
			"user_id":       id,
			"immutable_id":  cmp.Or(immutable, id),
			"error_details": nil,
		})
	}
	membership := map[string]any{
		"account_id":          s.opts.AccountID,
		"external_account_id": strconv.FormatUint(10_000_000+mix64(uint64(s.opts.Seed))%90_000_000, 10),
		"account_name":        accountName,
		"is_external_account": false,
		"permission_profile":  PermissionProfile(permission),
		"groups":              groups,
		"is_admin":            accountAdmin,
		"license_type":        license,
		"subscription_id":     strconv.FormatUint(40_000_000+mix64(uint64(s.opts.Seed)^1)%10_000_000, 10),
		"plan_name":           planName,
	}
	p := map[string]any{
		"id":                                    id,
		"site_id":                               siteID,
		"site_name":                             siteName,
		"default_account_id":                    s.opts.AccountID,
		"default_account_name":                  accountName,
		"language_culture":                      d.language,
		"selected_languages":                    d.language,
		"federated_status":                      status,
		"is_organization_admin":                 orgAdmin,
		"memberships":                           []any{membership},
		"identities":                            identities,
		"device_verification_enabled":           d.device,
		"require_two_step_verification":         orgAdmin || d.twoStep,
		"allow_two_step_verification_snooze":    (orgAdmin || d.twoStep) && d.snooze,
		"allow_extend_org_admin_rights_to_self": orgAdmin && d.extendSelf,
	}
	copyShared(p, f, profileShared)
	copyShared(membership, f, membershipShared)
	if last, ok := lastLogin(f, d.loginAfter); ok {
		p["last_login"] = last
	}
	return p
}

// copyShared copies the record's shared fields into the profile object; a field the record lacks is absent.
func copyShared(dst, record map[string]any, fields []sharedField) {
	for _, sf := range fields {
		if v, ok := record[sf.record]; ok {
			dst[sf.profile] = deepCopy(v)
		}
	}
}

// lastLogin is a generated user's last login: none for a user who never activated (status created),
// else some time after created_on and no later than closed_on.
func lastLogin(f map[string]any, after time.Duration) (string, bool) {
	if f["user_status"] == "created" {
		return "", false
	}
	created := time.Date(2025, 1, 6, 9, 0, 0, 0, time.UTC)
	if v, ok := f["created_on"].(string); ok {
		if t, err := parseISOTime(v); err == nil {
			created = t
		}
	}
	last := created.Add(after)
	if v, ok := f["closed_on"].(string); ok {
		if closed, err := parseISOTime(v); err == nil && last.After(closed) && closed.After(created) {
			last = created.Add(after % closed.Sub(created))
		}
	}
	return FormatAdminTime(last), true
}

// deepCopy copies the JSON-shaped value v (objects, arrays, scalars) so no two profiles share a map or slice.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for i, e := range v {
			c[i] = deepCopy(e)
		}
		return c
	case []map[string]any:
		c := make([]map[string]any, len(v))
		for i, e := range v {
			c[i] = deepCopy(e).(map[string]any)
		}
		return c
	}
	return v
}

// profileLocked renders u's profile: generated, then what ModifyProfile changed. s.mu must be held.
func (s *Server) profileLocked(u *userRecord, withLicense bool) map[string]any {
	p := s.generatedProfile(u.fields)
	membership := AccountMembership(p)
	if o := u.profile; o != nil {
		overlay(p, o.top)
		overlay(membership, o.membership)
		if o.others != nil {
			p["memberships"] = append([]any{membership}, deepCopy(o.others).([]any)...)
		}
	}
	if !withLicense {
		for _, m := range p["memberships"].([]any) {
			if m, ok := m.(map[string]any); ok {
				for _, k := range licenseFields {
					delete(m, k)
				}
			}
		}
	}
	return p
}

func overlay(dst, changes map[string]any) {
	for k, v := range changes {
		if _, gone := v.(removed); gone {
			delete(dst, k)
		} else {
			dst[k] = deepCopy(v)
		}
	}
}

// Profile returns the user's profile as the drill-down sends it with include_license=true.
func (s *Server) Profile(id string) (map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users.byID[id]
	if !ok {
		return nil, fmt.Errorf("no user with id %q", id)
	}
	return s.profileLocked(u, true), nil
}

// ModifyProfile lets fn change the user's profile, as the drill-down would send it with
// include_license=true (objects are map[string]any, arrays []any; AccountMembership finds the
// account's membership). Fields the profile shares with the user record (user_name, first_name,
// last_name, user_status, created_on, is_managed_by_scim; the account membership's id, email, status,
// created_on) are written back to the record, which then counts as modified (Now()); any other change
// stays with the profile and leaves the record's modified time alone, so last_modified_since does not
// reveal it (ModifyUser with an empty fn does). The "id" is restored. The account membership's
// account_id and groups (the record's ds_groups) cannot change here: the error says so and nothing
// changes. fn runs under the server's lock: it must not call the Server.
func (s *Server) ModifyProfile(id string, fn func(p map[string]any)) error {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users.byID[id]
	if !ok {
		return fmt.Errorf("no user with id %q", id)
	}
	before, after := s.profileLocked(u, true), s.profileLocked(u, true)
	fn(after)
	was, is := AccountMembership(before), AccountMembership(after)
	if is == nil {
		return fmt.Errorf("user %q: memberships[0] must stay the account's membership (an object)", id)
	}
	for _, k := range membershipFixed {
		if !reflect.DeepEqual(was[k], is[k]) {
			return fmt.Errorf("user %q: memberships[0].%s cannot change through the profile; change the user record's ds_groups with ModifyUser", id, k)
		}
	}

	o := u.profile
	if o == nil {
		o = &profileOverrides{top: map[string]any{}, membership: map[string]any{}}
	}
	recordChanged := diffInto(u.fields, o.top, before, after, profileShared, "id", "memberships")
	recordChanged = diffInto(u.fields, o.membership, was, is, membershipShared, membershipFixed...) || recordChanged
	if others := otherMemberships(after); !reflect.DeepEqual(otherMemberships(before), others) {
		o.others = deepCopy(slices.Clip(others)).([]any) // never nil: an empty list removes added memberships
	}
	u.profile = o
	if recordChanged {
		u.fields["id"] = id
		u.modified, u.encoded = now, [2][]byte{}
	}
	return nil
}

// diffInto records every field that differs between before and after: a shared one in the user
// record (reporting whether it changed), any other in changes. Fields named in skip are left alone.
func diffInto(record, changes, before, after map[string]any, shared []sharedField, skip ...string) (recordChanged bool) {
	keys := slices.Collect(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if slices.Contains(skip, k) {
			continue
		}
		v, present := after[k]
		old, had := before[k]
		if present == had && reflect.DeepEqual(old, v) {
			continue
		}
		i := slices.IndexFunc(shared, func(sf sharedField) bool { return sf.profile == k })
		switch {
		case i >= 0 && present:
			record[shared[i].record] = deepCopy(v)
			recordChanged = true
		case i >= 0:
			delete(record, shared[i].record)
			recordChanged = true
		case present:
			changes[k] = deepCopy(v)
		default:
			changes[k] = removed{}
		}
	}
	return recordChanged
}

// SetLastLogin sets the user's last_login to t, formatted as FormatAdminTime does; nothing else changes.
func (s *Server) SetLastLogin(id string, t time.Time) error {
	last := FormatAdminTime(t)
	return s.ModifyProfile(id, func(p map[string]any) { p["last_login"] = last })
}

// ProfileRequestTimes returns the server clock (Options.Now) at each profile request that reached the
// handler, in arrival order, so a test can check a client's requests per rolling hour.
func (s *Server) ProfileRequestTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.users.profileTimes)
}

// handleProfiles answers both drill-downs, by user id (path) and by email (query).
//
// An unknown user id answers 404 not_found in the Admin API's error shape, as the listing answers an
// unknown organisation: a path names one resource, and DocuSign's REST APIs answer a missing one with
// 404. An email that matches nobody answers 200 with an empty users list, as the listing's email
// filter does: a query that finds nothing is not an error.
func (s *Server) handleProfiles(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	s.mu.Lock()
	s.stats.ProfileRequests++
	s.users.profileTimes = append(s.users.profileTimes, now)
	s.mu.Unlock()
	if !s.admitAdmin(w, r, "the user profile") {
		return
	}
	q := r.URL.Query()
	withLicense := false
	if v := q.Get("include_license"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf("include_license %q must be true or false", v))
			return
		}
		withLicense = b
	}
	userID, email := r.PathValue("user"), q.Get("email")
	if userID == "" && email == "" {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "email is required")
		return
	}

	users := []any{}
	s.mu.Lock()
	if userID != "" {
		u, ok := s.users.byID[userID]
		if !ok {
			s.mu.Unlock()
			writeOAuthError(w, http.StatusNotFound, "not_found",
				fmt.Sprintf("user %q not found in organization %q", userID, s.opts.OrganizationID))
			return
		}
		users = append(users, s.profileLocked(u, withLicense))
	} else {
		for _, u := range s.users.list {
			if e, _ := u.fields["email"].(string); strings.EqualFold(e, email) {
				users = append(users, s.profileLocked(u, withLicense))
			}
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
}
