// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import "strings"

// Stepping over values without building them. None of these recurse, so none has a depth limit.

// bitStack holds one bit per open container (set = object): what stepping over a value needs
// to remember, without recursion. Levels beyond 64 cost one word per 64.
type bitStack struct {
	n    int
	low  uint64   // levels 0..63
	high []uint64 // levels 64 and up
}

func (s *bitStack) push(object bool) {
	var b uint64
	if object {
		b = 1
	}
	i := s.n
	s.n++
	if i < 64 {
		s.low = s.low&^(1<<i) | b<<i
		return
	}
	i -= 64
	if i/64 == len(s.high) {
		s.high = append(s.high, 0)
	}
	s.high[i/64] = s.high[i/64]&^(1<<(i%64)) | b<<(i%64)
}

// top reports whether the innermost open container is an object; s must not be empty.
func (s *bitStack) top() bool {
	i := s.n - 1
	if i < 64 {
		return s.low>>i&1 == 1
	}
	i -= 64
	return s.high[i/64]>>(i%64)&1 == 1
}

func (s *bitStack) pop() { s.n-- }

// closerOf returns the byte that closes the container opened by c.
func closerOf(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

// skip validates and steps over the value at d.pos without building anything.
func (d *decoder) skip() bool {
	var open bitStack
	for {
		switch c := d.peek(); c { // d.pos is at a value
		case '{', '[':
			d.pos++
			d.ws()
			if d.peek() == closerOf(c) {
				d.pos++
				break
			}
			open.push(c == '{')
			if c == '{' {
				if _, ok := d.key(); !ok {
					return false
				}
			}
			continue
		case '"':
			if _, ok := d.str(); !ok {
				return false
			}
		case 't':
			if !d.literal("true") {
				return false
			}
		case 'f':
			if !d.literal("false") {
				return false
			}
		case 'n':
			if !d.literal("null") {
				return false
			}
		default:
			if _, _, ok := d.number(); !ok {
				return false
			}
		}
		// A value ended: close containers until one has a further member.
		for {
			if open.n == 0 {
				return true
			}
			object := open.top()
			closer := byte(']')
			if object {
				closer = '}'
			}
			more, ok := d.afterMember(closer)
			if !ok {
				return false
			}
			if more {
				if object {
					if _, ok := d.key(); !ok {
						return false
					}
				}
				break
			}
			open.pop()
		}
	}
}

// stringEnd returns the index just past the string whose opening quote is at src[i], finding
// the closing quote by the parity of the backslashes before it; nothing else is checked.
func (d *decoder) stringEnd(i int) (int, bool) {
	src := d.src
	j := i + 1
	for {
		q := strings.IndexByte(src[j:], '"')
		if q < 0 {
			return 0, d.fail(len(src), "unterminated string")
		}
		j += q
		bs := 0
		for k := j - 1; k > i && src[k] == '\\'; k-- {
			bs++
		}
		j++
		if bs%2 == 0 {
			return j, true
		}
	}
}

// skim steps over the value at d.pos matching only quotes and brackets; it is the cheap,
// non-validating cousin of skip. A scalar ends at ',', whitespace or a closing bracket.
func (d *decoder) skim() bool {
	src := d.src
	depth := 0
	for i := d.pos; i < len(src); i++ {
		switch src[i] {
		case '"':
			j, ok := d.stringEnd(i)
			if !ok {
				return false
			}
			if depth == 0 {
				d.pos = j
				return true
			}
			i = j - 1
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 { // the end of the enclosing object after a scalar
				d.pos = i
				return true
			}
			depth--
			if depth == 0 {
				d.pos = i + 1
				return true
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				d.pos = i
				return true
			}
		}
	}
	return d.fail(len(src), "unterminated value")
}

// extent is skim that also requires each bracket to close one of its own kind: it finds where a
// value that failed to tokenize ends, so that the values after it can still be read.
func (d *decoder) extent() bool {
	src := d.src
	var open bitStack
	for i := d.pos; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			j, ok := d.stringEnd(i)
			if !ok {
				return false
			}
			if open.n == 0 {
				d.pos = j
				return true
			}
			i = j - 1
		case '{', '[':
			open.push(c == '{')
		case '}', ']':
			if open.n == 0 {
				d.pos = i
				return true
			}
			if open.top() != (c == '}') {
				return d.fail(i, "'"+string(c)+"' closes a bracket of the other kind")
			}
			open.pop()
			if open.n == 0 {
				d.pos = i + 1
				return true
			}
		case ',', ' ', '\t', '\n', '\r':
			if open.n == 0 {
				d.pos = i
				return true
			}
		}
	}
	return d.fail(len(src), "unterminated value")
}
