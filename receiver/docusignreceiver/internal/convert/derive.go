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
// one bit kept for the conversion error, and a rule index fits six bits (see writeAttrs).
const maxRules = 63

// layout is a mapping compiled for evaluation. What every record reads is kept compact (a rule
// and a source fit a cache line each); what only some sources need sits behind a pointer.
type layout struct {
	m         *mapping
	fields    fieldSet // the top-level fields the mapping reads, see capture
	timestamp int      // capture index of the timestamp field; -1 without
	id        int      // capture index of the id field; -1 without
	actor     int      // the rule whose value is EventRef.Actor; -1 without
	target    int      // the rule whose value is EventRef.Target; -1 without
	objects   []cpath
	conds     []ccondition // the distinct conditions, evaluated once per record
	rules     []crule
	steps     []step // the rules' sources in table order: what derive runs
	transform []int  // the rules that transform their value, in table order
	severity  []cseverity
}

// step is one source of one rule.
type step struct {
	rule   uint8
	kind   sourceKind
	cond   int8   // the rule's condition; -1: always
	nested bool   // the path goes below a top-level field
	top    uint16 // capture index of the path's top-level field
	src    *csource
}

// cpath is a source's path: a captured top-level field, then members of nested objects.
type cpath struct {
	top  int      // capture index of the first segment
	rest []string // members below it; nil for a top-level field
	name string   // the path as written, which flags name
}

type crule struct {
	from []csource
	keys []string
	as   *transform // nil: as read
	cond int        // index in layout.conds of the condition; -1: always
	typ  valueType
}

type csource struct {
	kind sourceKind
	path cpath
	more *sourceMore // nil for the kinds that need only path
}

// sourceMore is what the rarer kinds of source need.
type sourceMore struct {
	other  cpath    // fullName: the last name; objectID: the container
	member []string // names, anyTrue, firstOf: the path of members read in each element
	value  string   // constant
	limit  float64
	ids    []cobjectID
}

type cobjectID struct {
	object string
	from   []csource
}

type ccondition struct {
	path cpath
	word string
}

type cseverity struct {
	cond      int
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
	l := &layout{m: m, timestamp: -1, id: -1, actor: -1, target: -1}
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
		cr := crule{keys: r.keys, cond: l.condition(r.when), typ: typeOf(r.from[0].kind)}
		if r.as.kind != asRead {
			as := r.as
			cr.as = &as
		}
		for _, s := range r.from {
			if typeOf(s.kind) != cr.typ {
				panic("convert: rule " + r.keys[0] + " reads values of different types")
			}
			if (r.as.kind == trIPv4 || r.as.kind == trIPv6) && s.kind != srcIPAddress {
				panic("convert: rule " + r.keys[0] + " keeps an address family of what is not an address")
			}
			cr.from = append(cr.from, l.source(s))
		}
		if r.as.kind == trSortedUnique && cr.typ != typeSlice {
			panic("convert: rule " + r.keys[0] + " sorts a value that is not a list")
		}
		if r.as.kind != asRead && r.as.kind != trSortedUnique && cr.typ != typeStr {
			panic("convert: rule " + r.keys[0] + " transforms a value that is not text")
		}
		if r.as.kind == trIsNot {
			cr.typ = typeBool
		}
		l.rules = append(l.rules, cr)
	}
	for _, who := range []struct {
		key  string
		rule *int
	}{{m.actor, &l.actor}, {m.target, &l.target}} {
		if who.key != "" {
			if *who.rule = l.ruleWriting(who.key, typeStr); *who.rule < 0 {
				panic("convert: mapping " + m.name + " names users by " + who.key + ", which no rule writes as text")
			}
		}
	}
	for r := range l.rules {
		cr := &l.rules[r]
		for s := range cr.from {
			src := &cr.from[s]
			l.steps = append(l.steps, step{rule: uint8(r), kind: src.kind, cond: int8(cr.cond), nested: src.path.rest != nil,
				top: uint16(max(src.path.top, 0)), src: src})
		}
		if cr.as != nil {
			l.transform = append(l.transform, r)
		}
	}
	for _, s := range m.severity {
		cs := cseverity{cond: l.condition(s.when), levels: s.levels, otherwise: s.otherwise}
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
	case srcBool, srcAnyTrue:
		return typeBool
	}
	return typeStr
}

// ruleWriting returns the index of the rule that writes attribute key as a value of type typ, or
// -1 when no rule does.
func (l *layout) ruleWriting(key string, typ valueType) int {
	for i, r := range l.m.attrs {
		if slices.Contains(r.keys, key) && l.rules[i].typ == typ {
			return i
		}
	}
	return -1
}

func (l *layout) path(p string) cpath {
	top, rest, _ := strings.Cut(p, ".")
	cp := cpath{name: p, top: l.fields.add(top)}
	if rest != "" {
		cp.rest = strings.Split(rest, ".")
	}
	return cp
}

// condition returns the index of c in l.conds, adding it when new; -1 for the zero condition.
func (l *layout) condition(c condition) int {
	if c.field == "" {
		return -1
	}
	for i, have := range l.conds {
		if have.path.name == c.field && have.word == c.word {
			return i
		}
	}
	if len(l.conds) == 64 {
		panic("convert: mapping " + l.m.name + " has more than 64 conditions")
	}
	l.conds = append(l.conds, ccondition{path: l.path(c.field), word: c.word})
	return len(l.conds) - 1
}

func (l *layout) source(s source) csource {
	cs := csource{kind: s.kind}
	switch s.kind {
	case srcConstant, srcOperation:
		cs.more = &sourceMore{value: s.value}
		return cs
	case srcCoordinate:
		cs.more = &sourceMore{limit: s.limit}
	case srcNames, srcAnyTrue, srcFirst:
		cs.more = &sourceMore{member: strings.Split(s.other, ".")}
	case srcFullName:
		cs.more = &sourceMore{other: l.path(s.other)}
	case srcObjectID:
		cs.more = &sourceMore{other: l.path(s.other)}
		for _, id := range s.ids {
			cid := cobjectID{object: id.object}
			for _, f := range id.from {
				cid.from = append(cid.from, l.source(f))
			}
			cs.more.ids = append(cs.more.ids, cid)
		}
	}
	cs.path = l.path(s.path)
	return cs
}

// builder is a decoder plus what deriving a record's attributes needs, reused record after record.
type builder struct {
	decoder
	at      []int32           // see capture
	reasons []string          // why the record is flagged, in the order found, each once
	list    []string          // the elements of the Slice values
	texts   []string          // the record's text values that are not tokens of its tape
	upper   map[string]string // upper-cased words, so that a page's repeated words allocate once; nil: none kept
	ip      ipCache
	held    uint64 // the conditions of the layout derived that hold for the record, by index
	room    int    // attributes a record's map is sized for beyond its own, see WithRoomForIdentities
}

// values holds what the rules derived for one record, one per rule, on the caller's stack.
type values [maxRules]value

// value is what one rule derived. It holds no pointers, so that filling values costs no GC write
// barriers: a text is a span of the record's text, or one of b.texts (see textOf).
type value struct {
	f      float64
	off, n int32 // typeStr: b.keep[off:off+n] when n > 0, else b.texts[off]; typeSlice: b.list[off:off+n]
	set    bool
	b      bool
	v6     bool // an IP address of the IPv6 family
}

// textOf returns v's text.
func (b *builder) textOf(v *value) string {
	if v.n > 0 {
		return b.keep[v.off : v.off+v.n]
	}
	return b.texts[v.off]
}

// setToken makes the text token at tape[i] v's value when it is not "".
func (v *value) setToken(b *builder, i int) {
	switch t := &b.tape[i]; {
	case t.esc:
		b.setText(v, b.strs[t.off])
	case t.ln > 0:
		v.off, v.n, v.set = t.off-int32(b.keepBase), t.ln, true
	}
}

// setText makes s v's value when it is not "".
func (b *builder) setText(v *value, s string) {
	if s != "" {
		b.texts = append(b.texts, s)
		v.off, v.n, v.set = int32(len(b.texts)-1), 0, true
	}
}

// startRecord forgets the previous record's flags and lists.
func (b *builder) startRecord() {
	b.reasons, b.list, b.texts = b.reasons[:0], b.list[:0], b.texts[:0]
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
	b.held = 0
	for i := range l.conds {
		c := &l.conds[i]
		if strings.EqualFold(b.textAt(b.resolve(&c.path), "", false), c.word) {
			b.held |= 1 << i
		}
	}
	for i := range l.steps {
		st := &l.steps[i]
		v := &vals[st.rule]
		if v.set || st.cond >= 0 && b.held&(1<<st.cond) == 0 { // the rule has its value already, or does not apply
			continue
		}
		if st.kind != srcText || st.nested {
			b.read(st.src, op, true, v)
			continue
		}
		if t := int(b.at[st.top]); t >= 0 { // the common case, inline: a top-level string
			if k := b.tape[t].kind; k == tStr || k == tNumText {
				v.setToken(b, t)
			} else if k != tNull {
				b.flag(st.src.path.name + " is not a string")
			}
		}
	}
	for _, r := range l.transform {
		if v := &vals[r]; v.set {
			b.transform(l.rules[r].as, v)
		}
	}
}

// severity sets lr's severity by the first of l's severity rules that applies; it follows derive.
func (b *builder) severity(lr plog.LogRecord, l *layout) {
	for i := range l.severity {
		s := &l.severity[i]
		if s.cond >= 0 && b.held&(1<<s.cond) == 0 {
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
			if word.set && strings.EqualFold(b.textOf(&word), lv.word) {
				level = lv.severity
				break
			}
		}
		if word.set {
			lr.SetSeverityText(b.textOf(&word))
		}
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

// read reads one source into v; flag says whether a field of the wrong type is flagged.
func (b *builder) read(s *csource, op string, flag bool, v *value) {
	switch s.kind {
	case srcText:
		if i := b.resolve(&s.path); b.textAt(i, s.path.name, flag) != "" {
			v.setToken(b, i)
		}
	case srcTextOrNumber:
		switch i := b.resolve(&s.path); {
		case i < 0:
		case b.tape[i].kind == tStr || b.tape[i].kind == tNumText:
			v.setToken(b, i)
		default:
			b.setText(v, b.textOrNumber(i))
		}
	case srcVersion:
		b.setText(v, b.versioned(b.objectAt(b.resolve(&s.path))))
	case srcCoordinate:
		v.f, v.set = b.coordinate(b.resolve(&s.path), s.path.name, s.more.limit, flag)
	case srcIPAddress:
		i := b.resolve(&s.path)
		if ip := b.textAt(i, s.path.name, flag); ip != "" {
			if addr, ok := b.ip.parse(ip); ok {
				v.setToken(b, i)
				v.v6 = !addr.Is4()
			} else if flag {
				b.flag(s.path.name + " is not an IP address")
			}
		}
	case srcObjectID:
		b.objectID(s, v)
	case srcNames:
		b.names(s, flag, v)
	case srcBool:
		v.b, v.set = b.boolean(b.resolve(&s.path), s.path.name, flag)
	case srcAnyTrue:
		b.anyTrue(s, flag, v)
	case srcFirst:
		b.first(s, v)
	case srcFullName:
		last := &s.more.other
		b.setText(v, strings.TrimSpace(b.textAt(b.resolve(&s.path), s.path.name, flag)+" "+b.textAt(b.resolve(last), last.name, flag)))
	case srcConstant:
		b.setText(v, s.more.value)
	case srcOperation:
		b.setText(v, op)
	}
}

func (b *builder) transform(t *transform, v *value) {
	switch t.kind {
	case trUpper:
		b.setText(v, b.upperOf(b.textOf(v)))
	case trRenamedOrUpper:
		text := b.textOf(v)
		for _, w := range t.words {
			if strings.EqualFold(text, w.from) {
				b.setText(v, w.to)
				return
			}
		}
		b.setText(v, b.upperOf(text))
	case trIPv4:
		v.set = !v.v6
	case trIPv6:
		v.set = v.v6
	case trIsNot:
		v.b = !strings.EqualFold(b.textOf(v), t.word)
	case trSortedUnique:
		list := b.list[v.off : v.off+v.n]
		slices.Sort(list)
		v.n = int32(len(slices.Compact(list)))
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
func (b *builder) objectID(s *csource, v *value) {
	obj := b.textAt(b.resolve(&s.path), "", false)
	if obj == "" {
		return
	}
	if data := b.objectAt(b.resolve(&s.more.other)); data >= 0 {
		id := -1
		for j := data + 1; j < int(b.tape[data].end); j = b.next(j + 1) {
			k := b.text(&b.tape[j])
			if len(k) == len(obj)+2 && k[:len(obj)] == obj && k[len(obj):] == "Id" {
				id = j + 1 // a later duplicate key replaces an earlier one, as in the body
			}
		}
		if id >= 0 && b.textAt(id, "", false) != "" {
			v.setToken(b, id)
			return
		}
	}
	for i := range s.more.ids {
		id := &s.more.ids[i]
		if id.object != obj {
			continue
		}
		for k := range id.from {
			if b.read(&id.from[k], "", false, v); v.set {
				return
			}
		}
		return
	}
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
	v.set, v.off = true, int32(len(b.list))
	for j := i + 1; j < int(b.tape[i].end); j = b.next(j) {
		if b.tape[j].kind != tObject {
			b.flagIf(flag, s.path.name+" has an element that is not an object")
			continue
		}
		if name := b.textAt(b.members(j, s.more.member), "", false); name != "" {
			b.list = append(b.list, name)
		}
	}
	v.n = int32(len(b.list)) - v.off
}

// boolean reads true or false at tape[i], or a string of either in any case. ok is false when
// absent, null or ""; anything else is flagged when flag is set.
func (b *builder) boolean(i int, name string, flag bool) (x, ok bool) {
	if i < 0 {
		return false, false
	}
	switch t := &b.tape[i]; t.kind {
	case tTrue, tFalse:
		return t.kind == tTrue, true
	case tNull:
		return false, false
	case tStr:
		switch s := b.text(t); {
		case s == "":
			return false, false
		case strings.EqualFold(s, "true"):
			return true, true
		case strings.EqualFold(s, "false"):
			return false, true
		}
	}
	return false, b.flagIf(flag, name+" is not a boolean")
}

// elements returns the tape index of the array at s.path, or -1 when it is absent or null (or,
// flagged, not an array).
func (b *builder) elements(s *csource, flag bool) int {
	i := b.resolve(&s.path)
	if i < 0 || b.tape[i].kind == tNull {
		return -1
	}
	if b.tape[i].kind != tArray {
		b.flagIf(flag, s.path.name+" is not an array")
		return -1
	}
	return i
}

// anyTrue reads whether any element of the array at s.path has s.member true. An empty array is
// false; null or absent is none.
func (b *builder) anyTrue(s *csource, flag bool, v *value) {
	i := b.elements(s, flag)
	if i < 0 {
		return
	}
	v.set = true
	name := s.path.name + "[]." + strings.Join(s.more.member, ".")
	for j := i + 1; j < int(b.tape[i].end); j = b.next(j) {
		if b.tape[j].kind != tObject {
			b.flagIf(flag, s.path.name+" has an element that is not an object")
			continue
		}
		if x, _ := b.boolean(b.members(j, s.more.member), name, flag); x {
			v.b = true
		}
	}
}

// first reads s.member of the first element of the array at s.path that has it as a non-empty
// string. Nothing of it is flagged: other rules read the array.
func (b *builder) first(s *csource, v *value) {
	i := b.elements(s, false)
	if i < 0 {
		return
	}
	for j := i + 1; j < int(b.tape[i].end); j = b.next(j) {
		if k := b.members(j, s.more.member); b.textAt(k, "", false) != "" {
			v.setToken(b, k)
			return
		}
	}
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
