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
)

// The scanner: a strict JSON reader over one document, a byte offset at a time. tape.go turns
// what it reads into tokens; step.go steps over values without keeping them.

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

// maxPageValues bounds the tokens of all the records of a page that are kept at once (a real
// Monitor page holds about 250,000 with containers weighted, a users page a tenth of that), so
// that what a page costs stays bounded whatever its records.
const maxPageValues = 1 << 20

// containerWeight is what a container counts for against maxPageValues: its pdata costs about
// as much as that many scalars.
const containerWeight = 4

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
