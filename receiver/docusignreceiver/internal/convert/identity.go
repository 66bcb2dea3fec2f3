// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Identities: what a user's record says of the user, kept by the receiver's inventory, and
// written onto the records of the Monitor events that name the user (identity_mapping.go).

// Identity is who a user is, as the user's record says (identityFields).
type Identity struct {
	Email, UserName, FirstName, LastName, Status string
	Groups                                       []string // group names; nil for none
}

// identityRules holds, for each kind of identityFields but idFullName, the rule of userLayout
// that derives it.
var identityRules = func() (rules [idGroups + 1]int) {
	for _, f := range identityFields {
		if f.kind == idFullName {
			continue
		}
		typ := typeStr
		if f.kind == idGroups {
			typ = typeSlice
		}
		if rules[f.kind] = userLayout.ruleWriting(f.attr, typ); rules[f.kind] < 0 {
			panic("convert: an identity holds " + f.attr + ", which the user mapping does not write")
		}
	}
	return rules
}()

// Identity returns who u is, derived from the same tokens and by the same rules as u's record.
// A user that cannot be tokenized has the zero Identity. The identity's text is one allocation
// of its own: it does not keep the page's text alive.
func (u *User) Identity() Identity {
	b := userBuilders.Get().(*builder)
	defer putUserBuilder(b)
	b.startRecord()
	if u.load(b) != nil {
		return Identity{}
	}
	l := userLayout
	b.capture(l)
	var vals values
	b.derive(l, "", vals[:len(l.rules)])

	var texts [idGroups]string
	n := 0
	for k := idEmail; k < idGroups; k++ {
		if k == idFullName {
			continue
		}
		if v := &vals[identityRules[k]]; v.set {
			texts[k] = b.textOf(v)
			n += len(texts[k])
		}
	}
	var groups []string
	if v := &vals[identityRules[idGroups]]; v.set && v.n > 0 {
		groups = make([]string, v.n)
		for _, g := range b.list[v.off : v.off+v.n] {
			n += len(g)
		}
	}
	var all strings.Builder
	all.Grow(n)
	keep := func(s string) string {
		from := all.Len()
		all.WriteString(s)
		return all.String()[from:]
	}
	id := Identity{
		Email: keep(texts[idEmail]), UserName: keep(texts[idUserName]), FirstName: keep(texts[idFirstName]),
		LastName: keep(texts[idLastName]), Status: keep(texts[idStatus]),
	}
	if groups != nil {
		v := &vals[identityRules[idGroups]]
		for i, g := range b.list[v.off : v.off+v.n] {
			groups[i] = keep(g)
		}
		id.Groups = groups
	}
	return id
}

// text returns the text of one kind of field of id.
func (id *Identity) text(k identityKind) string {
	switch k {
	case idEmail:
		return id.Email
	case idUserName:
		return id.UserName
	case idFirstName:
		return id.FirstName
	case idLastName:
		return id.LastName
	case idFullName:
		return id.fullName()
	case idStatus:
		return id.Status
	}
	return ""
}

// fullName is the user record's user.full_name: first and last name joined and trimmed, else the
// user name.
func (id *Identity) fullName() string {
	var full string
	switch {
	case id.LastName == "":
		full = strings.TrimSpace(id.FirstName)
	case id.FirstName == "":
		full = strings.TrimSpace(id.LastName)
	case isJoined(id.UserName, id.FirstName, id.LastName) && strings.TrimSpace(id.UserName) == id.UserName:
		return id.UserName // the same text, without allocating it for each event
	default:
		full = strings.TrimSpace(id.FirstName + " " + id.LastName)
	}
	if full == "" {
		return id.UserName
	}
	return full
}

// isJoined reports whether s is first + " " + last.
func isJoined(s, first, last string) bool {
	return len(s) == len(first)+1+len(last) && s[:len(first)] == first && s[len(first)] == ' ' && s[len(first)+1:] == last
}

// EnrichActor adds to attrs, the attributes of a Monitor event's record, what actorIdentity says
// the identity of the user who acted adds. An empty field adds nothing.
func EnrichActor(attrs pcommon.Map, id Identity) { enrich(attrs, &actorIdentity, &id) }

// EnrichTarget adds to attrs, the attributes of a Monitor event's record, what targetIdentity
// says the identity of the user acted on adds. An empty field adds nothing.
func EnrichTarget(attrs pcommon.Map, id Identity) { enrich(attrs, &targetIdentity, &id) }

// maxIdentityRules bounds an identity mapping's rules, so that their texts fit on the stack.
const maxIdentityRules = 8

func enrich(attrs pcommon.Map, m *identityMapping, id *Identity) {
	var texts [maxIdentityRules]string
	n := 0
	for i, r := range m.attrs {
		if r.from == idGroups {
			if len(id.Groups) > 0 {
				n += len(r.keys)
			}
		} else if texts[i] = id.text(r.from); texts[i] != "" {
			n += len(r.keys)
		}
	}
	if n == 0 {
		return
	}
	attrs.EnsureCapacity(attrs.Len() + n)
	for i, r := range m.attrs {
		switch {
		case r.from == idGroups && len(id.Groups) > 0:
			for _, k := range r.keys {
				s := attrs.PutEmptySlice(k)
				s.EnsureCapacity(len(id.Groups))
				for _, g := range id.Groups {
					s.AppendEmpty().SetStr(g)
				}
			}
		case texts[i] != "":
			for _, k := range r.keys {
				attrs.PutStr(k, texts[i])
			}
		}
	}
}

func init() {
	for _, m := range []*identityMapping{&actorIdentity, &targetIdentity} {
		if len(m.attrs) > maxIdentityRules {
			panic("convert: the identity mapping of " + m.role + " has more than 8 rules")
		}
	}
}

// roomForIdentities is how many attributes EnrichActor and EnrichTarget add at most.
var roomForIdentities = func() int {
	n := 0
	for _, m := range []*identityMapping{&actorIdentity, &targetIdentity} {
		for _, r := range m.attrs {
			n += len(r.keys)
		}
	}
	return n
}()
