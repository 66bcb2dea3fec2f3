// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// readUsers returns the users of an Admin API users page.
func readUsers(t *testing.T, name string) []User {
	t.Helper()
	page, err := DecodeUsersPage(readPage(t, name))
	require.NoError(t, err)
	return page.Users
}

// convertUsers appends the record of each user, each of which must have been tokenized.
func convertUsers(t *testing.T, users []User, ops []string) plog.LogRecordSlice {
	t.Helper()
	lrs := plog.NewLogRecordSlice()
	for i := range users {
		require.NoError(t, users[i].rec.err, "user %d", i)
		users[i].Append(lrs, ops[i%len(ops)], observedAt)
	}
	return lrs
}

// decodeUser tokenizes one user record as DecodeUsersPage does for each user of a page.
func decodeUser(raw []byte) User {
	return newUserDecoder().user(raw, string(raw))
}

type wantUser struct {
	attrs  map[string]any
	absent []string
	flags  []string
}

func checkUser(t *testing.T, lr plog.LogRecord, w wantUser) {
	t.Helper()
	assert.Equal(t, EventNameAdminUser, lr.EventName())
	assert.Equal(t, observedAt, lr.Timestamp())
	assert.Equal(t, observedAt, lr.ObservedTimestamp())
	assert.Equal(t, plog.SeverityNumberUnspecified, lr.SeverityNumber())
	require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())
	checkRecordAttrs(t, lr.Attributes(), w.attrs, w.absent, w.flags)
}

// checkRecordAttrs asserts attributes by type (see wantRecord.attrs) and the conversion flag.
func checkRecordAttrs(t *testing.T, attrs pcommon.Map, want map[string]any, absent, flags []string) {
	t.Helper()
	lr := plog.NewLogRecord()
	attrs.CopyTo(lr.Attributes())
	w := wantRecord{attrs: want, absent: absent, flags: flags}
	checkAttrs(t, lr.Attributes(), w)
}

func TestAdminUsersSample(t *testing.T) {
	lrs := convertUsers(t, readUsers(t, "admin-users-sample.json"), []string{OperationCreate, OperationUpdate})
	checkGolden(t, "admin-users-sample.golden.yaml", lrs)
	require.Equal(t, 2, lrs.Len())
	checkUser(t, lrs.At(0), wantUser{attrs: map[string]any{
		AttrXDMEventType:             "Users",
		AttrXDMEventOperation:        "CREATE",
		AttrXDMTargetUserIdentifier:  "7d9b0f1e-2222-4333-8444-555566667777",
		AttrXDMTargetUserUsername:    "Ada Lovelace",
		AttrXDMTargetUserUPN:         "ada@example.com",
		AttrXDMTargetUserFirstName:   "Ada",
		AttrXDMTargetUserLastName:    "Lovelace",
		AttrXDMTargetUserGroups:      []string{"Administrators"},
		AttrXDMTargetUserIsDisabled:  false,
		AttrDocuSignUserStatus:       "active",
		AttrDocuSignMembershipStatus: "active",
		AttrUserID:                   "7d9b0f1e-2222-4333-8444-555566667777",
		AttrUserEmail:                "ada@example.com",
		AttrUserName:                 "Ada Lovelace",
		AttrUserFullName:             "Ada Lovelace",
	}})
	checkUser(t, lrs.At(1), wantUser{attrs: map[string]any{
		AttrXDMEventOperation:       "UPDATE",
		AttrXDMTargetUserIdentifier: "0a1b2c3d-5555-4666-8777-888899990000",
		AttrXDMTargetUserGroups:     []string{},
		AttrXDMTargetUserIsDisabled: true,
		AttrDocuSignUserStatus:      "closed",
		AttrUserFullName:            "Grace Hopper",
	}})
	body := lrs.At(1).Body().Map()
	assert.True(t, bodyGet(t, body, "is_managed_by_scim").Bool())
	assert.Equal(t, "2026-09-30T17:45:00Z", bodyGet(t, body, "closed_on").Str())
	assert.Equal(t, 15, body.Len(), "every field of the user")
}

func TestAdminUsersTricky(t *testing.T) {
	lrs := convertUsers(t, readUsers(t, "admin-users-tricky.json"), []string{OperationSnapshot})
	checkGolden(t, "admin-users-tricky.golden.yaml", lrs)
	want := []wantUser{
		{attrs: map[string]any{
			AttrXDMEventOperation:       "SNAPSHOT",
			AttrXDMTargetUserUsername:   "Jörg Müller",
			AttrXDMTargetUserGroups:     []string{"Signers", "Administrators"},
			AttrXDMTargetUserIsDisabled: false, // "Active": case-insensitive
			AttrUserFullName:            "Jörg",
			AttrXDMTargetUserFirstName:  "Jörg",
		}, absent: []string{AttrXDMTargetUserLastName}},
		{attrs: map[string]any{
			AttrXDMTargetUserIsDisabled: true, AttrUserFullName: "Only Username", AttrDocuSignMembershipStatus: "activation_sent",
		}, absent: []string{AttrXDMTargetUserGroups, AttrUserEmail, AttrXDMTargetUserFirstName}},
		{attrs: map[string]any{AttrUserFullName: "First Last", AttrUserEmail: "x@example.com"},
			absent: []string{AttrXDMTargetUserIdentifier, AttrUserID, AttrXDMTargetUserIsDisabled, AttrXDMTargetUserGroups, AttrUserName},
			flags:  []string{"id is not a string", "ds_groups is not an array"}},
		{attrs: map[string]any{AttrUserFullName: "No Id"}, flags: []string{"id is missing"}},
	}
	require.Equal(t, len(want), lrs.Len())
	for i, w := range want {
		checkUser(t, lrs.At(i), w)
	}
	body := lrs.At(0).Body().Map()
	assert.Equal(t, int64(3), bodyGet(t, body, "seats").Int())
	assert.Equal(t, pcommon.ValueTypeDouble, bodyGet(t, body, "score").Type())
	assert.Equal(t, pcommon.ValueTypeEmpty, bodyGet(t, body, "license_type").Type())
	assert.Equal(t, 3, bodyGet(t, body, "ds_groups").Slice().Len())
}

func TestAdminUserErrors(t *testing.T) {
	lrs := plog.NewLogRecordSlice()
	u := decodeUser([]byte(`{"id":"u"}`))
	assert.True(t, u.Append(lrs, "DELETE", observedAt), "an unknown operation is flagged")
	checkRecordAttrs(t, lrs.At(0).Attributes(), map[string]any{AttrUserID: "u"}, []string{AttrXDMEventOperation}, []string{`unknown operation "DELETE"`})

	for _, raw := range []string{`["not","an","object"]`, `{"id":"u"`, `{"id":"u"} trailing`, ``} {
		lrs := plog.NewLogRecordSlice()
		u := decodeUser([]byte(raw))
		assert.Equal(t, contentKeyPrefix, u.ID[:len(contentKeyPrefix)], raw)
		require.True(t, u.Append(lrs, OperationCreate, observedAt), raw)
		lr := lrs.At(0)
		assert.Equal(t, raw, lr.Body().Str(), "the raw record is kept")
		v, ok := lr.Attributes().Get(AttrConversionError)
		assert.True(t, ok)
		assert.Contains(t, v.Str(), "user record")
		assert.Equal(t, EventNameAdminUser, lr.EventName())
		var de *DecodeError
		require.ErrorAs(t, u.rec.err, &de, raw)
		assert.Equal(t, "user record", de.Doc)
	}
}

func TestUserDigest(t *testing.T) {
	base := `{"id":"u-1","user_name":"Ada","user_status":"active","n":1,"f":1.5,"x":null,"b":true,
		"nested":{"b":1,"a":[1,"2",{"z":0,"y":1}]},
		"ds_groups":[{"ds_group_id":"g-1","group_name":"A"},{"ds_group_id":"g-2","group_name":"B"}]}`
	u0 := decodeUser([]byte(base))
	d0 := u0.Digest
	assert.Equal(t, "u-1", u0.ID)

	same := map[string]string{
		"key order and whitespace": `{ "ds_groups" : [ {"group_name":"A","ds_group_id":"g-1"}, {"group_name":"B","ds_group_id":"g-2"} ],
			"nested":{"a":[1,"2",{"y":1,"z":0}],"b":1}, "b":true, "x":null, "f":1.5, "n":1, "user_status":"active",
			"user_name":"Ada", "id":"u-1" }`,
		"ds_groups order": `{"id":"u-1","user_name":"Ada","user_status":"active","n":1,"f":1.5,"x":null,"b":true,
			"nested":{"b":1,"a":[1,"2",{"z":0,"y":1}]},
			"ds_groups":[{"ds_group_id":"g-2","group_name":"B"},{"ds_group_id":"g-1","group_name":"A"}]}`,
		"escapes": `{"id":"\u0075-1","user_name":"Ad\u0061","user_status":"active","n":1,"f":1.5,"x":null,"b":true,
			"nested":{"b":1,"a":[1,"2",{"z":0,"y":1}]},
			"ds_groups":[{"ds_group_id":"g-1","group_name":"A"},{"ds_group_id":"g-2","group_name":"B"}]}`,
		"duplicate key, last wins": `{"id":"u-1","user_name":"Bob","user_name":"Ada","user_status":"active","n":1,"f":1.5,"x":null,"b":true,
			"nested":{"b":1,"a":[1,"2",{"z":0,"y":1}]},
			"ds_groups":[{"ds_group_id":"g-1","group_name":"A"},{"ds_group_id":"g-2","group_name":"B"}]}`,
	}
	for name, raw := range same {
		t.Run(name, func(t *testing.T) {
			u := decodeUser([]byte(raw))
			assert.Equal(t, "u-1", u.ID)
			assert.Equal(t, d0, u.Digest)
		})
	}

	changed := map[string]string{
		"status":                `"user_status":"active"` + "→" + `"user_status":"closed"`,
		"name":                  `"user_name":"Ada"` + "→" + `"user_name":"Ada L"`,
		"group added":           `{"ds_group_id":"g-2","group_name":"B"}]` + "→" + `{"ds_group_id":"g-2","group_name":"B"},{"ds_group_id":"g-3","group_name":"C"}]`,
		"group renamed":         `"group_name":"B"` + "→" + `"group_name":"B2"`,
		"nested array order":    `[1,"2",` + "→" + `["2",1,`,
		"int to string":         `"n":1` + "→" + `"n":"1"`,
		"int to double":         `"n":1` + "→" + `"n":1.0`,
		"null to false":         `"x":null` + "→" + `"x":false`,
		"field added":           `"b":true` + "→" + `"b":true,"extra":""`,
		"key moved into nested": `"b":true,` + "→" + `"nested2":{"b":true},`,
	}
	seen := map[[16]byte]string{d0: "base"}
	for name, edit := range changed {
		t.Run(name, func(t *testing.T) {
			from, to, ok := cut(edit, "→")
			require.True(t, ok)
			require.Contains(t, base, from)
			raw := replaceOnce(base, from, to)
			u := decodeUser([]byte(raw))
			assert.Equal(t, "u-1", u.ID)
			d := u.Digest
			assert.NotEqual(t, d0, d)
			prev, dup := seen[d]
			assert.False(t, dup, "same digest as %s", prev)
			seen[d] = name
		})
	}

	for _, raw := range []string{`{"user_name":"x"}`, `{"id":5}`, `{"id":""}`, `[]`, `{"id":"u"`} {
		sum := sha256.Sum256([]byte(raw))
		u := decodeUser([]byte(raw))
		assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:16]), u.ID, "%s: identified by its content", raw)
		assert.Equal(t, sum[:16], u.Digest[:], raw)
	}
}

func cut(s, sep string) (string, string, bool) {
	for i := 0; i+len(sep) <= len(s); i++ {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return "", "", false
}

func replaceOnce(s, from, to string) string {
	a, b, _ := cut(s, from)
	return a + to + b
}
