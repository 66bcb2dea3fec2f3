// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/testclock"
)

func profileURL(s *Server, userID string, params url.Values) string {
	return s.URL() + "/management/v2.1/organizations/" + s.OrganizationID() + "/users/" + userID + "/dsprofile?" + params.Encode()
}

func profileByEmailURL(s *Server, email string) string {
	return s.URL() + "/management/v2.1/organizations/" + s.OrganizationID() + "/users/dsprofile?" + url.Values{"email": {email}}.Encode()
}

// fetchProfiles requests a drill-down, requires a 200 and decodes its users as JSON objects.
func fetchProfiles(t testing.TB, rawURL, tok string) []map[string]any {
	t.Helper()
	resp, body := get(t, rawURL, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode, "dsprofile: %s", body)
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var out struct {
		Users []map[string]any `json:"users"`
	}
	require.NoError(t, dec.Decode(&out))
	require.NotNil(t, out.Users, "users must be an array, never null")
	return out.Users
}

// fetchProfile is the one profile of userID, with licenses.
func fetchProfile(t testing.TB, s *Server, userID, tok string) map[string]any {
	t.Helper()
	users := fetchProfiles(t, profileURL(s, userID, url.Values{"include_license": {"true"}}), tok)
	require.Len(t, users, 1)
	return users[0]
}

func membershipOf(t testing.TB, p map[string]any) map[string]any {
	t.Helper()
	ms, ok := p["memberships"].([]any)
	require.True(t, ok, "memberships is an array: %v", p["memberships"])
	require.NotEmpty(t, ms)
	m, ok := ms[0].(map[string]any)
	require.True(t, ok)
	return m
}

func TestProfileHasTheDrilldownShape(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 5})
	s.AddUsers(300)
	tok := token(t, s, testNow)
	listed := map[string]map[string]any{}
	for _, u := range fetchUsers(t, usersURL(s, url.Values{"take": {"250"}, "include_ds_groups": {"true"}}), tok).Users {
		listed[u["id"].(string)] = u
	}
	for _, u := range fetchUsers(t, usersURL(s, url.Values{"take": {"250"}, "start": {"250"}, "include_ds_groups": {"true"}}), tok).Users {
		listed[u["id"].(string)] = u
	}
	require.Len(t, listed, 300)

	var orgAdmins, accountAdmins, twoStep, fedCount, withLogin int
	for id, user := range listed {
		p := fetchProfile(t, s, id, tok)
		for _, f := range []string{"id", "site_name", "user_name", "first_name", "last_name", "user_status", "default_account_id",
			"default_account_name", "language_culture", "selected_languages", "federated_status", "created_on"} {
			require.IsType(t, "", p[f], "%s of %s", f, id)
		}
		for _, f := range []string{"is_organization_admin", "device_verification_enabled", "require_two_step_verification",
			"allow_two_step_verification_snooze", "allow_extend_org_admin_rights_to_self", "is_managed_by_scim"} {
			require.IsType(t, true, p[f], "%s of %s", f, id)
		}
		require.IsType(t, json.Number(""), p["site_id"])
		for _, f := range []string{"user_name", "first_name", "last_name", "user_status", "created_on", "is_managed_by_scim"} {
			assert.Equal(t, user[f], p[f], "%s is the user record's", f)
		}
		assert.Equal(t, id, p["id"])
		assert.Equal(t, s.AccountID(), p["default_account_id"])

		m := membershipOf(t, p)
		for _, f := range []string{"id", "email", "account_id", "external_account_id", "account_name", "status", "created_on",
			"license_type", "subscription_id", "plan_name"} {
			require.IsType(t, "", m[f], "membership %s of %s", f, id)
		}
		require.IsType(t, true, m["is_admin"])
		require.IsType(t, false, m["is_external_account"])
		assert.Equal(t, user["email"], m["email"])
		assert.Equal(t, user["membership_status"], m["status"])
		assert.Equal(t, user["membership_id"], m["id"])
		assert.Equal(t, user["membership_created_on"], m["created_on"])
		assert.Equal(t, s.AccountID(), m["account_id"])

		var dsGroups, groups []string
		for _, g := range user["ds_groups"].([]any) {
			dsGroups = append(dsGroups, g.(map[string]any)["group_name"].(string))
		}
		for _, g := range m["groups"].([]any) {
			group := g.(map[string]any)
			require.IsType(t, json.Number(""), group["id"], "group ids are integers")
			require.Contains(t, []string{"admin_group", "everyone_group", "custom_group"}, group["type"])
			groups = append(groups, group["name"].(string))
		}
		assert.Equal(t, dsGroups, groups, "the membership's groups are the user's ds_groups")

		pp := m["permission_profile"].(map[string]any)
		require.IsType(t, json.Number(""), pp["id"])
		isAdmin := m["is_admin"].(bool)
		assert.Equal(t, isAdmin, pp["name"] == PermissionProfileAdministrator, "permission profile %v with is_admin %v", pp["name"], isAdmin)
		assert.Contains(t, []string{PermissionProfileAdministrator, PermissionProfileSender, PermissionProfileViewer}, pp["name"])
		if slices.Contains(dsGroups, "Administrators") {
			assert.True(t, isAdmin, "a member of Administrators is an account admin")
		}

		identities := p["identities"].([]any)
		if p["federated_status"] == federated {
			fedCount++
			require.Len(t, identities, 1)
			identity := identities[0].(map[string]any)
			for _, f := range []string{"id", "provider_id", "user_id", "immutable_id"} {
				require.IsType(t, "", identity[f], "identity %s", f)
			}
			assert.Contains(t, identity, "error_details")
			assert.Equal(t, id, identity["user_id"])
		} else {
			assert.Equal(t, unfederated, p["federated_status"])
			assert.Empty(t, identities)
		}

		if last, ok := p["last_login"]; ok {
			withLogin++
			lastLogin, err := time.Parse(time.RFC3339Nano, last.(string))
			require.NoError(t, err)
			created, err := time.Parse(time.RFC3339Nano, p["created_on"].(string))
			require.NoError(t, err)
			assert.False(t, lastLogin.Before(created), "last login %s before creation %s", last, p["created_on"])
			if closed, ok := user["closed_on"].(string); ok {
				assert.False(t, lastLogin.After(parseTS(t, closed)), "last login %s after closing %s", last, closed)
			}
		} else {
			assert.Equal(t, "created", p["user_status"], "only a user who never activated has no last login")
		}

		if p["is_organization_admin"].(bool) {
			orgAdmins++
			assert.True(t, isAdmin, "an organisation admin administers the account")
			assert.True(t, p["require_two_step_verification"].(bool))
		}
		if isAdmin {
			accountAdmins++
		}
		if p["require_two_step_verification"].(bool) {
			twoStep++
		} else {
			assert.False(t, p["allow_two_step_verification_snooze"].(bool), "no snooze without two-step")
		}
	}
	assert.True(t, fetchProfile(t, s, s.UserID(), tok)["is_organization_admin"].(bool), "the impersonated admin is an organisation admin")
	assert.Greater(t, orgAdmins, 1, "a few organisation admins")
	assert.Less(t, orgAdmins, 30)
	assert.Greater(t, accountAdmins, orgAdmins)
	assert.Greater(t, twoStep, 225, "most require two-step verification")
	assert.Less(t, twoStep, 300, "not all")
	assert.Greater(t, fedCount, 30, "some are federated")
	assert.Less(t, fedCount, 150)
	assert.Greater(t, withLogin, 200)

	again := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 5})
	again.AddUsers(300)
	for _, id := range s.UserIDs()[:20] {
		want, err := s.Profile(id)
		require.NoError(t, err)
		got, err := again.Profile(id)
		require.NoError(t, err)
		assert.Equal(t, want, got, "deterministic from the seed")
	}
}

func TestProfileByEmailAndLicense(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 6})
	s.AddUsers(12)
	tok := token(t, s, testNow)
	id := s.UserIDs()[4]
	byID := fetchProfiles(t, profileURL(s, id, nil), tok)
	require.Len(t, byID, 1)
	email := membershipOf(t, byID[0])["email"].(string)

	byEmail := fetchProfiles(t, profileByEmailURL(s, strings.ToUpper(email)), tok)
	assert.Equal(t, byID, byEmail, "by email (case-insensitive) as by id")
	for _, f := range licenseFields {
		assert.NotContains(t, membershipOf(t, byID[0]), f, "license fields only with include_license=true")
	}
	withLicense := fetchProfiles(t, profileURL(s, id, url.Values{"include_license": {"true"}, "sort": {"email"}}), tok)
	for _, f := range licenseFields {
		assert.Contains(t, membershipOf(t, withLicense[0]), f)
	}
	assert.Empty(t, fetchProfiles(t, profileByEmailURL(s, "nobody@example.com"), tok), "an email of no user finds nothing")
}

func TestProfileErrorsAreTheListings(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now})
	s.AddUsers(3)
	tok := token(t, s, testNow)
	base := s.URL() + "/management/v2.1/organizations/"
	for _, tc := range []struct {
		url    string
		status int
		code   string
	}{
		{profileURL(s, "00000000-0000-4000-8000-00000000dead", nil), http.StatusNotFound, "not_found"},
		{base + "00000000-0000-4000-8000-00000000beef/users/" + s.UserID() + "/dsprofile", http.StatusNotFound, "not_found"},
		{base + s.OrganizationID() + "/users/dsprofile", http.StatusBadRequest, "invalid_request"},
		{profileURL(s, s.UserID(), url.Values{"include_license": {"maybe"}}), http.StatusBadRequest, "invalid_request"},
	} {
		resp, body := get(t, tc.url, tok)
		assert.Equal(t, tc.status, resp.StatusCode, tc.url)
		var e map[string]string
		require.NoError(t, json.Unmarshal(body, &e), tc.url)
		assert.Equal(t, tc.code, e["error"], tc.url)
		assert.NotEmpty(t, e["error_description"], tc.url)
	}
	resp, _ := get(t, profileURL(s, s.UserID(), nil), s.IssueToken("signature", "impersonation"))
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "the drill-down needs scope user_read")
	resp, _ = get(t, profileURL(s, s.UserID(), nil), "")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	req, err := http.NewRequest(http.MethodPost, profileURL(s, s.UserID(), nil), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, 7, s.Stats().ProfileRequests, "every request that reached the handler")
}

func TestProfileIsAnAdminAPICall(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, RateLimit: 100})
	s.AddUsers(2)
	tok := token(t, s, testNow)
	u := profileURL(s, s.UserID(), nil)

	resp, _ := get(t, u, tok)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "100", resp.Header.Get("X-RateLimit-Limit"))
	assert.Equal(t, "99", resp.Header.Get("X-RateLimit-Remaining"))
	assert.NotEmpty(t, resp.Header.Get("X-DocuSign-TraceToken"))

	s.RateLimitNext(1, time.Second)
	resp, _ = get(t, u, tok)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))

	s.TruncateNext(1)
	resp, body := get(t, u, tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Error(t, json.Unmarshal(body, new(map[string]any)), "a truncated profile does not decode")

	s.FailNext("/management/v2.1/", 1, http.StatusServiceUnavailable)
	resp, _ = get(t, u, tok)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)

	s.ArmHostile(HostileRateHuge, 1)
	resp, _ = get(t, u, tok)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "99999999999999999999", resp.Header.Get("X-RateLimit-Remaining"), "hostile kinds of API calls apply")

	s.ArmHostile(HostileUsersNextSelf, 1)
	fetchProfiles(t, u, tok)
	assert.Zero(t, s.Stats().Hostile[HostileUsersNextSelf], "the listing's paging kinds do not apply to the drill-down")
	assert.Equal(t, 4, s.Stats().ProfileRequests, "a 429 or failure injected before the handler is not counted; a truncated answer is")
}

func TestProfileRequestTimesFollowTheServerClock(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now})
	s.AddUsers(2)
	tok := token(t, s, testNow)
	var want []time.Time
	for _, step := range []time.Duration{0, 59 * time.Minute, time.Second, 2 * time.Hour} {
		clk.Advance(step)
		tok = token(t, s, clk.Now()) // a token lasts an hour of the server clock
		want = append(want, clk.Now())
		fetchProfile(t, s, s.UserIDs()[1], tok)
	}
	clk.Advance(time.Minute)
	want = append(want, clk.Now())
	fetchProfiles(t, profileByEmailURL(s, adminEmail), tok)
	assert.Equal(t, want, s.ProfileRequestTimes())
	assert.Equal(t, 5, s.Stats().ProfileRequests)
	assert.Zero(t, s.Stats().UserRequests, "profile requests are not listing requests")
}

// withoutKeys copies m without the named keys.
func withoutKeys(m map[string]any, keys ...string) map[string]any {
	c := maps.Clone(m)
	for _, k := range keys {
		delete(c, k)
	}
	return c
}

func TestModifyProfileChangesWhatATestNames(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 7})
	s.AddUsers(40)
	tok := token(t, s, testNow)
	var x, y string // x requires two-step, y is no organisation admin
	for _, id := range s.UserIDs()[1:] {
		p, err := s.Profile(id)
		require.NoError(t, err)
		if x == "" && p["require_two_step_verification"] == true {
			x = id
		} else if y == "" && p["is_organization_admin"] == false && AccountMembership(p)["is_admin"] == false {
			y = id
		}
	}
	require.NotEmpty(t, x)
	require.NotEmpty(t, y)
	xBefore, yBefore := fetchProfile(t, s, x, tok), fetchProfile(t, s, y, tok)

	clk.Advance(48 * time.Hour)
	tok = token(t, s, clk.Now())
	require.NoError(t, s.ModifyProfile(x, func(p map[string]any) { p["require_two_step_verification"] = false }))
	require.NoError(t, s.ModifyProfile(y, func(p map[string]any) {
		p["is_organization_admin"] = true
		m := AccountMembership(p)
		m["is_admin"] = true
		m["permission_profile"] = PermissionProfile(PermissionProfileAdministrator)
	}))

	xAfter, yAfter := fetchProfile(t, s, x, tok), fetchProfile(t, s, y, tok)
	assert.Equal(t, false, xAfter["require_two_step_verification"])
	assert.Equal(t, withoutKeys(xBefore, "require_two_step_verification"), withoutKeys(xAfter, "require_two_step_verification"),
		"nothing else changed")
	assert.Equal(t, true, yAfter["is_organization_admin"])
	m := membershipOf(t, yAfter)
	assert.Equal(t, true, m["is_admin"])
	assert.Equal(t, PermissionProfileAdministrator, m["permission_profile"].(map[string]any)["name"])
	assert.Equal(t, withoutKeys(membershipOf(t, yBefore), "is_admin", "permission_profile"), withoutKeys(m, "is_admin", "permission_profile"))

	changedSince := usersURL(s, url.Values{"last_modified_since": {clk.Now().Format("2006-01-02")}})
	assert.Empty(t, fetchUsers(t, changedSince, tok).Users, "a profile-only change leaves the user record unmodified")

	again := fetchProfile(t, s, x, tok)
	assert.Equal(t, xAfter, again, "a change stays")
	require.NoError(t, s.ModifyProfile(x, func(p map[string]any) { delete(p, "last_login") }))
	assert.NotContains(t, fetchProfile(t, s, x, tok), "last_login", "a deleted field is gone")
	assert.Equal(t, false, fetchProfile(t, s, x, tok)["require_two_step_verification"], "earlier changes stay")

	assert.Error(t, s.ModifyProfile("nobody", func(map[string]any) {}))
}

func TestProfileAndUserRecordShareOneSource(t *testing.T) {
	clk := testclock.New(testNow)
	s := newTestServer(t, Options{Now: clk.Now, Seed: 9})
	s.AddUsers(10)
	tok := token(t, s, testNow)
	ids := s.UserIDs()

	require.NoError(t, s.ModifyUser(ids[2], func(u map[string]any) {
		u["user_status"], u["membership_status"], u["email"] = "closed", "closed", "moved@example.com"
		u["ds_groups"] = []any{map[string]any{"ds_group_id": "g", "account_id": s.AccountID(), "group_name": "Administrators", "is_admin": true}}
	}))
	p := fetchProfile(t, s, ids[2], tok)
	assert.Equal(t, "closed", p["user_status"], "a status change of the record shows in the profile")
	m := membershipOf(t, p)
	assert.Equal(t, "closed", m["status"])
	assert.Equal(t, "moved@example.com", m["email"])
	assert.Equal(t, true, m["is_admin"], "joining Administrators makes an account admin")
	assert.Equal(t, PermissionProfileAdministrator, m["permission_profile"].(map[string]any)["name"])
	assert.Equal(t, "admin_group", m["groups"].([]any)[0].(map[string]any)["type"])

	clk.Advance(72 * time.Hour)
	tok = token(t, s, clk.Now())
	require.NoError(t, s.ModifyProfile(ids[3], func(p map[string]any) {
		p["user_status"] = "closed"
		p["id"] = "ignored"
		AccountMembership(p)["status"] = "disabled"
	}))
	page := fetchUsers(t, usersURL(s, url.Values{"last_modified_since": {clk.Now().Format("2006-01-02")}}), tok)
	require.Len(t, page.Users, 1, "a shared field written through the profile modifies the user record")
	assert.Equal(t, ids[3], page.Users[0]["id"])
	assert.Equal(t, "closed", page.Users[0]["user_status"])
	assert.Equal(t, "disabled", page.Users[0]["membership_status"])
	assert.Equal(t, "closed", fetchProfile(t, s, ids[3], tok)["user_status"])

	before := fetchProfile(t, s, ids[4], tok)
	err := s.ModifyProfile(ids[4], func(p map[string]any) {
		p["is_organization_admin"] = true
		AccountMembership(p)["groups"] = []any{}
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "groups")
	assert.Equal(t, before, fetchProfile(t, s, ids[4], tok), "a refused change changes nothing")
	require.Error(t, s.ModifyProfile(ids[4], func(p map[string]any) { p["memberships"] = []any{} }))

	require.NoError(t, s.ModifyProfile(ids[4], func(p map[string]any) {
		p["memberships"] = append(p["memberships"].([]any), map[string]any{"account_id": "other", "is_external_account": true})
	}))
	assert.Len(t, fetchProfile(t, s, ids[4], tok)["memberships"], 2, "a membership can be added")
}

func TestSetLastLoginChangesOnlyLastLogin(t *testing.T) {
	s := newTestServer(t, Options{Now: testclock.New(testNow).Now, Seed: 10})
	s.AddUsers(5)
	tok := token(t, s, testNow)
	id := s.UserIDs()[3]
	before := fetchProfile(t, s, id, tok)
	login := time.Date(2026, 10, 2, 14, 7, 40, 123_456_789, time.FixedZone("CEST", 2*3600))
	require.NoError(t, s.SetLastLogin(id, login))
	after := fetchProfile(t, s, id, tok)
	assert.Equal(t, "2026-10-02T12:07:40.123Z", after["last_login"])
	assert.Equal(t, FormatAdminTime(login), after["last_login"])
	assert.Equal(t, withoutKeys(before, "last_login"), withoutKeys(after, "last_login"))
	assert.Error(t, s.SetLastLogin("nobody", login))
}
