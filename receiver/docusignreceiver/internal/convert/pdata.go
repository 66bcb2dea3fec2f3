// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// The pdata builder: a record's body from the tape and its attributes from the values derive.go
// derived, each through templates of the shapes seen before.
//
// The body is the record as a map, every field kept with its JSON type: string → Str, integer
// literal that fits int64 → Int, any other number → Double (a number beyond float64 → Str of its
// text, flagged), true/false → Bool, null → empty Value, object → Map, array → Slice. Duplicate
// keys: last wins. Invalid UTF-8 and lone surrogates become U+FFFD (as encoding/json does). An
// object of more than 256 members keeps every member but not their order (pcommon.Map's Put
// would make it quadratic).

// bigObject is the member count above which an object's map is built without pcommon.Map's Put,
// whose search of the keys already there would make an object of many members quadratic.
const bigObject = 256

// build sets v (empty) from the value at tape[i] and returns the index after it.
func (d *decoder) build(i int, v pcommon.Value) int {
	t := &d.tape[i]
	if d.setScalar(t, v) {
		return i + 1
	}
	switch t.kind {
	case tObject:
		d.buildMap(i, v.SetEmptyMap())
		return int(t.end)
	case tArray:
		s := v.SetEmptySlice()
		if t.n > 0 {
			s.EnsureCapacity(int(t.n))
			for j := i + 1; j < int(t.end); {
				j = d.build(j, s.AppendEmpty())
			}
		}
		return int(t.end)
	}
	return i + 1
}

// setScalar sets v from a string, number or boolean token; false for null, objects and arrays.
func (d *decoder) setScalar(t *tok, v pcommon.Value) bool {
	switch t.kind {
	case tStr, tNumText:
		v.SetStr(d.text(t))
	case tInt:
		v.SetInt(int64(t.num))
	case tDouble:
		v.SetDouble(math.Float64frombits(t.num))
	case tTrue, tFalse:
		v.SetBool(t.kind == tTrue)
	default:
		return false
	}
	return true
}

// buildMap fills m (empty) with the members of the object at tape[i]; duplicate keys: last wins.
func (d *decoder) buildMap(i int, m pcommon.Map) {
	t := &d.tape[i]
	if t.n == 0 {
		return
	}
	if t.n > bigObject {
		d.buildBigMap(i, m)
		return
	}
	m.EnsureCapacity(int(t.n))
	for j := i + 1; j < int(t.end); {
		k, v := d.text(&d.tape[j]), &d.tape[j+1]
		j += 2
		// The typed Put calls do in one step what PutEmpty + Set would do in two.
		switch v.kind {
		case tStr, tNumText:
			m.PutStr(k, d.text(v))
		case tInt:
			m.PutInt(k, int64(v.num))
		case tDouble:
			m.PutDouble(k, math.Float64frombits(v.num))
		case tTrue, tFalse:
			m.PutBool(k, v.kind == tTrue)
		case tNull:
			m.PutEmpty(k)
		case tObject:
			d.buildMap(j-1, m.PutEmptyMap(k))
			j = int(v.end)
		case tArray:
			d.build(j-1, m.PutEmpty(k))
			j = int(v.end)
		}
	}
}

// buildBigMap is buildMap for an object of many members: the keys go in through FromRaw, which
// appends without searching, and the values are then filled in place. The members' order is lost.
func (d *decoder) buildBigMap(i int, m pcommon.Map) {
	t := &d.tape[i]
	last := make(map[string]int, t.n) // key → tape index of its last value
	for j := i + 1; j < int(t.end); j = d.next(j + 1) {
		last[d.text(&d.tape[j])] = j + 1
	}
	keys := make(map[string]any, len(last))
	for k := range last {
		keys[k] = nil
	}
	_ = m.FromRaw(keys) // nil values cannot fail
	for k, v := range m.All() {
		d.build(last[k], v)
	}
}

// template builds, from the object at tape[i], a map of the same shape with copied keys and zero
// values, for fillMap. ok is false when the object cannot serve (a key repeats somewhere).
func (d *decoder) template(i int) (pcommon.Map, bool) {
	m := pcommon.NewMap()
	return m, d.templateValue(i, pcommon.NewValueEmpty(), m)
}

// templateValue fills v (or m, for the top-level object) with the zero-valued shape of tape[i].
func (d *decoder) templateValue(i int, v pcommon.Value, top pcommon.Map) bool {
	t := &d.tape[i]
	switch t.kind {
	case tStr, tNumText:
		v.SetStr("")
	case tInt:
		v.SetInt(0)
	case tDouble:
		v.SetDouble(0)
	case tTrue, tFalse:
		v.SetBool(false)
	case tObject:
		if t.n > bigObject {
			return false
		}
		m := top
		if m == (pcommon.Map{}) {
			m = v.SetEmptyMap()
		}
		m.EnsureCapacity(int(t.n))
		for j := i + 1; j < int(t.end); j = d.next(j + 1) {
			if !d.templateValue(j+1, m.PutEmpty(strings.Clone(d.text(&d.tape[j]))), pcommon.Map{}) {
				return false
			}
		}
		return m.Len() == int(t.n)
	case tArray:
		s := v.SetEmptySlice()
		s.EnsureCapacity(int(t.n))
		for j := i + 1; j < int(t.end); j = d.next(j) {
			if !d.templateValue(j, s.AppendEmpty(), pcommon.Map{}) {
				return false
			}
		}
	}
	return true
}

// fillMap overwrites the values of m, a copy of a template, with the object at tape[i]. It
// returns false, leaving m half-filled, when m's keys or sizes differ from the tape's.
func (d *decoder) fillMap(i int, m pcommon.Map) bool {
	t := &d.tape[i]
	if m.Len() != int(t.n) {
		return false
	}
	j := i + 1
	for k, v := range m.All() {
		if d.text(&d.tape[j]) != k {
			return false
		}
		if j = d.fillValue(j+1, v); j < 0 {
			return false
		}
	}
	return true
}

// fillValue overwrites v with tape[j] and returns the index after it, or -1 on a shape mismatch.
func (d *decoder) fillValue(j int, v pcommon.Value) int {
	t := &d.tape[j]
	if d.setScalar(t, v) {
		return j + 1
	}
	switch t.kind {
	case tNull:
		if v.Type() != pcommon.ValueTypeEmpty {
			return -1
		}
	case tObject:
		if v.Type() != pcommon.ValueTypeMap || !d.fillMap(j, v.Map()) {
			return -1
		}
		return int(t.end)
	case tArray:
		if v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() != int(t.n) {
			return -1
		}
		k := j + 1
		for _, e := range v.Slice().All() {
			if k = d.fillValue(k, e); k < 0 {
				return -1
			}
		}
		return int(t.end)
	}
	return j + 1
}

// maxBodyShapes bounds the body templates kept per decoder.
const maxBodyShapes = 256

// bodyTemplate is a zero-valued map of a body structure seen before, and where the fields a
// mapping captures are in that structure (see capture; nil until the caller notes them).
type bodyTemplate struct {
	m  pcommon.Map // the empty Map: the structure cannot serve (a repeated key)
	at []int32
}

// bodyTemplates holds the templates by structure hash (see mixShape).
type bodyTemplates map[uint64]*bodyTemplate

// body builds the record's body from the tape. Records of a page mostly share a few structures:
// for a structure seen before, a template is copied and its values overwritten in order, which
// skips the per-key duplicate search of Map.Put*; fillMap verifies every key. It returns the
// template whose structure the tape has (verified, or just made from it), or nil. templates may be nil.
func (d *decoder) body(lr plog.LogRecord, templates bodyTemplates) *bodyTemplate {
	m := lr.Body().SetEmptyMap()
	tmpl, seen := templates[d.shape]
	if seen && tmpl.m != (pcommon.Map{}) {
		tmpl.m.CopyTo(m)
		if d.fillMap(0, m) {
			return tmpl
		}
		m = lr.Body().SetEmptyMap() // a hash collision: build it the ordinary way
	}
	d.buildMap(0, m)
	if seen || templates == nil || len(templates) >= maxBodyShapes {
		return nil
	}
	tmpl = &bodyTemplate{}
	if zero, ok := d.template(0); ok {
		tmpl.m = zero
	} // else remembered as unusable, so not retried
	templates[d.shape] = tmpl
	if tmpl.m == (pcommon.Map{}) {
		return nil
	}
	return tmpl
}

// maxAttrShapes bounds the attribute templates kept per decoder (real pages have a handful).
const maxAttrShapes = 256

// attrTemplate is an attribute map of one shape (which rules gave a value, whether the record is
// flagged), and the rule whose value goes to each of its attributes in order.
type attrTemplate struct {
	m     pcommon.Map
	slots []uint8 // rule index | value type << 6 for each attribute; then, when flagged, the conversion error
}

// attrTemplates holds the attribute templates by shape.
type attrTemplates map[uint64]*attrTemplate

// writeAttrs writes the values derived by l's rules (and the conversion error, last) to attrs.
// Records mostly share a few shapes: for each, a template map is copied, which needs no per-key
// duplicate search, and its values are overwritten in place. templates may be nil.
func (b *builder) writeAttrs(attrs pcommon.Map, l *layout, templates attrTemplates, vals []value) {
	convErr := ""
	if len(b.reasons) > 0 {
		convErr = strings.Join(b.reasons, "; ")
	}
	if templates == nil {
		b.putAttrs(attrs, l, vals, convErr)
		return
	}
	var shape uint64
	for r := range vals {
		if vals[r].set {
			shape |= 1 << r
		}
	}
	if convErr != "" {
		shape |= 1 << maxRules
	}
	tmpl, ok := templates[shape]
	if !ok {
		tmpl = &attrTemplate{m: pcommon.NewMap()}
		b.putAttrs(tmpl.m, l, vals, convErr)
		if len(templates) >= maxAttrShapes {
			tmpl.m.MoveTo(attrs)
			return
		}
		for r := range vals {
			for range l.rules[r].keys {
				if vals[r].set {
					tmpl.slots = append(tmpl.slots, uint8(r)|uint8(l.rules[r].typ)<<6)
				}
			}
		}
		templates[shape] = tmpl
	}
	if b.room > 0 { // sized before the copy, which then fills it in place
		attrs.EnsureCapacity(tmpl.m.Len() + b.room)
	}
	tmpl.m.CopyTo(attrs)
	i := 0
	for _, v := range attrs.All() {
		if i == len(tmpl.slots) {
			v.SetStr(convErr)
			continue
		}
		slot := tmpl.slots[i]
		i++
		if typ := valueType(slot >> 6); typ == typeStr {
			v.SetStr(b.textOf(&vals[slot&63]))
		} else {
			b.setValue(v, typ, &vals[slot&63])
		}
	}
}

// putAttrs writes the derived values with Put calls, in rule order, the conversion error last.
func (b *builder) putAttrs(attrs pcommon.Map, l *layout, vals []value, convErr string) {
	n := 0
	for r := range vals {
		if vals[r].set {
			n += len(l.rules[r].keys)
		}
	}
	if convErr != "" {
		n++
	}
	attrs.EnsureCapacity(attrs.Len() + n + b.room)
	for r := range vals {
		if v := &vals[r]; v.set {
			for _, k := range l.rules[r].keys {
				b.setValue(attrs.PutEmpty(k), l.rules[r].typ, v)
			}
		}
	}
	if convErr != "" {
		attrs.PutStr(AttrConversionError, convErr)
	}
}

// setValue sets pv to one derived value.
func (b *builder) setValue(pv pcommon.Value, typ valueType, v *value) {
	switch typ {
	case typeStr:
		pv.SetStr(b.textOf(v))
	case typeDouble:
		pv.SetDouble(v.f)
	case typeBool:
		pv.SetBool(v.b)
	case typeSlice:
		s := pv.SetEmptySlice()
		s.EnsureCapacity(int(v.n))
		for _, e := range b.list[v.off : v.off+v.n] {
			s.AppendEmpty().SetStr(e)
		}
	}
}
