// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const docUserRecord = "user record"

// AdminUser fills lr from one Admin API user record (a raw JSON object) for operation
// OperationCreate, OperationUpdate or OperationSnapshot. See doc.go for the mapping.
//
// When raw is not a JSON object (or is nested deeper than 512 levels, or holds more than 131072
// values) it returns a *DecodeError, and lr still holds a flagged record (body = raw text with
// invalid UTF-8 as U+FFFD, AttrConversionError set) that the caller may emit or drop. Fields of
// the wrong type are flagged in AttrConversionError, not returned as errors.
func AdminUser(raw []byte, operation string, observed pcommon.Timestamp, lr plog.LogRecord) error {
	switch operation {
	case OperationCreate, OperationUpdate, OperationSnapshot:
	default:
		return fmt.Errorf("user record: unknown operation %q", operation)
	}
	lr.SetTimestamp(observed)
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(EventNameAdminUser)
	attrs := lr.Attributes()
	attrs.Clear()
	attrs.EnsureCapacity(20)
	attrs.PutStr(AttrXDMEventType, EventTypeUsers)
	attrs.PutStr(AttrXDMEventOperation, operation)

	src := string(raw)
	var d decoder
	d.reset(docUserRecord, src)
	if d.document(0) && d.tape[0].kind != tObject {
		d.fail(0, "not a JSON object")
	}
	if d.err != nil {
		lr.Body().SetStr(validUTF8(src))
		attrs.PutStr(AttrConversionError, d.err.Error())
		return d.err
	}
	d.buildMap(0, lr.Body().SetEmptyMap())
	u := adminUser{d: &d, groups: -1}
	u.capture()
	if d.numText {
		u.reasons = append(u.reasons, "a number does not fit a float64 and was kept as text")
	}
	u.attributes(attrs)
	return nil
}

// document tokenizes the whole of d.src as one JSON value.
func (d *decoder) document(depth int) bool {
	if !d.checkSize() {
		return false
	}
	d.ws()
	if !d.tokenize(depth) {
		return false
	}
	d.ws()
	if d.pos < len(d.src) {
		return d.fail(d.pos, "unexpected data after the "+d.doc)
	}
	return true
}

// adminUser holds the user fields the attributes come from.
type adminUser struct {
	d                                                                      *decoder
	id, userName, firstName, lastName, email, userStatus, membershipStatus field
	groups                                                                 int // tape index of ds_groups, -1 when absent
	reasons                                                                []string
}

// capture records the top-level fields of the user on the tape (duplicate keys: last wins).
func (u *adminUser) capture() {
	d := u.d
	for j := 1; j < int(d.tape[0].end); j = d.next(j + 1) {
		v := j + 1
		switch d.text(&d.tape[j]) {
		case "id":
			u.id = d.fieldAt(v)
		case "user_name":
			u.userName = d.fieldAt(v)
		case "first_name":
			u.firstName = d.fieldAt(v)
		case "last_name":
			u.lastName = d.fieldAt(v)
		case "email":
			u.email = d.fieldAt(v)
		case "user_status":
			u.userStatus = d.fieldAt(v)
		case "membership_status":
			u.membershipStatus = d.fieldAt(v)
		case "ds_groups":
			u.groups = v
		}
	}
}

func (u *adminUser) text(f field, name string) string { return fieldText(f, name, &u.reasons) }

func (u *adminUser) attributes(attrs pcommon.Map) {
	id := u.text(u.id, "id")
	if k := u.id.kind; k == kindAbsent || k == kindNull || (k == kindString && id == "") {
		u.reasons = append(u.reasons, "id is missing")
	}
	userName := u.text(u.userName, "user_name")
	first, last := u.text(u.firstName, "first_name"), u.text(u.lastName, "last_name")
	email := u.text(u.email, "email")
	status := u.text(u.userStatus, "user_status")
	membership := u.text(u.membershipStatus, "membership_status")

	putAttr(attrs, AttrXDMTargetUserIdentifier, id)
	putAttr(attrs, AttrXDMTargetUserUsername, userName)
	putAttr(attrs, AttrXDMTargetUserUPN, email)
	putAttr(attrs, AttrXDMTargetUserFirstName, first)
	putAttr(attrs, AttrXDMTargetUserLastName, last)
	if d := u.d; u.groups >= 0 {
		switch g := &d.tape[u.groups]; g.kind {
		case tArray:
			groups := attrs.PutEmptySlice(AttrXDMTargetUserGroups)
			groups.EnsureCapacity(int(g.n))
			for j := u.groups + 1; j < int(g.end); j = d.next(j) {
				if d.tape[j].kind != tObject {
					u.reasons = append(u.reasons, "ds_groups has an element that is not an object")
					continue
				}
				if name := d.member(j, "group_name"); name >= 0 && d.tape[name].kind == tStr {
					if s := d.text(&d.tape[name]); s != "" {
						groups.AppendEmpty().SetStr(s)
					}
				}
			}
		case tNull:
		default:
			u.reasons = append(u.reasons, "ds_groups is not an array")
		}
	}
	if status != "" {
		attrs.PutBool(AttrXDMTargetUserIsDisabled, !strings.EqualFold(status, "active"))
	}
	putAttr(attrs, AttrDocuSignUserStatus, status)
	putAttr(attrs, AttrDocuSignMembershipStatus, membership)

	putAttr(attrs, AttrUserID, id)
	putAttr(attrs, AttrUserEmail, email)
	putAttr(attrs, AttrUserName, userName)
	fullName := strings.TrimSpace(first + " " + last)
	if fullName == "" {
		fullName = userName
	}
	putAttr(attrs, AttrUserFullName, fullName)
	if len(u.reasons) > 0 {
		attrs.PutStr(AttrConversionError, strings.Join(u.reasons, "; "))
	}
}

func putAttr(m pcommon.Map, k, v string) {
	if v != "" {
		m.PutStr(k, v)
	}
}

// errNoUserID is returned by UserDigest for a record without a string "id".
var errNoUserID = errors.New(`user record: "id" is missing or not a non-empty string`)

// UserDigest returns the user's id and a 128-bit digest (the first 16 bytes of SHA-256) of a
// canonical form of the record: object keys sorted at every level, duplicate keys resolved
// last-wins, whitespace and escapes irrelevant, numbers by value under the int/double rule, arrays
// in order except the top-level "ds_groups", sorted by ds_group_id since the server's order of
// groups is not a change.
func UserDigest(raw []byte) (id string, digest [16]byte, err error) {
	var d decoder
	d.reset(docUserRecord, string(raw))
	if d.document(0) && d.tape[0].kind != tObject {
		d.fail(0, "not a JSON object")
	}
	if d.err != nil {
		return "", digest, d.err
	}
	m := pcommon.NewMap()
	d.buildMap(0, m)
	v, ok := m.Get("id")
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return "", digest, errNoUserID
	}
	h := sha256.New()
	c := canonicalWriter{h: h}
	c.object(m, true)
	copy(digest[:], h.Sum(nil))
	return strings.Clone(v.Str()), digest, nil
}

// canonicalWriter writes a type-tagged, length-prefixed encoding of a value, so that no two
// different values share an encoding.
type canonicalWriter struct {
	h   io.Writer
	buf []byte
}

func (c *canonicalWriter) tag(t byte, n int) {
	c.buf = append(c.buf[:0], t)
	c.buf = binary.AppendUvarint(c.buf, uint64(n))
	c.h.Write(c.buf)
}

func (c *canonicalWriter) str(s string) {
	c.tag('s', len(s))
	c.h.Write([]byte(s))
}

func (c *canonicalWriter) value(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		c.str(v.Str())
	case pcommon.ValueTypeInt:
		c.buf = strconv.AppendInt(append(c.buf[:0], 'i'), v.Int(), 10)
		c.buf = append(c.buf, ';')
		c.h.Write(c.buf)
	case pcommon.ValueTypeDouble:
		c.buf = binary.BigEndian.AppendUint64(append(c.buf[:0], 'd'), math.Float64bits(v.Double()))
		c.h.Write(c.buf)
	case pcommon.ValueTypeBool:
		if v.Bool() {
			c.tag('t', 0)
		} else {
			c.tag('f', 0)
		}
	case pcommon.ValueTypeMap:
		c.object(v.Map(), false)
	case pcommon.ValueTypeSlice:
		c.array(v.Slice(), nil)
	default:
		c.tag('n', 0)
	}
}

func (c *canonicalWriter) object(m pcommon.Map, top bool) {
	type member struct {
		k string
		v pcommon.Value
	}
	members := make([]member, 0, m.Len()) // not m.Get per key: that is a linear search each
	for k, v := range m.All() {
		members = append(members, member{k, v})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.k, b.k) })
	c.tag('o', len(members))
	for _, e := range members {
		c.str(e.k)
		if top && e.k == "ds_groups" && e.v.Type() == pcommon.ValueTypeSlice {
			c.array(e.v.Slice(), byGroupID)
			continue
		}
		c.value(e.v)
	}
}

// array writes s in order, or sorted by order when it is not nil.
func (c *canonicalWriter) array(s pcommon.Slice, order func(a, b pcommon.Value) int) {
	c.tag('a', s.Len())
	if order == nil {
		for _, v := range s.All() {
			c.value(v)
		}
		return
	}
	items := make([]pcommon.Value, 0, s.Len())
	for _, v := range s.All() {
		items = append(items, v)
	}
	slices.SortStableFunc(items, order)
	for _, v := range items {
		c.value(v)
	}
}

// byGroupID orders ds_groups elements by ds_group_id, then by their canonical encoding, so the
// order is total and independent of the server's.
func byGroupID(a, b pcommon.Value) int {
	if r := cmp.Compare(groupID(a), groupID(b)); r != 0 {
		return r
	}
	return strings.Compare(canonical(a), canonical(b))
}

func groupID(v pcommon.Value) string {
	if v.Type() != pcommon.ValueTypeMap {
		return ""
	}
	if id, ok := v.Map().Get("ds_group_id"); ok && id.Type() == pcommon.ValueTypeStr {
		return id.Str()
	}
	return ""
}

// canonical returns the canonical encoding of v itself (used only to break ds_group_id ties).
func canonical(v pcommon.Value) string {
	var sb strings.Builder
	c := canonicalWriter{h: &sb}
	c.value(v)
	return sb.String()
}
