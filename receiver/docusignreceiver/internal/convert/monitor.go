// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// Monitor pages: the page's outline, each event's identity (timestamp, eventId), and the events
// that cannot be tokenized. What an event's record carries is monitorMapping's.

const docMonitorPage = "monitor page"

// EventRef identifies one converted Monitor event, for checkpoints and de-duplication, and names
// the users it is about, for enrichment (EnrichActor, EnrichTarget).
type EventRef struct {
	ID        string    // eventId; "" when the event had none
	Timestamp time.Time // zero when the event's timestamp was missing or unparsable
	Actor     string    // the user who acted: the value of xdm.source.user.identifier; "" for none
	Target    string    // the user acted on: the value of xdm.target.user.identifier; "" for none
}

// PageStats counts what AppendMonitorPage did with a page.
type PageStats struct {
	Events  int // records appended
	Flagged int // records appended with AttrConversionError set (those kept as raw text included)
}

// SkimEndCursor returns "endCursor" from a Monitor page without decoding the events, so the next
// fetch can start before this page is converted. ok is false when the key is absent, null or
// empty. Only the first top-level "endCursor" counts (AppendMonitorPage agrees). The events are
// stepped over, not validated: a page can skim fine and still fail AppendMonitorPage. body must
// not change during the call.
func SkimEndCursor(body []byte) (cursor string, ok bool, err error) {
	// A read-only view for the duration of this call; the cursor returned is always a copy.
	src := unsafe.String(unsafe.SliceData(body), len(body))
	d := decoder{doc: docMonitorPage, src: src}
	d.ws()
	if d.peek() != '{' {
		d.fail(d.pos, "page is not a JSON object")
		return "", false, d.err
	}
	d.pos++
	d.ws()
	if d.peek() == '}' {
		return "", false, nil
	}
	for {
		k, kok := d.key()
		if !kok {
			return "", false, d.err
		}
		if k == "endCursor" {
			return d.cursorValue()
		}
		if !d.skim() {
			return "", false, d.err
		}
		more, mok := d.afterMember('}')
		if !mok {
			return "", false, d.err
		}
		if !more {
			return "", false, nil
		}
	}
}

// cursorValue reads the endCursor value at d.pos and returns a copy of it.
func (d *decoder) cursorValue() (string, bool, error) {
	switch d.peek() {
	case '"':
		s, ok := d.str()
		if !ok {
			return "", false, d.err
		}
		return strings.Clone(s), s != "", nil
	case 'n':
		if !d.literal("null") {
			return "", false, d.err
		}
		return "", false, nil
	}
	d.fail(d.pos, "endCursor is not a string")
	return "", false, d.err
}

// PageOption changes how AppendMonitorPage builds records.
type PageOption uint8

// WithRoomForIdentities sizes each record's attributes for what EnrichActor and EnrichTarget add,
// so that enriching a record does not copy its attributes to a larger map. A receiver that does
// not enrich leaves it out: the room costs about 400 bytes per record.
const WithRoomForIdentities PageOption = 1

// pageDecoder is a builder plus the per-page state reused across events.
type pageDecoder struct {
	builder
	arena  arena
	attrs  attrTemplates // see writeAttrs
	bodies bodyTemplates // see body
	// eventBytes is the average event size of the last page, to size dst once instead of growing it.
	eventBytes int
	budget     int // tokens the page's remaining events may still put on the tape, see maxPageValues
}

// maxPageEvents bounds the events of one page (the API sends at most 2,000): a page of millions of
// tiny events would cost hundreds of bytes of pdata per byte.
const maxPageEvents = 20_000

// msgPageValues is the DecodeError message for an event beyond maxPageValues.
const msgPageValues = "the page has more than 1048576 values"

// Largest buffers a pooled decoder keeps for the next page.
const (
	keepTape    = 1 << 16
	keepScratch = 1 << 20
)

var pageDecoders = sync.Pool{New: func() any {
	d := &pageDecoder{attrs: make(attrTemplates), bodies: make(bodyTemplates), eventBytes: 1024}
	d.upper = make(map[string]string)
	return d
}}

// AppendMonitorPage decodes a Monitor stream page ({"endCursor": …, "data": [ … ]}, or the newer
// "resultData" instead of "data") and appends one log record per event to dst, in page order,
// as monitorMapping (monitor_mapping.go) says. refs is truncated and receives one EventRef per
// appended record. Events beyond maxPageValues in all are kept as text.
//
// An event that cannot be fully converted is still appended, flagged with AttrConversionError
// and counted in PageStats.Flagged; one that cannot be tokenized at all (invalid JSON, nested
// deeper than 512 levels, too many values) is kept as its raw text, so one bad event never fails
// the page. A page whose structure is damaged (not an object, truncated, unbalanced brackets,
// anything but ',' between events, members of the wrong type, more than 20,000 events) returns a
// *DecodeError and leaves dst as it was.
//
// body is only read during the call (it must not change meanwhile); the records hold copies of
// its text.
func AppendMonitorPage(body []byte, dst plog.LogRecordSlice, observed pcommon.Timestamp, refs []EventRef, opts ...PageOption) (cursor string, _ []EventRef, _ PageStats, err error) {
	refs = refs[:0]
	start := dst.Len()
	d := pageDecoders.Get().(*pageDecoder)
	for _, o := range opts {
		if o == WithRoomForIdentities {
			d.room = roomForIdentities
		}
	}
	defer func() {
		d.room = 0
		d.reset("", "")
		if cap(d.tape) > keepTape {
			d.tape, d.strs = nil, nil
		}
		if cap(d.scratch) > keepScratch {
			d.scratch = nil
		}
		clear(d.reasons)
		clear(d.list)
		clear(d.texts)
		d.startRecord()
		d.ip = ipCache{}
		if len(d.upper) > 1024 {
			clear(d.upper)
		}
		pageDecoders.Put(d)
	}()
	// Borrow body for the call; what the records keep is copied event by event into d.arena.
	d.reset(docMonitorPage, unsafe.String(unsafe.SliceData(body), len(body)))

	var stats PageStats
	cursor, refs, stats = d.page(dst, observed, refs)
	if d.err != nil {
		n := 0
		dst.RemoveIf(func(plog.LogRecord) bool {
			n++
			return n > start
		})
		clear(refs)
		return "", refs[:0], PageStats{}, d.err
	}
	compactIDs(refs)
	return strings.Clone(cursor), refs, stats, nil
}

// compactIDs moves the event ids into one allocation, so a caller keeping them for de-duplication
// does not pin the records' text; the actors and targets go into another, so the ids kept do not
// pin those either.
func compactIDs(refs []EventRef) {
	ids, users := 0, 0
	for i := range refs {
		ids += len(refs[i].ID)
		users += len(refs[i].Actor) + len(refs[i].Target)
	}
	var b, u strings.Builder
	b.Grow(ids)
	u.Grow(users)
	for i := range refs {
		b.WriteString(refs[i].ID)
		u.WriteString(refs[i].Actor)
		u.WriteString(refs[i].Target)
	}
	allIDs, allUsers := b.String(), u.String()
	off, uoff := 0, 0
	cut := func(all string, off *int, n int) string {
		s := all[*off : *off+n]
		*off += n
		return s
	}
	for i := range refs {
		r := &refs[i]
		r.ID = cut(allIDs, &off, len(r.ID))
		r.Actor = cut(allUsers, &uoff, len(r.Actor))
		r.Target = cut(allUsers, &uoff, len(r.Target))
	}
}

func (d *pageDecoder) page(dst plog.LogRecordSlice, observed pcommon.Timestamp, refs []EventRef) (string, []EventRef, PageStats) {
	var stats PageStats
	var cursor string
	d.budget = maxPageValues
	if !d.checkSize() {
		return "", refs, stats
	}
	d.ws()
	if d.peek() != '{' {
		d.fail(d.pos, "page is not a JSON object")
		return "", refs, stats
	}
	d.pos++
	d.ws()
	seenCursor, seenEvents := false, false
	if d.peek() != '}' {
		for {
			k, ok := d.key()
			if !ok {
				return "", refs, stats
			}
			switch {
			case k == "endCursor" && !seenCursor:
				seenCursor = true
				at := d.pos
				switch d.peek() {
				case '"':
					cursor, _ = d.str()
				case 'n':
					d.literal("null")
				default:
					d.fail(at, "endCursor is not a string")
				}
			case (k == "data" || k == "resultData") && !seenEvents:
				seenEvents = true
				switch d.peek() {
				case '[':
					refs = d.events(dst, observed, refs, &stats)
				case 'n':
					d.literal("null")
				default:
					d.fail(d.pos, k+" is not an array")
				}
			default:
				d.skip()
			}
			if d.err != nil {
				return "", refs, stats
			}
			more, ok := d.afterMember('}')
			if !ok {
				return "", refs, stats
			}
			if !more {
				break
			}
		}
	} else {
		d.pos++
	}
	d.ws()
	if d.pos < len(d.src) {
		d.fail(d.pos, "unexpected data after the page object")
	} else if !seenCursor && !seenEvents {
		d.fail(0, `page has neither "data" nor "resultData" nor "endCursor"`)
	}
	return cursor, refs, stats
}

// events decodes the events array at d.pos.
func (d *pageDecoder) events(dst plog.LogRecordSlice, observed pcommon.Timestamp, refs []EventRef, stats *PageStats) []EventRef {
	d.pos++
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return refs
	}
	startPos, startLen := d.pos, dst.Len()
	expect := min((len(d.src)-d.pos)/d.eventBytes+1, maxPageEvents)
	dst.EnsureCapacity(startLen + expect)
	defer func() {
		if n := dst.Len() - startLen; n > 0 {
			d.eventBytes = max((d.pos-startPos)/n, 64)
		}
	}()
	for {
		if dst.Len()-startLen == maxPageEvents {
			d.fail(d.pos, "page has more than "+strconv.Itoa(maxPageEvents)+" events")
			return refs
		}
		lr := dst.AppendEmpty()
		at := d.pos
		ref, flagged := d.event(lr, observed)
		if d.err != nil {
			if !d.keepRaw(lr, at) {
				return refs
			}
			ref, flagged = EventRef{}, true
		}
		refs = append(refs, ref)
		stats.Events++
		if flagged {
			stats.Flagged++
		}
		more, ok := d.afterMember(']')
		if !more || !ok {
			return refs
		}
	}
}

// event decodes one event at d.pos into lr and derives timestamp, severity and attributes.
func (d *pageDecoder) event(lr plog.LogRecord, observed pcommon.Timestamp) (EventRef, bool) {
	l := monitorLayout
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(l.m.eventName)
	d.startRecord()
	d.newTape()
	start := d.pos
	d.limit, d.limitMsg = maxEventValues, msgTooManyValues
	if d.budget < maxEventValues {
		d.limit, d.limitMsg = max(d.budget, 0), msgPageValues
	}
	if !d.tokenize(0) {
		return EventRef{}, false
	}
	d.budget -= len(d.tape) + (containerWeight-1)*d.nested
	d.keep, d.keepBase = d.arena.copy(d.src[start:d.pos]), start
	var ref EventRef
	if d.tape[0].kind != tObject {
		d.capture(l)
		lr.Body().SetStr(validUTF8(d.keep))
		d.flag("event is not a JSON object")
	} else {
		// An event of a structure seen before has its fields where that structure has them (the
		// templates of a pageDecoder only ever serve monitorLayout).
		switch tmpl := d.body(lr, d.bodies); {
		case tmpl != nil && tmpl.at != nil:
			d.at = append(d.at[:0], tmpl.at...)
		case tmpl != nil:
			d.capture(l)
			tmpl.at = slices.Clone(d.at)
		default:
			d.capture(l)
		}
		if d.numText {
			d.flag("a number does not fit a float64 and was kept as text")
		}
		ref = d.identify(lr, l)
	}
	var vals values
	d.derive(l, "", vals[:len(l.rules)])
	if v := &vals[l.actor]; v.set {
		ref.Actor = d.textOf(v)
	}
	if v := &vals[l.target]; v.set {
		ref.Target = d.textOf(v)
	}
	d.severity(lr, l)
	d.writeAttrs(lr.Attributes(), l, d.attrs, vals[:len(l.rules)])
	return ref, len(d.reasons) > 0
}

// identify reads the event's timestamp into lr and ref, and its id into ref, flagging what is
// missing or malformed.
func (d *pageDecoder) identify(lr plog.LogRecord, l *layout) EventRef {
	var ref EventRef
	ts, id := l.m.timestamp, l.m.id
	switch i := d.at[l.timestamp]; {
	case i < 0 || d.tape[i].kind == tNull:
		d.flag(ts + " is missing")
	case d.tape[i].kind != tStr && d.tape[i].kind != tNumText:
		d.flag(ts + " is not a string")
	default:
		t, ok := parseTimestamp(d.text(&d.tape[i]))
		if !ok {
			d.flag(ts + " is not an RFC 3339 time")
			break
		}
		ref.Timestamp = t
		if ns, ok := toUnixNano(t); ok {
			lr.SetTimestamp(pcommon.Timestamp(ns))
		} else {
			d.flag(ts + " is out of range")
		}
	}
	switch i := d.at[l.id]; {
	case i < 0 || d.tape[i].kind == tNull:
		d.flag(id + " is missing")
	case d.tape[i].kind != tStr && d.tape[i].kind != tNumText:
		d.flag(id + " is not a string")
	default:
		if ref.ID = d.text(&d.tape[i]); ref.ID == "" {
			d.flag(id + " is empty")
		}
	}
	return ref
}

// keepRaw turns lr, whose event at start failed to tokenize, into a record of the event's raw
// text, flagged with why, when the event's extent can still be found; then the page goes on.
// It returns false, keeping the page error, when the page itself is damaged there.
func (d *pageDecoder) keepRaw(lr plog.LogRecord, start int) bool {
	var failed *DecodeError
	if !errors.As(d.err, &failed) {
		return false
	}
	d.err, d.pos = nil, start
	if !d.extent() {
		switch failed.Msg {
		case msgTooDeep, msgTooManyValues, msgPageValues: // limits: the extent's fault says what is wrong
		default: // a syntax error: the first fault found is the better description
			d.err = failed
		}
		return false
	}
	if d.pos == start { // no value here at all: a missing element, not a bad one
		d.err = failed
		return false
	}
	var reason string
	switch failed.Msg {
	case msgTooDeep:
		reason = "event nested deeper than 512 levels"
	case msgTooManyValues:
		reason = "event has " + msgTooManyValues
	case msgPageValues:
		reason = "event kept as text: " + msgPageValues
	default:
		reason = "event is not valid JSON: " + failed.Msg + " at byte offset " + strconv.Itoa(failed.Offset-start) + " of the event"
	}
	lr.Body().SetStr(validUTF8(d.arena.copy(d.src[start:d.pos])))
	lr.Attributes().PutStr(AttrConversionError, reason)
	return true
}
