// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Admin profiles: one user's dsprofile response decoded, the attributes it adds to the user's
// records, what changed between two of them, and the record a change makes (profile_mapping.go).

const (
	docProfile     = "dsprofile response"
	docProfileUser = "dsprofile user"
)

// ErrNoProfile is DecodeProfile's error for a response whose "users" is empty or null: DocuSign
// has no profile of the user (gone from the organisation, or never in it).
var ErrNoProfile = errors.New(docProfile + ": no user")

// Profile is one user's admin profile: the first user of a dsprofile response.
type Profile struct {
	ID        string          // the user's id
	Raw       json.RawMessage // the user object as DocuSign sent it: the change record's body
	Security  ProfileSecurity
	LastLogin string // last_login as sent; "" when absent
}

// ProfileSecurity is what of a profile is watched (profileSecurity): a change of any field makes
// a change record. Its encoding (AppendBinary) is what a receiver keeps of a profile.
type ProfileSecurity struct {
	IsOrganizationAdmin, TwoStepRequired, DeviceVerification, AccountAdmin bool
	FederatedStatus, Status                                                string
	PermissionProfiles                                                     []string // sorted names, each once; nil for none
}

// Layouts of the profile mappings, compiled at init: what DecodeProfile reads, and the change record.
var (
	profileLayout = compile(&mapping{
		name:  "dsprofile user",
		id:    profileChangeMapping.id,
		attrs: append(slices.Clone(profileAttributes), profileStatus),
	})
	profileChangeLayout = compile(&profileChangeMapping)
)

// profileRules holds, for each field of profileSecurity, the rule of profileLayout deriving it;
// profileWrites, for each rule of profileAttributes, the field of profileSecurity it writes
// (-1: Profile.LastLogin); securityOrder is profileSecurity in the order of its attribute names.
var profileRules, profileWrites, securityOrder = func() (rules, writes, order []int) {
	for i, f := range profileSecurity {
		typ := typeStr
		switch {
		case f.flag != nil:
			typ = typeBool
		case f.list != nil:
			typ = typeSlice
		}
		r := profileLayout.ruleWriting(f.attr, typ)
		if r < 0 {
			panic("convert: the profile mapping does not derive " + f.attr + " as its field's type")
		}
		if f.weakens != never && f.flag == nil {
			panic("convert: only a Bool field can weaken security, not " + f.attr)
		}
		rules = append(rules, r)
		order = append(order, i)
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(profileSecurity[a].attr, profileSecurity[b].attr) })
	for _, r := range profileAttributes {
		w := slices.IndexFunc(profileSecurity, func(f securityField) bool { return slices.Contains(r.keys, f.attr) })
		if w < 0 && !slices.Equal(r.keys, keys(AttrDocuSignUserLastLogin)) {
			panic("convert: profile attribute " + r.keys[0] + " is neither watched nor the last login")
		}
		writes = append(writes, w)
	}
	return rules, writes, order
}()

// lastLoginRule is the rule of profileLayout deriving Profile.LastLogin.
var lastLoginRule = profileLayout.ruleWriting(AttrDocuSignUserLastLogin, typeStr)

// DecodeProfile decodes a dsprofile response ({"users": [UserDrilldownResponse, …]}) into the
// profile of its first user. A response whose "users" is empty or null is ErrNoProfile. A response
// that is not valid JSON, not an object, has no "users", or whose first user is not an object,
// has no "id", or has a field the profile reads of the wrong type (is_organization_admin not a
// boolean, …) returns a *DecodeError naming it. The first user holds at most 131072 values and
// nests at most 512 levels; the rest of the response is only stepped over. body is only read
// during the call: the profile holds copies.
func DecodeProfile(body []byte) (Profile, error) {
	var b builder
	b.reset(docProfile, unsafe.String(unsafe.SliceData(body), len(body))) // read-only for the call
	start, end, ok := b.profileResponse()
	switch {
	case !ok:
		return Profile{}, b.err
	case start < 0:
		return Profile{}, ErrNoProfile
	}
	l := profileLayout
	b.capture(l)
	var vals values
	b.derive(l, "", vals[:len(l.rules)])
	id := ""
	if i := int(b.at[l.id]); b.missing(i) {
		b.flag(l.m.id + " is missing")
	} else {
		id = b.textAt(i, l.m.id, true)
	}
	if len(b.reasons) > 0 {
		return Profile{}, newDecodeError(docProfile, b.src, start, "users[0]: "+strings.Join(b.reasons, "; "))
	}
	p := Profile{ID: strings.Clone(id), Raw: bytes.Clone(body[start:end])}
	for i, f := range profileSecurity {
		v := &vals[profileRules[i]]
		if !v.set {
			continue
		}
		switch {
		case f.flag != nil:
			*f.flag(&p.Security) = v.b
		case f.text != nil:
			*f.text(&p.Security) = strings.Clone(b.textOf(v))
		case v.n > 0:
			list := make([]string, v.n)
			for k, name := range b.list[v.off : v.off+v.n] {
				list[k] = strings.Clone(name)
			}
			*f.list(&p.Security) = list
		}
	}
	if v := &vals[lastLoginRule]; v.set {
		p.LastLogin = strings.Clone(b.textOf(v))
	}
	return p, nil
}

// profileResponse reads the response around its first user, which it tokenizes; start and end
// are that user's extent, start < 0 when "users" is empty or null.
func (d *decoder) profileResponse() (start, end int, ok bool) {
	start = -1
	if !d.checkSize() {
		return start, 0, false
	}
	d.ws()
	if d.peek() != '{' {
		return start, 0, d.fail(d.pos, "response is not a JSON object")
	}
	d.pos++
	d.ws()
	seenUsers := false
	if d.peek() == '}' {
		d.pos++
	} else {
		for {
			k, ok := d.key()
			if !ok {
				return start, 0, false
			}
			if k == "users" && !seenUsers {
				seenUsers = true
				start, end, ok = d.firstUser()
			} else {
				ok = d.skip()
			}
			if !ok {
				return start, 0, false
			}
			more, ok := d.afterMember('}')
			if !ok {
				return start, 0, false
			}
			if !more {
				break
			}
		}
	}
	d.ws()
	switch {
	case d.pos < len(d.src):
		return start, 0, d.fail(d.pos, "unexpected data after the response")
	case !seenUsers:
		return start, 0, d.fail(0, `response has no "users"`)
	}
	return start, end, true
}

// firstUser tokenizes the first element of the users array at d.pos and steps over the rest.
func (d *decoder) firstUser() (start, end int, ok bool) {
	start = -1
	switch d.peek() {
	case '[':
	case 'n':
		return start, 0, d.literal("null")
	default:
		return start, 0, d.fail(d.pos, "users is not an array")
	}
	d.pos++
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return start, 0, true
	}
	if d.peek() != '{' {
		return start, 0, d.fail(d.pos, "users[0] is not an object")
	}
	start = d.pos
	d.newTape()
	if !d.tokenize(0) {
		return -1, 0, false
	}
	end = d.pos
	for {
		more, ok := d.afterMember(']')
		if !ok || !more {
			return start, end, ok
		}
		if !d.skip() {
			return -1, 0, false
		}
	}
}

// PutAttributes writes the profile's attributes (profileAttributes, in order) to attrs: for the
// records of its user. Bools are always written, texts only when not empty, and the permission
// profiles always, as a list.
func (p *Profile) PutAttributes(attrs pcommon.Map) {
	attrs.EnsureCapacity(attrs.Len() + len(profileAttributes))
	for i, r := range profileAttributes {
		for _, k := range r.keys {
			w := profileWrites[i]
			if w < 0 {
				if p.LastLogin != "" {
					attrs.PutStr(k, p.LastLogin)
				}
				continue
			}
			switch f := &profileSecurity[w]; {
			case f.flag != nil:
				attrs.PutBool(k, *f.flag(&p.Security))
			case f.text != nil:
				if t := *f.text(&p.Security); t != "" {
					attrs.PutStr(k, t)
				}
			default:
				list := *f.list(&p.Security)
				s := attrs.PutEmptySlice(k)
				s.EnsureCapacity(len(list))
				for _, name := range list {
					s.AppendEmpty().SetStr(name)
				}
			}
		}
	}
}

// AppendChange appends the record of a change of p's watched fields to dst, and reports whether
// it is flagged with AttrConversionError: the body is the user object (Raw) as a map, then come
// profileChangeMapping's attributes (operation UPDATE), PutAttributes' and AttrDocuSignUserChanged:
// changed, sorted (see SecurityChanges). severity is the caller's (its text is its name, "WARN").
// A Raw that is not a JSON object is kept as text, flagged.
func (p *Profile) AppendChange(dst plog.LogRecordSlice, observed pcommon.Timestamp, changed []string, severity plog.SeverityNumber) (flagged bool) {
	l := profileChangeLayout
	lr := dst.AppendEmpty()
	lr.SetTimestamp(observed)
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(l.m.eventName)
	lr.SetSeverityNumber(severity)
	if severity != plog.SeverityNumberUnspecified {
		lr.SetSeverityText(levelName(severity))
	}

	var b builder
	text := string(p.Raw) // the body's strings point into it: a copy the caller cannot change
	b.reset(docProfileUser, text)
	switch {
	case !b.document(0):
		b.tape = nil
		lr.Body().SetStr(validUTF8(text))
		b.flag(b.err.Error())
	case b.tape[0].kind != tObject:
		b.tape = nil
		lr.Body().SetStr(validUTF8(text))
		b.flag("the profile is not a JSON object")
	default:
		b.buildMap(0, lr.Body().SetEmptyMap())
		if b.numText {
			b.flag("a number does not fit a float64 and was kept as text")
		}
	}
	b.capture(l)
	if b.tape != nil && b.missing(int(b.at[l.id])) {
		b.flag(l.m.id + " is missing")
	}
	var vals values
	b.derive(l, "", vals[:len(l.rules)])
	attrs := lr.Attributes()
	b.putAttrs(attrs, l, vals[:len(l.rules)], "")
	p.PutAttributes(attrs)
	list := attrs.PutEmptySlice(AttrDocuSignUserChanged)
	list.EnsureCapacity(len(changed))
	for _, name := range slices.Sorted(slices.Values(changed)) {
		list.AppendEmpty().SetStr(name)
	}
	if len(b.reasons) > 0 {
		attrs.PutStr(AttrConversionError, strings.Join(b.reasons, "; "))
	}
	return len(b.reasons) > 0
}

// SecurityChanges compares two states of a profile's watched fields: changed lists the attributes
// whose value differs, sorted (the last login is not watched); weakens is true when one of the
// changes weakens security (profileSecurity: two-step or device verification turned off,
// organisation or account admin granted).
func SecurityChanges(before, after ProfileSecurity) (changed []string, weakens bool) {
	for _, i := range securityOrder {
		f := &profileSecurity[i]
		switch {
		case f.flag != nil:
			was, is := *f.flag(&before), *f.flag(&after)
			if was == is {
				continue
			}
			weakens = weakens || f.weakens == whenGranted && is || f.weakens == whenTurnedOff && was
		case f.text != nil:
			if *f.text(&before) == *f.text(&after) {
				continue
			}
		default:
			if slices.Equal(*f.list(&before), *f.list(&after)) {
				continue
			}
		}
		changed = append(changed, f.attr)
	}
	return changed, weakens
}
