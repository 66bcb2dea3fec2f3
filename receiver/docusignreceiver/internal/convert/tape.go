// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"math"
	"strconv"
	"strings"
)

// The tape: one value tokenized into a flat, pointer-free slice, which pdata.go builds from and
// capture.go and derive.go read the mapping's fields from.

// arenaChunk is the size of the blocks that page text is copied into.
const arenaChunk = 32 << 10

// arena copies strings into shared blocks, so a page's text costs a few allocations instead of
// one per string, without keeping the caller's buffer. A strings.Builder never rewrites bytes
// it has handed out, so the strings stay valid as the block fills.
type arena struct{ b strings.Builder }

func (a *arena) copy(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > arenaChunk/4:
		return strings.Clone(s)
	case a.b.Cap()-a.b.Len() < len(s):
		a.b = strings.Builder{}
		a.b.Grow(arenaChunk)
	}
	start := a.b.Len()
	a.b.WriteString(s)
	return a.b.String()[start:]
}

// tkind is the type of one tape token.
type tkind uint8

const (
	tStr     tkind = iota + 1
	tKey           // an object member's key; its value follows
	tInt           // integer literal that fits int64
	tDouble        // any other number
	tNumText       // a number beyond float64, kept as its text
	tTrue
	tFalse
	tNull
	tObject // n members (key + value tokens) follow, up to end
	tArray  // n elements follow, up to end
)

// tok is one token of a decoded value. Decoding first fills a reused tape of tokens, then builds
// pdata from it, so every map and slice is allocated once at its exact size. A tok holds no
// pointers (text is an offset into src, or into strs when it had to be unescaped), so filling
// the tape costs no GC write barriers.
type tok struct {
	num  uint64 // tInt: int64 bits; tDouble: float64 bits
	off  int32  // text tokens: offset into src, or index into strs when esc
	ln   int32  // text tokens: length in src
	n    int32  // tObject, tArray: member or element count
	end  int32  // tObject, tArray: index just past the container's last token
	kind tkind
	esc  bool
}

// float returns a number token's value.
func (t *tok) float() float64 {
	if t.kind == tInt {
		return float64(int64(t.num))
	}
	return math.Float64frombits(t.num)
}

// text returns a text token's string.
func (d *decoder) text(t *tok) string {
	if t.esc {
		return d.strs[t.off]
	}
	off := int(t.off) - d.keepBase
	return d.keep[off : off+int(t.ln)]
}

// push appends a zero token of the given kind and returns it for the caller to fill in place
// (building a tok elsewhere and copying it in stalls on store forwarding).
func (d *decoder) push(kind tkind) *tok {
	d.tape = append(d.tape, tok{})
	t := &d.tape[len(d.tape)-1]
	t.kind = kind
	return t
}

// pushText appends a token for s, just read by str starting at start.
func (d *decoder) pushText(kind tkind, s string, start int) {
	t := d.push(kind)
	if d.copied {
		d.strs = append(d.strs, s)
		t.off, t.esc = int32(len(d.strs)-1), true
		return
	}
	t.off, t.ln = int32(start), int32(len(s))
}

// tokenize appends the tokens of the JSON value at d.pos to d.tape.
func (d *decoder) tokenize(depth int) bool {
	if len(d.tape) >= d.limit { // checked before every value, and so after every key
		return d.fail(d.pos, d.limitMsg)
	}
	switch c := d.peek(); c {
	case '"':
		start := d.pos + 1
		s, ok := d.str()
		if !ok {
			return false
		}
		d.pushText(tStr, s, start)
		d.mixShape(uint64(tStr))
		return true
	case '{', '[':
		if depth >= maxDepth {
			return d.fail(d.pos, msgTooDeep)
		}
		at := len(d.tape)
		d.nested++
		closer := byte(']')
		if c == '{' {
			closer = '}'
			d.push(tObject)
		} else {
			d.push(tArray)
		}
		d.pos++
		d.ws()
		n := int32(0)
		if d.peek() == closer {
			d.pos++
		} else {
			for {
				if c == '{' {
					start := d.pos + 1
					k, ok := d.key()
					if !ok {
						return false
					}
					d.pushText(tKey, k, start)
					d.mixShape(keyShape(k))
				}
				if !d.tokenize(depth + 1) {
					return false
				}
				n++
				more, ok := d.afterMember(closer)
				if !ok {
					return false
				}
				if !more {
					break
				}
			}
		}
		d.tape[at].n, d.tape[at].end = n, int32(len(d.tape))
		d.mixShape(uint64(d.tape[at].kind) | uint64(n)<<8)
		return true
	case 't':
		d.push(tTrue)
		d.mixShape(uint64(tTrue))
		return d.literal("true")
	case 'f':
		d.push(tFalse)
		d.mixShape(uint64(tFalse))
		return d.literal("false")
	case 'n':
		d.push(tNull)
		d.mixShape(uint64(tNull))
		return d.literal("null")
	default:
		start := d.pos
		raw, integer, ok := d.number()
		if !ok {
			return false
		}
		t := d.push(tNumText)
		setNumber(t, raw, integer)
		if t.kind == tNumText {
			t.off, t.ln = int32(start), int32(len(raw))
			d.numText = true
		}
		d.mixShape(uint64(t.kind))
		return true
	}
}

// mixShape folds x into the structural hash (FNV-1a style). The hash only picks a candidate
// template; fillMap checks every key and size, so a collision costs time, never correctness.
func (d *decoder) mixShape(x uint64) {
	d.shape = (d.shape ^ x) * 0x100000001b3
}

// keyShape summarises a key cheaply: its length and three of its bytes.
func keyShape(k string) uint64 {
	if k == "" {
		return 1 << 63
	}
	return uint64(len(k)) | uint64(k[0])<<16 | uint64(k[len(k)/2])<<24 | uint64(k[len(k)-1])<<32 | 1<<62
}

// setNumber applies the int/double rule to t: an integer literal that fits int64 is Int, any
// other number is Double; one too large for float64 stays tNumText (its text set by the caller).
func setNumber(t *tok, raw string, integer bool) {
	if integer {
		if n, ok := parseInt(raw); ok {
			t.kind, t.num = tInt, uint64(n)
			return
		}
	}
	if f, err := strconv.ParseFloat(raw, 64); err == nil {
		t.kind, t.num = tDouble, math.Float64bits(f)
	}
}

// next returns the index of the token after the value at tape[i].
func (d *decoder) next(i int) int {
	if k := d.tape[i].kind; k == tObject || k == tArray {
		return int(d.tape[i].end)
	}
	return i + 1
}

// member returns the index of the value of key in the object at tape[obj] (the last one if the
// key repeats), or -1.
func (d *decoder) member(obj int, key string) int {
	if obj < 0 || d.tape[obj].kind != tObject {
		return -1
	}
	found := -1
	for j := obj + 1; j < int(d.tape[obj].end); j = d.next(j + 1) {
		if d.text(&d.tape[j]) == key {
			found = j + 1
		}
	}
	return found
}
