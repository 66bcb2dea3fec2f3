// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
)

// securityStates are states of every kind: empty, every field set, unicode, long texts.
var securityStates = []ProfileSecurity{
	{},
	{IsOrganizationAdmin: true, TwoStepRequired: true, DeviceVerification: true, AccountAdmin: true,
		FederatedStatus: "Federated", Status: "active", PermissionProfiles: []string{"DS Admin", "DS Sender", "Viewer"}},
	{TwoStepRequired: true, Status: "closed"},
	{AccountAdmin: true, FederatedStatus: "Fédéré 🔒", PermissionProfiles: []string{""}},
	{Status: strings.Repeat("s", 300), PermissionProfiles: []string{strings.Repeat("p", 200), strings.Repeat("q", 129)}},
}

// sameSecurity compares states, no permission profiles being nil or empty alike.
func sameSecurity(a, b ProfileSecurity) bool {
	return a.IsOrganizationAdmin == b.IsOrganizationAdmin && a.TwoStepRequired == b.TwoStepRequired &&
		a.DeviceVerification == b.DeviceVerification && a.AccountAdmin == b.AccountAdmin &&
		a.FederatedStatus == b.FederatedStatus && a.Status == b.Status && slices.Equal(a.PermissionProfiles, b.PermissionProfiles)
}

func TestProfileSecurityRoundTrip(t *testing.T) {
	for i, s := range securityStates {
		enc := s.AppendBinary([]byte("prefix"))
		require.Equal(t, "prefix", string(enc[:6]), "appends")
		got, n, err := DecodeProfileSecurity(append(enc[6:], "trailing"...))
		require.NoError(t, err, "state %d", i)
		assert.Equal(t, len(enc)-6, n, "state %d: the bytes it took", i)
		assert.True(t, sameSecurity(s, got), "state %d: %+v, got %+v", i, s, got)
	}
	p := sampleProfile(t)
	got, _, err := DecodeProfileSecurity(p.Security.AppendBinary(nil))
	require.NoError(t, err)
	assert.Equal(t, p.Security, got, "a decoded profile's security, exactly")
}

// TestProfileSecurityEncodingIsStable: the bytes of version 1 do not change (they are stored),
// and one state has one encoding whatever the order of its permission profiles.
func TestProfileSecurityEncodingIsStable(t *testing.T) {
	s := ProfileSecurity{TwoStepRequired: true, AccountAdmin: true, FederatedStatus: "NF", Status: "active",
		PermissionProfiles: []string{"B", "A", "B"}}
	assert.Equal(t, "\x01\x0a\x02NF\x06active\x02\x01A\x01B", string(s.AppendBinary(nil)))
	assert.Equal(t, []string{"B", "A", "B"}, s.PermissionProfiles, "the caller's slice is left alone")
	assert.Equal(t, "\x01\x00\x00\x00\x00", string(ProfileSecurity{}.AppendBinary(nil)))
	assert.Equal(t, "\x01\x00\x03\xef\xbf\xbd\x00\x00", string(ProfileSecurity{FederatedStatus: "\xff"}.AppendBinary(nil)),
		"invalid UTF-8 as U+FFFD")
}

func TestDecodeProfileSecurityErrors(t *testing.T) {
	valid := securityStates[1].AppendBinary(nil)
	for n := range len(valid) {
		_, _, err := DecodeProfileSecurity(valid[:n])
		assert.Error(t, err, "truncated to %d bytes", n)
	}
	for _, tc := range []struct{ enc, msg string }{
		{"", "the encoding is truncated"},
		{"\x02\x00\x00\x00\x00", "version 2 is unknown"},
		{"\x00\x00\x00\x00\x00", "version 0 is unknown"},
		{"\x01\x10\x00\x00\x00", "unknown flags 16"},
		{"\x01\x00\x05ab", AttrDocuSignUserFederatedStatus + ": 5 bytes beyond the 2 left"},
		{"\x01\x00\x00\x02\xff\xfe\x00", AttrDocuSignUserStatus + ": not UTF-8"},
		{"\x01\x00\x00\x00\x03\x01a", AttrDocuSignUserPermissionProfiles + ": 3 profiles in 2 bytes"},
		{"\x01\x00\x00\x00\x02\x01b\x01a", AttrDocuSignUserPermissionProfiles + ": not sorted, each once"},
		{"\x01\x08\x00\x80\x00\x00", AttrDocuSignUserStatus + ": the length is not in its shortest form"},
		{"\x01\x00\x00\x00\x02\x01a\x01a", AttrDocuSignUserPermissionProfiles + ": not sorted, each once"},
		{"\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", AttrDocuSignUserFederatedStatus + ": the length is truncated or too long"},
		{"\x01\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\x7f", AttrDocuSignUserPermissionProfiles + ": 9223372036854775807 profiles in 0 bytes"},
	} {
		s, n, err := DecodeProfileSecurity([]byte(tc.enc))
		if assert.Error(t, err, "%q", tc.enc) {
			assert.Equal(t, "profile security: "+tc.msg, err.Error(), "%q", tc.enc)
		}
		assert.Zero(t, n)
		assert.True(t, sameSecurity(ProfileSecurity{}, s), "nothing decoded on an error")
	}
}

// Fuzz targets of this file (make fuzz finds every FuzzX): the profile decoder and the encoding of
// what is kept of it.

// FuzzDecodeProfile: whatever the response, DecodeProfile returns a profile, ErrNoProfile or a
// *DecodeError, never panics, and a profile's change record and encoding are sound.
func FuzzDecodeProfile(f *testing.F) {
	f.Add(readPage(f, "dsprofile-sample.json"))
	for _, s := range []string{
		`{"users":[]}`, `{"users":null}`, `{}`, `{"users":[{"id":"a"}]}`, `{"users":[{"id":"a"},{"id":"b"}]}`,
		`{"users":[{"id":"a","is_organization_admin":"TRUE","memberships":[{"is_admin":true,"permission_profile":{"name":"b"}},{"permission_profile":{"name":"a"}}]}]}`,
		`{"users":[{"id":"a","memberships":[1,null,{"is_admin":"x"}]}]}`, `{"users":[{"id":"\ud800","last_login":"\u00e9","x":1e999}]}`,
		`{"users":[{"id":"a","x":` + nested(600, true) + `}]}`, `{"users":[{"id":"a"},` + nested(600, false) + `]}`,
		"{\"users\":[{\"id\":\"\xff\",\"federated_status\":\"\xfe\"}]}", `{"users":[{"id":"a"}]`, `{"users":[{"id":"a",}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := DecodeProfile(body)
		if err != nil {
			var de *DecodeError
			if !errors.Is(err, ErrNoProfile) && (!errors.As(err, &de) || len(de.Near) > nearBytes) {
				t.Fatalf("error is neither ErrNoProfile nor a *DecodeError: %v", err)
			}
			return
		}
		if p.ID == "" || !json.Valid(p.Raw) { // the user nests at most 512 levels: within json.Valid's limit
			t.Fatalf("profile without an id or of invalid JSON: %+v", p)
		}
		s := p.Security
		for _, text := range append([]string{p.ID, p.LastLogin, s.FederatedStatus, s.Status}, s.PermissionProfiles...) {
			if !utf8.ValidString(text) {
				t.Fatalf("invalid UTF-8 %q", text)
			}
		}
		if !isSortedOnce(s.PermissionProfiles) {
			t.Fatalf("permission profiles %q not sorted, each once", s.PermissionProfiles)
		}
		got, _, err := DecodeProfileSecurity(s.AppendBinary(nil))
		if err != nil || !sameSecurity(s, got) {
			t.Fatalf("encoding of %+v: %+v, %v", s, got, err)
		}
		lrs := plog.NewLogRecordSlice()
		p.AppendChange(lrs, observedAt, []string{AttrDocuSignUserStatus}, plog.SeverityNumberInfo)
		lr := lrs.At(0)
		checkRecordValues(t, lr)
		if id := strAttr(lr, AttrXDMTargetUserIdentifier); id != p.ID {
			t.Fatalf("change record of %q names %q", p.ID, id)
		}
		if strAttr(lr, AttrDocuSignUserStatus) != s.Status {
			t.Fatalf("change record's status %q, the profile's %q", strAttr(lr, AttrDocuSignUserStatus), s.Status)
		}
	})
}

// FuzzDecodeProfileSecurity: whatever the bytes, the decoder never panics, and what it accepts is
// exactly what encoding the result gives back.
func FuzzDecodeProfileSecurity(f *testing.F) {
	for _, s := range securityStates {
		f.Add(s.AppendBinary(nil))
	}
	f.Add([]byte("\x01\x00\x00\x00\x02\x01b\x01a"))
	f.Add([]byte("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, n, err := DecodeProfileSecurity(b)
		if err != nil {
			if n != 0 || !strings.HasPrefix(err.Error(), "profile security: ") {
				t.Fatalf("error %v with %d bytes taken", err, n)
			}
			return
		}
		if n < 5 || n > len(b) {
			t.Fatalf("took %d of %d bytes", n, len(b))
		}
		if enc := s.AppendBinary(nil); string(enc) != string(b[:n]) {
			t.Fatalf("decoded %+v from %q, which encodes as %q", s, b[:n], enc)
		}
	})
}

// FuzzProfileSecurityRoundTrip: any state encodes to what decodes back to it (texts made valid
// UTF-8, permission profiles sorted, each once).
func FuzzProfileSecurityRoundTrip(f *testing.F) {
	f.Add(uint8(5), "NotFederated", "active", "DS Admin\x00DS Sender")
	f.Add(uint8(0xff), "\xff", "", "b\x00a\x00b")
	f.Fuzz(func(t *testing.T, bits uint8, federated, status, profiles string) {
		s := ProfileSecurity{
			IsOrganizationAdmin: bits&1 != 0, TwoStepRequired: bits&2 != 0, DeviceVerification: bits&4 != 0, AccountAdmin: bits&8 != 0,
			FederatedStatus: federated, Status: status,
		}
		if profiles != "" {
			s.PermissionProfiles = strings.Split(profiles, "\x00")
		}
		enc := s.AppendBinary(nil)
		got, n, err := DecodeProfileSecurity(enc)
		if err != nil || n != len(enc) {
			t.Fatalf("%+v: %v, took %d of %d", s, err, n, len(enc))
		}
		want := s
		want.FederatedStatus, want.Status = validUTF8(s.FederatedStatus), validUTF8(s.Status)
		want.PermissionProfiles = sortedOnceCopy(s.PermissionProfiles)
		if !sameSecurity(want, got) {
			t.Fatalf("%+v decoded as %+v", want, got)
		}
	})
}
