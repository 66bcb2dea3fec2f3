// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"bytes"
	"strings"
)

// Bounds of what a StreamSkimmer captures.
const (
	maxStreamCursor = 4 << 10 // endCursor, decoded
	maxStreamField  = 256     // the first event's eventId and timestamp, decoded
	maxStreamKey    = 64      // raw key text worth comparing ("resultData" all in \u escapes is 60)
	maxEscapedRatio = 6       // the longest escape, \uXXXX, decodes to at least one byte
)

// StreamSkimmer learns where a Monitor page goes on without holding it: fed the page in chunks
// of any size (it is an io.Writer), it tracks the JSON structure across chunk boundaries
// in constant memory and captures the first top-level "endCursor" (as SkimEndCursor), the number
// of elements of the first top-level "data" or "resultData" array, and the first event's
// top-level "eventId" and "timestamp" strings (the last of each, as AppendMonitorPage). It is for
// a page too large to decode: it validates the page's outline (an object of members, an array of
// events separated by commas) and nothing inside the events, and has no depth limit.
type StreamSkimmer struct {
	off   int64 // stream offset of the current chunk
	chunk []byte
	err   error

	phase skimPhase
	level int   // tracked containers open: 1 the page, 2 the events array, 3 the first event
	depth int64 // containers open inside the current value
	role  skimRole

	inString, escaped, inScalar, capturing, long bool
	scalar                                       [4]byte // the start of a scalar value, to recognise null
	scalarLen                                    int
	key, val                                     []byte // raw text of the key or captured string being read

	seenCursor, seenEvents bool
	eventsKey              string
	cursor                 string
	events                 int
	eventID, timestamp     string
}

// skimPhase is where the skimmer is in its innermost tracked container.
type skimPhase uint8

const (
	phStart       skimPhase = iota // before the page object
	phKeyOrClose                   // object just opened
	phKey                          // object, after ','
	phInKey                        // in a key string
	phColon                        // after a key
	phValue                        // object, after ':'
	phElemOrClose                  // array just opened
	phElem                         // array, after ','
	phInValue                      // in a scalar, a string or a container that is not tracked
	phAfter                        // after a value: ',' or the closer
	phDone                         // after the page object
)

// skimRole is what the value being read is, when it matters.
type skimRole uint8

const (
	roleNone skimRole = iota
	roleCursor
	roleEvents
	roleEventID
	roleTimestamp
)

// NewStreamSkimmer returns a skimmer at the start of a page.
func NewStreamSkimmer() *StreamSkimmer {
	return &StreamSkimmer{key: make([]byte, 0, maxStreamKey)}
}

// Cursor returns the page's endCursor; ok is false when it was absent, null, empty or not yet seen.
func (s *StreamSkimmer) Cursor() (cursor string, ok bool) { return s.cursor, s.cursor != "" }

// Events returns how many elements of the events array have begun so far.
func (s *StreamSkimmer) Events() int { return s.events }

// FirstEvent returns the first event's eventId and timestamp; each is "" when absent, not a
// string, longer than 256 bytes or not yet complete.
func (s *StreamSkimmer) FirstEvent() (eventID, timestamp string) { return s.eventID, s.timestamp }

// Complete reports whether the page object has closed (and nothing but whitespace followed).
func (s *StreamSkimmer) Complete() bool { return s.phase == phDone && s.err == nil }

// Write consumes the next chunk of the page. It returns an error (a *DecodeError, also returned
// by every later Write) once the input cannot be a Monitor page.
func (s *StreamSkimmer) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	s.chunk = p
	defer func() { s.chunk = nil }()
	for i := 0; i < len(p); i++ {
		if s.inString && !s.capturing && !s.escaped { // the bulk of a page: jump to the next quote or backslash
			j := bytes.IndexAny(p[i:], `"\`)
			if j < 0 {
				break
			}
			i += j
		}
		s.step(p[i], i)
		if s.err != nil {
			return i, s.err
		}
	}
	s.off += int64(len(p))
	return len(p), nil
}

// fail records a DecodeError at p[i] of the current chunk.
func (s *StreamSkimmer) fail(i int, msg string) {
	lo, hi := max(0, i-nearBytes/2), min(len(s.chunk), i+nearBytes/2)
	s.err = &DecodeError{Doc: docMonitorPage, Msg: msg, Offset: int(s.off) + i, Near: string(s.chunk[lo:hi])}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// step advances over one byte, p[i] of the current chunk.
func (s *StreamSkimmer) step(c byte, i int) {
	switch s.phase {
	case phStart:
		switch {
		case c == '{':
			s.level, s.phase = 1, phKeyOrClose
		case !isSpace(c):
			s.fail(i, "page is not a JSON object")
		}
	case phDone:
		if !isSpace(c) {
			s.fail(i, "unexpected data after the page object")
		}
	case phKeyOrClose, phKey:
		switch {
		case c == '"':
			s.phase, s.key, s.long, s.escaped = phInKey, s.key[:0], false, false
		case c == '}' && s.phase == phKeyOrClose:
			s.close()
		case !isSpace(c):
			s.broken(c, i, "expected string key")
		}
	case phInKey:
		if s.stringByte(c) {
			s.phase = phColon
			return
		}
		if len(s.key) < maxStreamKey {
			s.key = append(s.key, c)
		} else {
			s.long = true
		}
	case phColon:
		switch {
		case c == ':':
			s.phase, s.role = phValue, s.roleOf()
		case !isSpace(c):
			s.broken(c, i, "expected ':' after object key")
		}
	case phValue, phElem, phElemOrClose:
		switch {
		case isSpace(c):
		case c == ']' && s.phase == phElemOrClose:
			s.close()
		case c == ',' || c == ':' || c == ']' || c == '}':
			s.broken(c, i, "expected a JSON value")
		default:
			if s.level == 2 {
				s.events++
			}
			s.valueStart(c, i)
		}
	case phInValue:
		s.inValue(c, i)
	case phAfter:
		switch {
		case isSpace(c):
		case c == ',':
			s.phase = phKey
			if s.level == 2 {
				s.phase = phElem
			}
		case c == '}' && s.level != 2, c == ']' && s.level == 2:
			s.close()
		case s.level == 2:
			s.broken(c, i, "expected ',' or ']' after array element")
		default:
			s.broken(c, i, "expected ',' or '}' after object member")
		}
	}
}

// stringByte advances the string state over c and reports whether c closed the string.
func (s *StreamSkimmer) stringByte(c byte) bool {
	switch {
	case s.escaped:
		s.escaped = false
	case c == '\\':
		s.escaped = true
	case c == '"':
		s.inString = false
		return true
	}
	return false
}

// roleOf names the value of the key just read in a tracked object.
func (s *StreamSkimmer) roleOf() skimRole {
	if s.long {
		return roleNone
	}
	key := s.key
	if bytes.IndexByte(key, '\\') >= 0 { // rare: decode a copy
		k, ok := unescape(key)
		if !ok {
			return roleNone
		}
		key = []byte(k)
	}
	switch {
	case s.level == 1 && string(key) == "endCursor" && !s.seenCursor:
		s.seenCursor = true
		return roleCursor
	case s.level == 1 && string(key) == "data" && !s.seenEvents:
		s.seenEvents, s.eventsKey = true, "data"
		return roleEvents
	case s.level == 1 && string(key) == "resultData" && !s.seenEvents:
		s.seenEvents, s.eventsKey = true, "resultData"
		return roleEvents
	case s.level == 3 && string(key) == "eventId":
		return roleEventID
	case s.level == 3 && string(key) == "timestamp":
		return roleTimestamp
	}
	return roleNone
}

// unescape decodes the raw text of a JSON string (without its quotes) as AppendMonitorPage does.
func unescape(raw []byte) (string, bool) {
	var d decoder
	d.reset("", `"`+string(raw)+`"`)
	str, ok := d.str()
	return strings.Clone(str), ok && d.pos == len(d.src)
}

// valueStart begins the value whose first byte is c.
func (s *StreamSkimmer) valueStart(c byte, i int) {
	s.phase = phInValue
	switch s.role {
	case roleCursor:
		if c != '"' && c != 'n' {
			s.fail(i, "endCursor is not a string")
			return
		}
	case roleEvents:
		switch c {
		case '[':
			s.level, s.phase, s.role = 2, phElemOrClose, roleNone
			return
		case 'n':
		default:
			s.fail(i, s.eventsKey+" is not an array")
			return
		}
	case roleEventID:
		s.eventID = ""
	case roleTimestamp:
		s.timestamp = ""
	}
	switch c {
	case '"':
		s.inString, s.escaped = true, false
		s.capturing, s.val, s.long = s.role != roleNone, s.val[:0], false
	case '{', '[':
		if s.level == 2 && s.events == 1 && c == '{' {
			s.level, s.phase = 3, phKeyOrClose
			return
		}
		s.depth = 1
	default:
		s.inScalar, s.scalarLen = true, 0
		s.scalarByte(c)
	}
}

func (s *StreamSkimmer) scalarByte(c byte) {
	if s.scalarLen < len(s.scalar) {
		s.scalar[s.scalarLen] = c
	}
	s.scalarLen++
}

// inValue advances over c inside a value that is not a tracked container.
func (s *StreamSkimmer) inValue(c byte, i int) {
	switch {
	case s.inString:
		closed := s.stringByte(c)
		if s.capturing && !closed {
			s.capture(c, i)
			return
		}
		if closed && s.depth == 0 {
			s.valueEnd(i)
		}
	case s.depth > 0:
		switch c {
		case '"':
			s.inString, s.escaped = true, false
		case '{', '[':
			s.depth++
		case '}', ']':
			if s.depth--; s.depth == 0 {
				s.valueEnd(i)
			}
		}
	default: // a scalar, which ends where extent ends one
		switch c {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
			s.valueEnd(i)
			if s.err == nil {
				s.step(c, i)
			}
		case '"', '{', '[':
			if s.role == roleCursor || s.role == roleEvents {
				s.notScalar(s.role, i)
				return
			}
			s.role = roleNone // a run of garbage: neither field
			if c == '"' {
				s.inString, s.escaped = true, false
			} else {
				s.depth = 1
			}
		default:
			s.scalarByte(c)
		}
	}
}

// capture keeps c of a string value being captured, within the bound of its role.
func (s *StreamSkimmer) capture(c byte, i int) {
	limit := maxStreamField
	if s.role == roleCursor {
		limit = maxStreamCursor
	}
	if len(s.val) >= limit*maxEscapedRatio {
		if s.role == roleCursor {
			s.fail(i, "endCursor is longer than 4096 bytes")
		}
		s.long = true
		return
	}
	s.val = append(s.val, c)
}

// notScalar fails the page for a cursor or events value that is a bare word.
func (s *StreamSkimmer) notScalar(role skimRole, i int) {
	if role == roleCursor {
		s.fail(i, "endCursor is not a string")
	} else {
		s.fail(i, s.eventsKey+" is not an array")
	}
}

// valueEnd finishes the value that ended at p[i] and stores what it captured.
func (s *StreamSkimmer) valueEnd(i int) {
	role, scalar := s.role, s.inScalar
	s.phase, s.role, s.inScalar, s.depth = phAfter, roleNone, false, 0
	if scalar {
		if (role == roleCursor || role == roleEvents) && (s.scalarLen != 4 || string(s.scalar[:]) != "null") {
			s.notScalar(role, i)
		}
		return
	}
	if !s.capturing {
		return
	}
	s.capturing = false
	text, ok := "", false
	if !s.long {
		text, ok = unescape(s.val)
	}
	switch role {
	case roleCursor:
		switch {
		case !ok:
			var d decoder
			d.reset("", `"`+string(s.val)+`"`)
			d.str()
			msg := "endCursor is not a valid string"
			if de, isDE := d.err.(*DecodeError); isDE {
				msg = de.Msg
			}
			s.fail(i, msg)
		case len(text) > maxStreamCursor:
			s.fail(i, "endCursor is longer than 4096 bytes")
		default:
			s.cursor = text
		}
	case roleEventID, roleTimestamp:
		if !ok || len(text) > maxStreamField {
			text = ""
		}
		if role == roleEventID {
			s.eventID = text
		} else {
			s.timestamp = text
		}
	}
}

// close closes the innermost tracked container.
func (s *StreamSkimmer) close() {
	s.level--
	s.phase = phAfter
	if s.level == 0 {
		s.phase = phDone
	}
}

// broken handles c that breaks the structure: inside the first event it only ends the tracking of
// that event (AppendMonitorPage keeps a broken event as text); elsewhere the page is not a page.
func (s *StreamSkimmer) broken(c byte, i int, msg string) {
	if s.level != 3 {
		s.fail(i, msg)
		return
	}
	s.eventID, s.timestamp = "", ""
	s.level, s.phase, s.role, s.depth, s.inScalar, s.capturing = 2, phInValue, roleNone, 1, false, false
	s.inValue(c, i)
}
