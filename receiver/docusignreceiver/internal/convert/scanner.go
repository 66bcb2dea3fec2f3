// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxDepth bounds the container nesting that is turned into pdata, so hostile input cannot
// exhaust the stack; values that are only stepped over have no depth limit.
const maxDepth = 512

// msgTooDeep is the DecodeError message for nesting beyond maxDepth.
const msgTooDeep = "nesting too deep"

// maxEventValues bounds the tokens (values and keys) of one event or user record: each costs
// tens of bytes of tape and pdata for its one or two bytes of input. Real ones hold about a hundred.
const maxEventValues = 1 << 17

// msgTooManyValues is the DecodeError message for a record beyond maxEventValues.
const msgTooManyValues = "more than 131072 values"

// bigObject is the member count above which an object's map is built without pcommon.Map's Put,
// whose search of the keys already there would make an object of many members quadratic.
const bigObject = 256

// nearBytes is how much of the input a DecodeError quotes (half before, half after the offset).
const nearBytes = 64

// DecodeError reports malformed input: what was wrong, the byte offset, and the bytes around it.
type DecodeError struct {
	Doc    string // what was being decoded, e.g. "monitor page"
	Msg    string
	Offset int
	Near   string // at most nearBytes bytes of the input around Offset
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%s: %s at byte offset %d near %q", e.Doc, e.Msg, e.Offset, e.Near)
}

func newDecodeError(doc, src string, off int, msg string) *DecodeError {
	lo, hi := max(0, off-nearBytes/2), min(len(src), off+nearBytes/2)
	if lo > hi {
		lo = hi
	}
	return &DecodeError{Doc: doc, Msg: msg, Offset: off, Near: strings.Clone(src[lo:hi])} // src may be borrowed
}

// kind is the JSON type of the value just decoded; kindAbsent means the key was not seen.
type kind uint8

const (
	kindAbsent kind = iota
	kindNull
	kindString
	kindNumber
	kindBool
	kindObject
	kindArray
)

// strPlain marks bytes that may appear unescaped in a JSON string and need no further look.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// decoder is a strict JSON scanner over one document. It tokenizes a value onto a tape, then
// builds pdata from the tape. Text tokens point into src (or keep); the strings handed to pdata
// are substrings of keep, never copies of their own.
type decoder struct {
	doc     string
	src     string
	pos     int
	err     error
	scratch []byte

	// keep holds the bytes of src from offset keepBase on that text tokens resolve to: src itself,
	// or a copy of the current event when src is a borrowed view of the caller's buffer.
	keep     string
	keepBase int

	tape    []tok
	strs    []string // unescaped strings the tape refers to
	copied  bool     // the last str had to be unescaped (it is not a substring of src)
	numText bool     // the tape holds a number kept as text
	shape   uint64   // hash of the tape's structure (kinds, sizes, keys), see mixShape
	nested  int      // containers on the tape

	limit    int    // tokens the tape may hold
	limitMsg string // the DecodeError message when a value would go beyond limit
}

// newTape starts a new tape for the next value.
func (d *decoder) newTape() {
	d.tape, d.numText, d.shape, d.nested = d.tape[:0], false, 0, 0
	clear(d.strs)
	d.strs = d.strs[:0]
}

func (d *decoder) reset(doc, src string) {
	d.doc, d.src, d.pos, d.err = doc, src, 0, nil
	d.keep, d.keepBase = src, 0
	d.limit, d.limitMsg = maxEventValues, msgTooManyValues
	d.newTape()
}

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

// checkSize rejects documents whose offsets do not fit the tape's int32 fields.
func (d *decoder) checkSize() bool {
	if len(d.src) > math.MaxInt32 {
		d.err = &DecodeError{Doc: d.doc, Msg: "document larger than 2 GiB", Offset: math.MaxInt32}
		return false
	}
	return true
}

func (d *decoder) fail(off int, msg string) bool {
	if d.err == nil {
		if off >= len(d.src) {
			msg += " (unexpected end of input: truncated?)"
		}
		d.err = newDecodeError(d.doc, d.src, off, msg)
	}
	return false
}

func (d *decoder) ws() {
	for d.pos < len(d.src) {
		switch d.src[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) peek() byte {
	if d.pos < len(d.src) {
		return d.src[d.pos]
	}
	return 0
}

// afterMember consumes whitespace and the separator after an object member or array element;
// it returns (more, ok).
func (d *decoder) afterMember(closer byte) (bool, bool) {
	d.ws()
	switch d.peek() {
	case ',':
		d.pos++
		d.ws()
		return true, true
	case closer:
		d.pos++
		return false, true
	}
	if closer == '}' {
		return false, d.fail(d.pos, "expected ',' or '}' after object member")
	}
	return false, d.fail(d.pos, "expected ',' or ']' after array element")
}

// key reads an object key and the ':' after it; d.pos must be at the key.
func (d *decoder) key() (string, bool) {
	if d.peek() != '"' {
		return "", d.fail(d.pos, "expected string key")
	}
	k, ok := d.str()
	if !ok {
		return "", false
	}
	d.ws()
	if d.peek() != ':' {
		return "", d.fail(d.pos, "expected ':' after object key")
	}
	d.pos++
	d.ws()
	return k, true
}

// str reads a JSON string at d.pos (which is '"'). Invalid UTF-8 and lone surrogates become
// U+FFFD, as encoding/json does.
func (d *decoder) str() (string, bool) {
	d.copied = false
	src := d.src
	start := d.pos + 1
	i := start
	for {
		// Eight bytes at a time to the first quote, backslash, control byte or non-ASCII byte:
		// the lowest flagged lane is exact, so no byte-by-byte loop (and no mispredicted exit).
		for i+8 <= len(src) {
			x := uint64(src[i]) | uint64(src[i+1])<<8 | uint64(src[i+2])<<16 | uint64(src[i+3])<<24 |
				uint64(src[i+4])<<32 | uint64(src[i+5])<<40 | uint64(src[i+6])<<48 | uint64(src[i+7])<<56
			q, b := x^(lsb*'"'), x^(lsb*'\\')
			if m := ((x-lsb*0x20)&^x | (q-lsb)&^q | (b-lsb)&^b | x) & msb; m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(src) && strPlain[src[i]] { // the last few bytes of the input
			i++
		}
		if i >= len(src) {
			return "", d.fail(i, "unterminated string")
		}
		switch c := src[i]; {
		case c == '"':
			d.pos = i + 1
			return src[start:i], true
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size == 1 {
				return d.strSlow(start, i)
			}
			i += size
		case c == '\\':
			return d.strSlow(start, i)
		default:
			return "", d.fail(i, "control character in string")
		}
	}
}

// Byte-lane constants for the eight-bytes-at-a-time string scan.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// strSlow continues str from i once an escape or invalid UTF-8 forces a copy.
func (d *decoder) strSlow(start, i int) (string, bool) {
	src := d.src
	d.copied = true
	b := append(d.scratch[:0], src[start:i]...)
	defer func() { d.scratch = b[:0] }()
	for i < len(src) {
		c := src[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(b), true
		case c == '\\':
			if i+1 >= len(src) {
				return "", d.fail(i+1, "unterminated escape in string")
			}
			switch e := src[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := hex4(src, i+2)
				if !ok {
					return "", d.fail(i, "invalid \\u escape in string")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if r2, ok2 := hex4(src, i+2); ok2 && i+1 < len(src) && src[i] == '\\' && src[i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							b = utf8.AppendRune(b, dec)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default:
				return "", d.fail(i, "invalid escape in string")
			}
			i += 2
		case c < 0x20:
			return "", d.fail(i, "control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, src[i:i+size]...)
			}
			i += size
		default:
			b = append(b, c)
			i++
		}
	}
	return "", d.fail(i, "unterminated string")
}

func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number scans a JSON number at d.pos and reports its text and whether it is an integer literal.
func (d *decoder) number() (raw string, integer bool, ok bool) {
	src := d.src
	start, i := d.pos, d.pos
	if i < len(src) && src[i] == '-' {
		i++
	}
	switch {
	case i < len(src) && src[i] == '0':
		i++
	case i < len(src) && '1' <= src[i] && src[i] <= '9':
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
	default:
		return "", false, d.fail(start, "expected a JSON value")
	}
	integer = true
	if i < len(src) && src[i] == '.' {
		integer = false
		i++
		j := i
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
		if i == j {
			return "", false, d.fail(i, "invalid number: no digits after '.'")
		}
	}
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		integer = false
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		j := i
		for i < len(src) && '0' <= src[i] && src[i] <= '9' {
			i++
		}
		if i == j {
			return "", false, d.fail(i, "invalid number: no digits in exponent")
		}
	}
	d.pos = i
	return src[start:i], integer, true
}

// validUTF8 returns s with each byte of invalid UTF-8 replaced by U+FFFD (as string values
// are), so raw text kept as a body never makes an exporter's encoder fail.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// isJSONNumber reports whether s is exactly one JSON number (no sign but '-', no NaN, Inf or hex).
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case digits() == 0:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// parseInt is strconv.ParseInt for a validated integer literal, without the error allocation.
func parseInt(raw string) (int64, bool) {
	neg := raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) > 18 {
		v, err := strconv.ParseInt(raw, 10, 64)
		return v, err == nil
	}
	var v int64
	for i := 0; i < len(digits); i++ {
		v = v*10 + int64(digits[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

func (d *decoder) literal(word string) bool {
	if len(d.src)-d.pos >= len(word) && d.src[d.pos:d.pos+len(word)] == word {
		d.pos += len(word)
		return true
	}
	return d.fail(d.pos, "invalid literal")
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

// jsonKind is the JSON type of the token, for attribute derivation.
func (t *tok) jsonKind() kind {
	switch t.kind {
	case tStr, tNumText:
		return kindString
	case tInt, tDouble:
		return kindNumber
	case tTrue, tFalse:
		return kindBool
	case tNull:
		return kindNull
	case tObject:
		return kindObject
	case tArray:
		return kindArray
	}
	return kindAbsent
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

// fieldAt returns the value at tape[i] as a field (kindAbsent for i < 0).
func (d *decoder) fieldAt(i int) field {
	if i < 0 {
		return field{}
	}
	t := &d.tape[i]
	f := field{kind: t.jsonKind()}
	switch f.kind {
	case kindString:
		f.s = d.text(t)
	case kindNumber:
		f.num = t.float()
	}
	return f
}

// field is one captured value: its JSON kind and, for strings, the text; for numbers, the value.
type field struct {
	kind kind
	s    string
	num  float64
}
