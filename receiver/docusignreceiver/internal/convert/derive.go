// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Deriving a record's attributes and severity from its tape by a mapping (rules.go), compiled
// once into a layout so that the per-record work is a walk over small arrays.

// Mappings compiled at init.
var (
	monitorLayout = compile(&monitorMapping)
	userLayout    = compile(&userMapping)
)

// maxRules bounds a mapping's rules: the set of rules that gave a record a value is a bitmask,
// one bit kept for the conversion error (see writeAttrs).
const maxRules = 63

// layout is a mapping compiled for evaluation.
type layout struct {
	m         *mapping
	fields    fieldSet // the top-level fields the mapping reads, see capture
	timestamp int      // capture index of the timestamp field; -1 without
	id        int      // capture index of the id field; -1 without
	objects   []cpath
	rules     []crule
	severity  []cseverity
}

// cpath is a source's path: a captured top-level field, then members of nested objects.
type cpath struct {
	name string   // the path as written, which flags name
	top  int      // capture index of the first segment
	rest []string // members below it
}

type crule struct {
	keys []string
	from []csource
	as   transform
	when ccondition
	typ  valueType
}

type csource struct {
	kind   sourceKind
	path   cpath
	other  cpath  // fullName: the last name; objectID: the container
	member string // names: the member of each element
	value  string
	limit  float64
	ids    []cobjectID
}

type cobjectID struct {
	object string
	from   []csource
}

type ccondition struct {
	on   bool
	path cpath
	word string
}

type cseverity struct {
	when      ccondition
	word      []csource
	levels    []level
	otherwise plog.SeverityNumber
}

// valueType is the pdata type of a rule's value.
type valueType uint8

const (
	typeStr valueType = iota
	typeDouble
	typeBool
	typeSlice
)

// compile turns m into a layout. A mapping that cannot be evaluated is a programming error,
// reported when the package is initialised.
func compile(m *mapping) *layout {
	l := &layout{m: m, timestamp: -1, id: -1}
	if m.timestamp != "" {
		l.timestamp = l.fields.add(m.timestamp)
	}
	if m.id != "" {
		l.id = l.fields.add(m.id)
	}
	for _, o := range m.objects {
		l.objects = append(l.objects, l.path(o))
	}
	seen := map[string]bool{AttrConversionError: true}
	for _, r := range m.attrs {
		for _, k := range r.keys {
			if seen[k] {
				panic("convert: mapping " + m.name + " writes attribute " + k + " twice")
			}
			seen[k] = true
		}
	}
	if len(m.attrs) > maxRules {
		panic("convert: mapping " + m.name + " has more than 63 rules")
	}
	for _, r := range m.attrs {
		if len(r.keys) == 0 || len(r.from) == 0 {
			panic("convert: mapping " + m.name + " has a rule without keys or sources")
		}
		cr := crule{keys: r.keys, as: r.as, when: l.condition(r.when), typ: typeOf(r.from[0].kind)}
		for _, s := range r.from {
			if typeOf(s.kind) != cr.typ {
				panic("convert: rule " + r.keys[0] + " reads values of different types")
			}
			if (r.as.kind == trIPv4 || r.as.kind == trIPv6) && s.kind != srcIPAddress {
				panic("convert: rule " + r.keys[0] + " keeps an address family of what is not an address")
			}
			cr.from = append(cr.from, l.source(s))
		}
		if r.as.kind != asRead && cr.typ != typeStr {
			panic("convert: rule " + r.keys[0] + " transforms a value that is not text")
		}
		if r.as.kind == trIsNot {
			cr.typ = typeBool
		}
		l.rules = append(l.rules, cr)
	}
	for _, s := range m.severity {
		cs := cseverity{when: l.condition(s.when), levels: s.levels, otherwise: s.otherwise}
		for _, w := range s.word {
			cs.word = append(cs.word, l.source(w))
		}
		l.severity = append(l.severity, cs)
	}
	return l
}

func typeOf(k sourceKind) valueType {
	switch k {
	case srcCoordinate:
		return typeDouble
	case srcNames:
		return typeSlice
	}
	return typeStr
}

func (l *layout) path(p string) cpath {
	top, rest, _ := strings.Cut(p, ".")
	cp := cpath{name: p, top: l.fields.add(top)}
	if rest != "" {
		cp.rest = strings.Split(rest, ".")
	}
	return cp
}

func (l *layout) condition(c condition) ccondition {
	if c.field == "" {
		return ccondition{}
	}
	return ccondition{on: true, path: l.path(c.field), word: c.word}
}

func (l *layout) source(s source) csource {
	cs := csource{kind: s.kind, value: s.value, limit: s.limit}
	switch s.kind {
	case srcConstant, srcOperation:
		return cs
	case srcNames:
		cs.member = s.other
	case srcFullName, srcObjectID:
		cs.other = l.path(s.other)
	}
	cs.path = l.path(s.path)
	for _, id := range s.ids {
		cid := cobjectID{object: id.object}
		for _, f := range id.from {
			cid.from = append(cid.from, l.source(f))
		}
		cs.ids = append(cs.ids, cid)
	}
	return cs
}

// builder is a decoder plus what deriving a record's attributes needs, reused record after record.
type builder struct {
	decoder
	at      []int32           // see capture
	reasons []string          // why the record is flagged, in the order found, each once
	list    []string          // the elements of the Slice values
	upper   map[string]string // upper-cased words, so that a page's repeated words allocate once; nil: none kept
	ip      ipCache
}

// values holds what the rules derived for one record, one per rule. It lives on the stack of
// the caller (see derive), where writing strings into it costs no GC write barriers.
type values [maxRules]value

// value is what one rule derived.
type value struct {
	s        string
	f        float64
	from, to int32 // typeSlice: b.list[from:to]
	set      bool
	b        bool
	v6       bool // an IP address of the IPv6 family
}

// startRecord forgets the previous record's flags and lists.
func (b *builder) startRecord() {
	b.reasons, b.list = b.reasons[:0], b.list[:0]
}

// flag records why the record is flagged; a reason found twice counts once.
func (b *builder) flag(reason string) {
	if !slices.Contains(b.reasons, reason) {
		b.reasons = append(b.reasons, reason)
	}
}

// derive evaluates l's rules on the captured record (see capture) into vals, one per rule; op is
// the operation that operation() reads.
func (b *builder) derive(l *layout, op string, vals []value) {
	for i := range l.objects {
		if t := b.resolve(&l.objects[i]); t >= 0 {
			if k := b.tape[t].kind; k != tObject && k != tNull {
				b.flag(l.objects[i].name + " is not an object")
			}
		}
	}
	for r := range l.rules {
		cr, v := &l.rules[r], &vals[r]
		if cr.when.on && !b.holds(&cr.when) {
			continue
		}
		for s := range cr.from {
			if src := &cr.from[s]; src.kind == srcText { // the common case, inline: most rules read a string
				i := int(b.at[src.path.top])
				if src.path.rest != nil {
					i = b.members(i, src.path.rest)
				}
				if i >= 0 {
					if t := &b.tape[i]; t.kind == tStr {
						v.s = b.text(t)
					} else {
						v.s = b.textAt(i, src.path.name, true)
					}
				}
				v.set = v.s != ""
			} else {
				b.read(src, op, true, v)
			}
			if v.set {
				break
			}
		}
		if v.set && cr.as.kind != asRead {
			b.transform(&cr.as, v)
		}
	}
}

// severity sets lr's severity by the first of l's severity rules that applies.
func (b *builder) severity(lr plog.LogRecord, l *layout) {
	for i := range l.severity {
		s := &l.severity[i]
		if s.when.on && !b.holds(&s.when) {
			continue
		}
		var word value
		for k := range s.word {
			if b.read(&s.word[k], "", false, &word); word.set {
				break
			}
		}
		level := s.otherwise
		for _, lv := range s.levels {
			if strings.EqualFold(word.s, lv.word) {
				level = lv.severity
				break
			}
		}
		lr.SetSeverityText(word.s)
		lr.SetSeverityNumber(level)
		return
	}
}

// resolve returns the tape index of the value at p, or -1.
func (b *builder) resolve(p *cpath) int {
	if p.rest == nil {
		return int(b.at[p.top])
	}
	return b.members(int(b.at[p.top]), p.rest)
}

// members follows a path of members from the object at tape[i]; -1 when one is missing.
//
//go:noinline
func (b *builder) members(i int, path []string) int {
	for _, k := range path {
		i = b.member(i, k)
	}
	return i
}

func (b *builder) holds(c *ccondition) bool {
	return strings.EqualFold(b.textAt(b.resolve(&c.path), "", false), c.word)
}

// read reads one source into v; flag says whether a field of the wrong type is flagged.
func (b *builder) read(s *csource, op string, flag bool, v *value) {
	switch s.kind {
	case srcText:
		v.s = b.textAt(b.resolve(&s.path), s.path.name, flag)
	case srcTextOrNumber:
		v.s = b.textOrNumber(b.resolve(&s.path))
	case srcVersion:
		v.s = b.versioned(b.objectAt(b.resolve(&s.path)))
	case srcCoordinate:
		v.f, v.set = b.coordinate(b.resolve(&s.path), s.path.name, s.limit, flag)
		return
	case srcIPAddress:
		v.s = ""
		if ip := b.textAt(b.resolve(&s.path), s.path.name, flag); ip != "" {
			if addr, ok := b.ip.parse(ip); ok {
				v.s, v.v6 = ip, !addr.Is4()
			} else if flag {
				b.flag(s.path.name + " is not an IP address")
			}
		}
	case srcObjectID:
		v.s = b.objectID(s)
	case srcNames:
		b.names(s, flag, v)
		return
	case srcFullName:
		v.s = strings.TrimSpace(b.textAt(b.resolve(&s.path), s.path.name, flag) + " " + b.textAt(b.resolve(&s.other), s.other.name, flag))
	case srcConstant:
		v.s = s.value
	case srcOperation:
		v.s = op
	}
	v.set = v.s != ""
}

func (b *builder) transform(t *transform, v *value) {
	switch t.kind {
	case trUpper:
		v.s = b.upperOf(v.s)
	case trRenamedOrUpper:
		for _, w := range t.words {
			if strings.EqualFold(v.s, w.from) {
				v.s = w.to
				return
			}
		}
		v.s = b.upperOf(v.s)
	case trIPv4:
		v.set = !v.v6
	case trIPv6:
		v.set = v.v6
	case trIsNot:
		v.b = !strings.EqualFold(v.s, t.word)
	}
}

// textAt returns the string at tape[i] ("" when i < 0 or null); another type is flagged when
// flag is set, naming the field.
func (b *builder) textAt(i int, name string, flag bool) string {
	if i < 0 {
		return ""
	}
	switch t := &b.tape[i]; t.kind {
	case tStr, tNumText:
		return b.text(t)
	case tNull:
		return ""
	}
	if flag {
		b.flag(name + " is not a string")
	}
	return ""
}

// textOrNumber returns the string or number at tape[i] as text, else "".
func (b *builder) textOrNumber(i int) string {
	if i < 0 {
		return ""
	}
	switch t := &b.tape[i]; t.kind {
	case tStr, tNumText:
		return b.text(t)
	case tInt:
		return strconv.FormatInt(int64(t.num), 10)
	case tDouble:
		return strconv.FormatFloat(t.float(), 'f', -1, 64)
	}
	return ""
}

// objectAt returns i when tape[i] is an object, else -1.
func (b *builder) objectAt(i int) int {
	if i >= 0 && b.tape[i].kind == tObject {
		return i
	}
	return -1
}

// versioned joins a family name with "major.minor" from an object like userAgentClientInfo.os.
func (b *builder) versioned(obj int) string {
	if obj < 0 {
		return ""
	}
	family := b.textOrNumber(b.member(obj, "family"))
	ver := b.objectAt(b.member(obj, "version"))
	major, minor := b.textOrNumber(b.member(ver, "major")), b.textOrNumber(b.member(ver, "minor"))
	if major == "" {
		return family
	}
	v := major
	if minor != "" {
		v = major + "." + minor
	}
	if family == "" {
		return v
	}
	return family + " " + v
}

// coordinate reads a latitude or longitude: a JSON number or a numeric string (JSON number
// syntax), within ±limit degrees. ok is false when absent, null or ""; anything else that is not
// such a number is flagged (NaN or an infinity would make JSON exporters fail the whole batch).
func (b *builder) coordinate(i int, name string, limit float64, flag bool) (x float64, ok bool) {
	if i < 0 {
		return 0, false
	}
	switch t := &b.tape[i]; t.kind {
	case tInt, tDouble:
		x = t.float()
	case tStr, tNumText:
		s := b.text(t)
		if s == "" {
			return 0, false
		}
		if !isJSONNumber(s) {
			return 0, b.flagIf(flag, name+" is not a number")
		}
		x, _ = strconv.ParseFloat(s, 64) // beyond float64: ±Inf, caught below
	case tNull:
		return 0, false
	default:
		return 0, b.flagIf(flag, name+" is not a number")
	}
	if !(x >= -limit && x <= limit) { // also false for NaN
		return 0, b.flagIf(flag, name+" is out of range")
	}
	return x, true
}

// flagIf flags reason when flag is set; it returns false, for the caller's ok.
func (b *builder) flagIf(flag bool, reason string) bool {
	if flag {
		b.flag(reason)
	}
	return false
}

// objectID finds the id of the object the record is about, see objectIDIn. None of it is flagged.
func (b *builder) objectID(s *csource) string {
	obj := b.textAt(b.resolve(&s.path), "", false)
	if obj == "" {
		return ""
	}
	if data := b.objectAt(b.resolve(&s.other)); data >= 0 {
		id := ""
		for j := data + 1; j < int(b.tape[data].end); j = b.next(j + 1) {
			k := b.text(&b.tape[j])
			if len(k) == len(obj)+2 && k[:len(obj)] == obj && k[len(obj):] == "Id" {
				id = b.textAt(j+1, "", false) // a later duplicate key replaces an earlier one, as in the body
			}
		}
		if id != "" {
			return id
		}
	}
	for i := range s.ids {
		if s.ids[i].object != obj {
			continue
		}
		var v value
		for k := range s.ids[i].from {
			if b.read(&s.ids[i].from[k], "", false, &v); v.set {
				return v.s
			}
		}
		break
	}
	return ""
}

// names reads the array at s.path into b.list: each element's s.member when it is a non-empty
// string. An empty array is a value (an empty Slice); null or absent is none.
func (b *builder) names(s *csource, flag bool, v *value) {
	i := b.resolve(&s.path)
	if i < 0 {
		return
	}
	switch b.tape[i].kind {
	case tArray:
	case tNull:
		return
	default:
		b.flagIf(flag, s.path.name+" is not an array")
		return
	}
	v.set, v.from = true, int32(len(b.list))
	for j := i + 1; j < int(b.tape[i].end); j = b.next(j) {
		if b.tape[j].kind != tObject {
			b.flagIf(flag, s.path.name+" has an element that is not an object")
			continue
		}
		if name := b.textAt(b.member(j, s.member), "", false); name != "" {
			b.list = append(b.list, name)
		}
	}
	v.to = int32(len(b.list))
}

// upperOf upper-cases s, remembering results so a page's repeated words allocate once.
func (b *builder) upperOf(s string) string {
	if u, ok := b.upper[s]; ok {
		return u
	}
	u := strings.ToUpper(s)
	if u != s && b.upper != nil {
		b.upper[strings.Clone(s)] = u
	}
	return u
}

// ipCache keeps the last address parsed: several rules read the same one.
type ipCache struct {
	text string
	addr netip.Addr
	ok   bool
}

func (c *ipCache) parse(s string) (netip.Addr, bool) {
	if s != c.text || s == "" {
		addr, err := netip.ParseAddr(s)
		c.text, c.addr, c.ok = s, addr, err == nil
	}
	return c.addr, c.ok
}
