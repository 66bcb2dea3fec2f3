// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const docUserRecord = "user record"

// contentKeyPrefix starts the ID of a user identified by its content.
const contentKeyPrefix = "sha256:"

// User is one user of an Admin API users page, tokenized once by DecodeUsersPage: its identity
// and digest are known at once, and Append builds its record from the same tokens.
type User struct {
	// ID is the record's "id" when that is a non-empty string. A record without one, that is not a
	// JSON object or that cannot be tokenized (nested deeper than 512 levels, more than 131072
	// values, invalid) is identified by its content: "sha256:" and the 32 hex digits of the first
	// 16 bytes of the SHA-256 of Raw, so that it is reported once, not at every sync.
	ID string
	// Digest changes exactly when the record does. For a record with an ID of its own it is the
	// first 16 bytes of the SHA-256 of a canonical form of the record: object keys sorted at every
	// level, duplicate keys resolved last-wins, whitespace and escapes irrelevant, numbers by value
	// under the int/double rule, arrays in order except the top-level "ds_groups", sorted by
	// ds_group_id since the server's order of groups is not a change. For a record identified by
	// its content, the first 16 bytes of the SHA-256 of Raw. Both are what earlier versions
	// stored, so their digest tables stay valid.
	Digest [16]byte
	// Raw is the record's text as the page had it (bracket-balanced), for logs.
	Raw json.RawMessage

	rec userRecord
}

// userRecord is what Append builds a user's record from.
type userRecord struct {
	text    string   // the record's text; the tape's text tokens point into it
	tape    []tok    // nil when the page's records went beyond maxPageValues: Append tokenizes text again
	strs    []string // the unescaped strings the tape refers to
	numText bool     // the tape holds a number kept as text
	err     error    // why the record could not be tokenized: Append keeps it as text
}

// Append appends the log record of u for operation op (OperationCreate, OperationUpdate or
// OperationSnapshot) to dst, and reports whether it is flagged with AttrConversionError: a field
// of the wrong type, no "id", or an unknown op (then xdm.event.operation is not set). A record
// that could not be tokenized is kept as its text (invalid UTF-8 as U+FFFD), flagged with why.
// The mapping is userMapping (user_mapping.go). Append may be called again, for a retry.
func (u *User) Append(dst plog.LogRecordSlice, op string, observed pcommon.Timestamp) (flagged bool) {
	l := userLayout
	lr := dst.AppendEmpty()
	lr.SetTimestamp(observed)
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(l.m.eventName)

	b := userBuilders.Get().(*builder)
	defer putUserBuilder(b)
	b.startRecord()
	switch op {
	case OperationCreate, OperationUpdate, OperationSnapshot:
	default:
		b.flag("unknown operation " + strconv.Quote(op))
		op = ""
	}
	err := u.load(b)
	if err != nil {
		lr.Body().SetStr(validUTF8(u.rec.text))
		b.flag(err.Error())
	} else {
		b.buildMap(0, lr.Body().SetEmptyMap())
		if b.numText {
			b.flag("a number does not fit a float64 and was kept as text")
		}
	}
	b.capture(l)
	if err == nil && b.missing(int(b.at[l.id])) {
		b.flag(l.m.id + " is missing")
	}
	var vals values
	b.derive(l, op, vals[:len(l.rules)])
	b.writeAttrs(lr.Attributes(), l, nil, vals[:len(l.rules)])
	return len(b.reasons) > 0
}

// missing reports whether the value at tape[i] is absent, null or "".
func (b *builder) missing(i int) bool {
	return i < 0 || b.tape[i].kind == tNull || b.tape[i].kind == tStr && b.text(&b.tape[i]) == ""
}

var userBuilders = sync.Pool{New: func() any { return new(builder) }}

// putUserBuilder returns b to userBuilders, keeping nothing of the user it served.
func putUserBuilder(b *builder) {
	b.tape, b.strs, b.src, b.keep = nil, nil, "", "" // the user's, not the builder's to reuse
	clear(b.reasons)
	clear(b.list)
	clear(b.texts)
	b.ip = ipCache{}
	userBuilders.Put(b)
}

// load gives b u's tokens, tokenizing u again when they were not kept, and returns why u cannot
// be tokenized (then b has no tape).
func (u *User) load(b *builder) error {
	b.reset(docUserRecord, u.rec.text)
	switch {
	case u.rec.err != nil:
		b.tape = nil
		return u.rec.err
	case u.rec.tape != nil:
		b.tape, b.strs, b.numText = u.rec.tape, u.rec.strs, u.rec.numText
	default: // not kept: tokenized again, into a tape of the builder's own
		b.tape, b.strs = nil, nil
		if !b.document(0) {
			b.tape = nil
			return b.err
		}
	}
	return nil
}

// userDecoder tokenizes the users of one page and keeps their tapes, within the page's budget.
type userDecoder struct {
	decoder
	canon  canonical
	arena  arena
	budget int // tokens the page's remaining users may still keep, see maxPageValues
}

func newUserDecoder() *userDecoder { return &userDecoder{budget: maxPageValues} }

// user tokenizes one user record: raw is its text for the caller, text the same for the record.
func (ud *userDecoder) user(raw json.RawMessage, text string) User {
	u := User{Raw: raw, rec: userRecord{text: text}}
	ud.reset(docUserRecord, text)
	if ud.document(0) && ud.tape[0].kind != tObject {
		ud.fail(0, "not a JSON object")
	}
	if ud.err != nil {
		u.rec.err = ud.err
		u.ID, u.Digest = contentKey(raw)
		return u
	}
	id := ""
	if i := ud.member(0, userMapping.id); i >= 0 && (ud.tape[i].kind == tStr || ud.tape[i].kind == tNumText) {
		id = ud.text(&ud.tape[i])
	}
	if id == "" {
		u.ID, u.Digest = contentKey(raw)
	} else {
		u.ID, u.Digest = strings.Clone(id), ud.canon.digest(&ud.decoder)
	}
	if cost := len(ud.tape) + (containerWeight-1)*ud.nested; cost <= ud.budget {
		ud.budget -= cost
		u.rec.tape, u.rec.strs, u.rec.numText = slices.Clone(ud.tape), slices.Clone(ud.strs), ud.numText
	}
	return u
}

// contentKey identifies a record that has no usable id by a hash of its bytes.
func contentKey(raw []byte) (string, [16]byte) {
	sum := sha256.Sum256(raw)
	var d [16]byte
	copy(d[:], sum[:])
	return contentKeyPrefix + hex.EncodeToString(sum[:16]), d
}
