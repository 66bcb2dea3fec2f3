// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

// Capture: one pass over a record's top-level members notes where each field a mapping reads is,
// so that deriving its attributes never searches the record again. Every source uses it; which
// fields it notes comes from the source's mapping (see layout).

// fieldSetSize is the size of fieldSet's table, a power of two well above any mapping's fields.
const fieldSetSize = 256

// fieldSet finds a captured field's index by name in about one comparison: an open-addressing
// table over a cheap hash of the name. A name that is not captured usually lands on an empty slot.
type fieldSet struct {
	names []string
	slot  [fieldSetSize]uint8 // index+1 of the field whose hash probes here; 0: none
}

func fieldHash(k string) uint {
	return (uint(len(k))*131 + uint(k[0])*31 + uint(k[len(k)/2])*7 + uint(k[len(k)-1])) % fieldSetSize
}

// add returns the index of name, adding it when new.
func (s *fieldSet) add(name string) int {
	if i := s.index(name); i >= 0 {
		return i
	}
	if name == "" || len(s.names) >= fieldSetSize/2 {
		panic("convert: a mapping captures an empty field name or too many fields")
	}
	s.names = append(s.names, name)
	h := fieldHash(name)
	for s.slot[h] != 0 {
		h = (h + 1) % fieldSetSize
	}
	s.slot[h] = uint8(len(s.names))
	return len(s.names) - 1
}

// index returns the index of name, or -1 when it is not captured.
func (s *fieldSet) index(name string) int {
	if name == "" {
		return -1
	}
	for h := fieldHash(name); ; h = (h + 1) % fieldSetSize {
		e := s.slot[h]
		if e == 0 {
			return -1
		}
		if s.names[e-1] == name {
			return int(e - 1)
		}
	}
}

// capture notes the tape index of the value of each captured field of the object at tape[0]
// (duplicate keys: the last wins, as in the body); -1 for a field that is absent, and for all of
// them when the record is not an object.
func (b *builder) capture(l *layout) {
	n := len(l.fields.names)
	if cap(b.at) < n {
		b.at = make([]int32, n)
	}
	at := b.at[:n]
	for i := range at {
		at[i] = -1
	}
	b.at = at
	if len(b.tape) == 0 || b.tape[0].kind != tObject {
		return
	}
	for j := 1; j < int(b.tape[0].end); j = b.next(j + 1) {
		if f := l.fields.index(b.text(&b.tape[j])); f >= 0 {
			at[f] = int32(j + 1)
		}
	}
}
