// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// sampleProfile is testdata/dsprofile-sample.json's user, decoded.
func sampleProfile(t *testing.T) Profile {
	t.Helper()
	p, err := DecodeProfile(readPage(t, "dsprofile-sample.json"))
	require.NoError(t, err)
	return p
}

// profileWith is the sample response with its user's fields replaced or added (a nil value
// deletes the field).
func profileWith(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	var resp struct {
		Users []map[string]any `json:"users"`
	}
	require.NoError(t, json.Unmarshal(readPage(t, "dsprofile-sample.json"), &resp))
	for k, v := range fields {
		if v == nil {
			delete(resp.Users[0], k)
		} else {
			resp.Users[0][k] = v
		}
	}
	b, err := json.Marshal(resp)
	require.NoError(t, err)
	return b
}

func TestDecodeProfileSample(t *testing.T) {
	p := sampleProfile(t)
	assert.Equal(t, "7d9b0f1e-2222-4333-8444-555566667777", p.ID)
	assert.Equal(t, "2026-10-02T13:58:12.407Z", p.LastLogin)
	assert.Equal(t, ProfileSecurity{
		IsOrganizationAdmin: false,
		TwoStepRequired:     true,
		DeviceVerification:  true,
		AccountAdmin:        true, // the first membership is_admin
		FederatedStatus:     "NotFederated",
		Status:              "active",
		PermissionProfiles:  []string{"DS Admin", "DS Sender"},
	}, p.Security)

	var resp struct {
		Users []json.RawMessage `json:"users"`
	}
	require.NoError(t, json.Unmarshal(readPage(t, "dsprofile-sample.json"), &resp))
	assert.Equal(t, string(resp.Users[0]), string(p.Raw), "Raw is the user object as sent")
}

// TestDecodeProfileFields: how each field the profile reads is read.
func TestDecodeProfileFields(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]any
		check  func(*testing.T, Profile)
	}{
		{"booleans as strings, any case", map[string]any{"is_organization_admin": "TRUE", "require_two_step_verification": "false"},
			func(t *testing.T, p Profile) {
				assert.True(t, p.Security.IsOrganizationAdmin)
				assert.False(t, p.Security.TwoStepRequired)
			}},
		{"absent fields are false or empty", map[string]any{"is_organization_admin": nil, "require_two_step_verification": nil,
			"device_verification_enabled": nil, "federated_status": nil, "user_status": nil, "last_login": nil, "memberships": nil},
			func(t *testing.T, p Profile) {
				assert.Equal(t, ProfileSecurity{}, p.Security)
				assert.Empty(t, p.LastLogin)
			}},
		{"null is absent", map[string]any{"memberships": json.RawMessage("null"), "is_organization_admin": json.RawMessage("null"),
			"federated_status": json.RawMessage("null")},
			func(t *testing.T, p Profile) {
				assert.False(t, p.Security.AccountAdmin)
				assert.Nil(t, p.Security.PermissionProfiles)
				assert.Empty(t, p.Security.FederatedStatus)
			}},
		{"permission profiles sorted, each once; memberships without one skipped", map[string]any{"memberships": []any{
			map[string]any{"is_admin": false, "permission_profile": map[string]any{"name": "Viewer"}},
			map[string]any{"is_admin": "false", "permission_profile": map[string]any{"name": "Approver"}},
			map[string]any{"permission_profile": map[string]any{"name": "Viewer"}},
			map[string]any{"permission_profile": nil},
			map[string]any{"permission_profile": map[string]any{"id": "5"}},
		}}, func(t *testing.T, p Profile) {
			assert.Equal(t, []string{"Approver", "Viewer"}, p.Security.PermissionProfiles)
			assert.False(t, p.Security.AccountAdmin, "no membership is_admin")
		}},
		{"any membership is_admin makes an account admin", map[string]any{"memberships": []any{
			map[string]any{"is_admin": false}, map[string]any{"is_admin": "True"},
		}}, func(t *testing.T, p Profile) { assert.True(t, p.Security.AccountAdmin) }},
		{"no memberships", map[string]any{"memberships": []any{}}, func(t *testing.T, p Profile) {
			assert.False(t, p.Security.AccountAdmin)
			assert.Nil(t, p.Security.PermissionProfiles)
		}},
		{"fields the profile does not read may be anything", map[string]any{"user_name": 5, "identities": "x", "site_id": []any{}},
			func(t *testing.T, p Profile) { assert.Equal(t, "active", p.Security.Status) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := DecodeProfile(profileWith(t, tc.fields))
			require.NoError(t, err)
			tc.check(t, p)
		})
	}
}

// TestDecodeProfileEdges: the response around the first user.
func TestDecodeProfileEdges(t *testing.T) {
	for name, body := range map[string]string{
		"a second user is only stepped over": `{"users":[{"id":"a","is_organization_admin":true},{"id":"b","x":` + nested(600, true) + `}]}`,
		"other members, before and after":    `{"x":{"users":[]},"users":[{"id":"a","is_organization_admin":true}],"paging":null}`,
		"the first users key counts":         `{"users":[{"id":"a","is_organization_admin":true}],"users":[]}`,
		"duplicate keys: the last wins":      `{"users":[{"id":"z","is_organization_admin":false,"id":"a","is_organization_admin":true}]}`,
		"whitespace and escapes":             " {\n\"users\" : [ {\"\\u0069d\" : \"\\u0061\", \"is_organization_admin\":true } ] }\n",
	} {
		p, err := DecodeProfile([]byte(body))
		if assert.NoError(t, err, name) {
			assert.Equal(t, "a", p.ID, name)
			assert.True(t, p.Security.IsOrganizationAdmin, name)
		}
	}
}

func TestDecodeProfileErrors(t *testing.T) {
	for _, tc := range []struct {
		body, msg string
	}{
		{``, "response is not a JSON object"},
		{`[]`, "response is not a JSON object"},
		{`{}`, `response has no "users"`},
		{`{"errorCode":"USER_NOT_FOUND"}`, `response has no "users"`},
		{`{"users":5}`, "users is not an array"},
		{`{"users":["x"]}`, "users[0] is not an object"},
		{`{"users":[{"id":"a"}`, "unexpected end of input"},
		{`{"users":[{"id":"a"},]}`, "expected a JSON value"},
		{`{"users":[{"id":"a"}]} x`, "unexpected data after the response"},
		{`{"users":[{"id":"a",}]}`, "expected string key"},
		{`{"users":[{}]}`, "users[0]: id is missing"},
		{`{"users":[{"id":""}]}`, "users[0]: id is missing"},
		{`{"users":[{"id":7}]}`, "users[0]: id is not a string"},
		{`{"users":[{"id":"a","is_organization_admin":1}]}`, "users[0]: is_organization_admin is not a boolean"},
		{`{"users":[{"id":"a","require_two_step_verification":"yes"}]}`, "require_two_step_verification is not a boolean"},
		{`{"users":[{"id":"a","device_verification_enabled":{}}]}`, "device_verification_enabled is not a boolean"},
		{`{"users":[{"id":"a","federated_status":false}]}`, "federated_status is not a string"},
		{`{"users":[{"id":"a","last_login":1}]}`, "last_login is not a string"},
		{`{"users":[{"id":"a","user_status":[]}]}`, "user_status is not a string"},
		{`{"users":[{"id":"a","memberships":{}}]}`, "memberships is not an array"},
		{`{"users":[{"id":"a","memberships":[1]}]}`, "memberships has an element that is not an object"},
		{`{"users":[{"id":"a","memberships":[{"is_admin":"no"}]}]}`, "memberships[].is_admin is not a boolean"},
		{`{"users":[{"id":"a","x":` + nested(600, true) + `}]}`, msgTooDeep},
		{`{"users":[{"id":"a","x":` + arrayOf(maxEventValues) + `}]}`, msgTooManyValues},
	} {
		_, err := DecodeProfile([]byte(tc.body))
		var de *DecodeError
		if assert.True(t, errors.As(err, &de), "%.60s: %v", tc.body, err) {
			assert.Equal(t, docProfile, de.Doc)
			assert.Contains(t, de.Msg, tc.msg, "%.60s", tc.body)
			assert.LessOrEqual(t, len(de.Near), nearBytes)
		}
		assert.NotErrorIs(t, err, ErrNoProfile)
	}
	for _, body := range []string{`{"users":[]}`, `{"users":null}`, ` { "users" : [ ] } `} {
		_, err := DecodeProfile([]byte(body))
		assert.ErrorIs(t, err, ErrNoProfile, body)
	}
}

// TestProfileAttributesOnUserRecords: a user's record with its profile's attributes.
func TestProfileAttributesOnUserRecords(t *testing.T) {
	users := readUsers(t, "admin-users-sample.json")
	lrs := plog.NewLogRecordSlice()
	users[0].Append(lrs, OperationUpdate, observedAt)
	p := sampleProfile(t)
	p.PutAttributes(lrs.At(0).Attributes())
	checkGolden(t, "admin-users-profiled.golden.yaml", lrs)
	checkRecordAttrs(t, lrs.At(0).Attributes(), map[string]any{
		AttrXDMTargetUserIdentifier:         "7d9b0f1e-2222-4333-8444-555566667777",
		AttrDocuSignUserLastLogin:           "2026-10-02T13:58:12.407Z",
		AttrDocuSignUserIsOrganizationAdmin: false,
		AttrDocuSignUserTwoStepRequired:     true,
		AttrDocuSignUserDeviceVerification:  true,
		AttrDocuSignUserFederatedStatus:     "NotFederated",
		AttrDocuSignUserAccountAdmin:        true,
		AttrDocuSignUserPermissionProfiles:  []string{"DS Admin", "DS Sender"},
		AttrDocuSignUserStatus:              "active", // the listing's: a profile does not write it
	}, nil, nil)

	empty := pcommon.NewMap()
	(&Profile{}).PutAttributes(empty)
	checkRecordAttrs(t, empty, map[string]any{
		AttrDocuSignUserIsOrganizationAdmin: false, AttrDocuSignUserTwoStepRequired: false,
		AttrDocuSignUserDeviceVerification: false, AttrDocuSignUserAccountAdmin: false,
		AttrDocuSignUserPermissionProfiles: []string{},
	}, []string{AttrDocuSignUserLastLogin, AttrDocuSignUserFederatedStatus, AttrDocuSignUserStatus}, nil)
	assert.Equal(t, 5, empty.Len(), "empty texts are not written")
}

// TestProfileChangeRecord: the record of a change, golden, and what it must carry.
func TestProfileChangeRecord(t *testing.T) {
	p := sampleProfile(t)
	lrs := plog.NewLogRecordSlice()
	changed := []string{AttrDocuSignUserTwoStepRequired, AttrDocuSignUserIsOrganizationAdmin}
	flagged := p.AppendChange(lrs, observedAt, changed, plog.SeverityNumberWarn)
	assert.False(t, flagged)
	assert.Equal(t, []string{AttrDocuSignUserTwoStepRequired, AttrDocuSignUserIsOrganizationAdmin}, changed, "the caller's slice is not reordered")
	checkGolden(t, "dsprofile-change.golden.yaml", lrs)

	lr := lrs.At(0)
	assert.Equal(t, EventNameAdminUser, lr.EventName())
	assert.Equal(t, observedAt, lr.Timestamp())
	assert.Equal(t, observedAt, lr.ObservedTimestamp())
	assert.Equal(t, plog.SeverityNumberWarn, lr.SeverityNumber())
	assert.Equal(t, "WARN", lr.SeverityText())
	checkRecordAttrs(t, lr.Attributes(), map[string]any{
		AttrXDMEventType:                    "Users",
		AttrXDMEventOperation:               "UPDATE",
		AttrXDMTargetUserIdentifier:         "7d9b0f1e-2222-4333-8444-555566667777",
		AttrUserID:                          "7d9b0f1e-2222-4333-8444-555566667777",
		AttrXDMTargetUserUsername:           "Ada Lovelace",
		AttrUserName:                        "Ada Lovelace",
		AttrXDMTargetUserUPN:                "ada@example.com",
		AttrUserEmail:                       "ada@example.com",
		AttrXDMTargetUserFirstName:          "Ada",
		AttrXDMTargetUserLastName:           "Lovelace",
		AttrXDMTargetUserIsDisabled:         false,
		AttrDocuSignUserStatus:              "active",
		AttrUserFullName:                    "Ada Lovelace",
		AttrDocuSignUserLastLogin:           "2026-10-02T13:58:12.407Z",
		AttrDocuSignUserIsOrganizationAdmin: false,
		AttrDocuSignUserTwoStepRequired:     true,
		AttrDocuSignUserDeviceVerification:  true,
		AttrDocuSignUserFederatedStatus:     "NotFederated",
		AttrDocuSignUserAccountAdmin:        true,
		AttrDocuSignUserPermissionProfiles:  []string{"DS Admin", "DS Sender"},
		AttrDocuSignUserChanged:             []string{AttrDocuSignUserIsOrganizationAdmin, AttrDocuSignUserTwoStepRequired},
	}, nil, nil)
	assert.Equal(t, 21, lr.Attributes().Len(), "no other attribute")

	var want map[string]any
	d := json.NewDecoder(strings.NewReader(string(p.Raw)))
	d.UseNumber()
	require.NoError(t, d.Decode(&want))
	body := lr.Body().Map()
	assert.Len(t, want, body.Len(), "every field of the user object")
	assert.Equal(t, int64(1), bodyGet(t, body, "site_id").Int(), "types kept")
	assert.False(t, bodyGet(t, body, "is_organization_admin").Bool())
	assert.Equal(t, "DS Admin", bodyGet(t, bodyGet(t, body, "memberships").Slice().At(0).Map(), "permission_profile", "name").Str())
	identities := bodyGet(t, body, "identities").Slice()
	require.Equal(t, 1, identities.Len())
	assert.Equal(t, pcommon.ValueTypeEmpty, bodyGet(t, identities.At(0).Map(), "error_details").Type(), "null kept")
}

// TestProfileChangeRecordFlags: what is wrong with the user object is flagged, the record kept.
func TestProfileChangeRecordFlags(t *testing.T) {
	p, err := DecodeProfile(profileWith(t, map[string]any{"user_name": 5, "last_name": nil, "big": json.RawMessage("1e999")}))
	require.NoError(t, err, "fields outside the profile do not fail it")
	lrs := plog.NewLogRecordSlice()
	assert.True(t, p.AppendChange(lrs, observedAt, nil, plog.SeverityNumberInfo))
	checkRecordAttrs(t, lrs.At(0).Attributes(), map[string]any{
		AttrUserFullName: "Ada", AttrDocuSignUserChanged: []string{},
	}, []string{AttrUserName}, []string{"user_name is not a string", "kept as text"})
	assert.Equal(t, "INFO", lrs.At(0).SeverityText())

	for _, raw := range []string{`{"id":"a"`, `[1]`, "{\"id\":\"\xff\"} x"} {
		lrs := plog.NewLogRecordSlice()
		bad := Profile{ID: "a", Raw: json.RawMessage(raw)}
		assert.True(t, bad.AppendChange(lrs, observedAt, []string{AttrDocuSignUserStatus}, plog.SeverityNumberInfo), raw)
		lr := lrs.At(0)
		assert.Equal(t, validUTF8(raw), lr.Body().Str(), "kept as text")
		checkRecordValues(t, lr)
		_, ok := lr.Attributes().Get(AttrXDMTargetUserIdentifier)
		assert.False(t, ok, "nothing is read from what is not an object")
	}
}

// TestSecurityChanges: each watched field changed each way, alone: the name of its attribute,
// and whether it weakens security.
func TestSecurityChanges(t *testing.T) {
	base := ProfileSecurity{FederatedStatus: "NotFederated", Status: "active", PermissionProfiles: []string{"DS Sender"}}
	for _, tc := range []struct {
		name    string
		change  func(*ProfileSecurity)
		attr    string
		weakens bool
	}{
		{"organisation admin granted", func(s *ProfileSecurity) { s.IsOrganizationAdmin = true }, AttrDocuSignUserIsOrganizationAdmin, true},
		{"two-step verification required", func(s *ProfileSecurity) { s.TwoStepRequired = true }, AttrDocuSignUserTwoStepRequired, false},
		{"device verification enabled", func(s *ProfileSecurity) { s.DeviceVerification = true }, AttrDocuSignUserDeviceVerification, false},
		{"account admin granted", func(s *ProfileSecurity) { s.AccountAdmin = true }, AttrDocuSignUserAccountAdmin, true},
		{"federated", func(s *ProfileSecurity) { s.FederatedStatus = "Federated" }, AttrDocuSignUserFederatedStatus, false},
		{"status", func(s *ProfileSecurity) { s.Status = "closed" }, AttrDocuSignUserStatus, false},
		{"permission profile added", func(s *ProfileSecurity) { s.PermissionProfiles = []string{"DS Admin", "DS Sender"} }, AttrDocuSignUserPermissionProfiles, false},
		{"permission profiles removed", func(s *ProfileSecurity) { s.PermissionProfiles = nil }, AttrDocuSignUserPermissionProfiles, false},
	} {
		changed := base
		tc.change(&changed)
		got, weakens := SecurityChanges(base, changed)
		assert.Equal(t, []string{tc.attr}, got, tc.name)
		assert.Equal(t, tc.weakens, weakens, tc.name)
		got, weakens = SecurityChanges(changed, base) // the other way
		assert.Equal(t, []string{tc.attr}, got, tc.name+", undone")
		assert.Equal(t, tc.attr == AttrDocuSignUserTwoStepRequired || tc.attr == AttrDocuSignUserDeviceVerification, weakens,
			tc.name+", undone: turning a verification off weakens security")
	}

	got, weakens := SecurityChanges(base, base)
	assert.Nil(t, got)
	assert.False(t, weakens)
	got, _ = SecurityChanges(ProfileSecurity{PermissionProfiles: []string{}}, ProfileSecurity{})
	assert.Nil(t, got, "no permission profiles is no permission profiles")

	all := ProfileSecurity{IsOrganizationAdmin: true, TwoStepRequired: true, DeviceVerification: true, AccountAdmin: true,
		FederatedStatus: "Federated", Status: "closed", PermissionProfiles: []string{"DS Admin"}}
	got, weakens = SecurityChanges(base, all)
	assert.Equal(t, []string{
		AttrDocuSignUserAccountAdmin, AttrDocuSignUserDeviceVerification, AttrDocuSignUserFederatedStatus,
		AttrDocuSignUserIsOrganizationAdmin, AttrDocuSignUserPermissionProfiles, AttrDocuSignUserStatus,
		AttrDocuSignUserTwoStepRequired,
	}, got, "every watched attribute, sorted")
	assert.True(t, weakens)
}

// TestProfileChangesEndToEnd: the scenario, from dsprofile responses: turning off
// two-step verification and making a user an organisation admin each make one WARN change;
// a new last login makes none.
func TestProfileChangesEndToEnd(t *testing.T) {
	before := sampleProfile(t)
	for _, tc := range []struct {
		fields  map[string]any
		changed []string
		weakens bool
	}{
		{map[string]any{"require_two_step_verification": false}, []string{AttrDocuSignUserTwoStepRequired}, true},
		{map[string]any{"is_organization_admin": true}, []string{AttrDocuSignUserIsOrganizationAdmin}, true},
		{map[string]any{"last_login": "2026-10-03T08:00:00Z"}, nil, false},
		{map[string]any{"user_status": "closed"}, []string{AttrDocuSignUserStatus}, false},
	} {
		after, err := DecodeProfile(profileWith(t, tc.fields))
		require.NoError(t, err)
		changed, weakens := SecurityChanges(before.Security, after.Security)
		assert.Equal(t, tc.changed, changed, "%v", tc.fields)
		assert.Equal(t, tc.weakens, weakens, "%v", tc.fields)
	}
}
