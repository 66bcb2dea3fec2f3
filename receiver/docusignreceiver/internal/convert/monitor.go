// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

const docMonitorPage = "monitor page"

// EventRef identifies one converted Monitor event, for checkpoints and de-duplication.
type EventRef struct {
	ID        string    // eventId; "" when the event had none
	Timestamp time.Time // zero when the event's timestamp was missing or unparsable
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

// pageDecoder is a decoder plus the per-page state reused across events.
type pageDecoder struct {
	decoder
	reasons []string
	upper   map[string]string // action/result → upper-case, so common words do not allocate per record
	arena   arena
	shapes  map[uint64]pcommon.Map // attribute templates by set of slots, see writeAttrs
	bodies  map[uint64]pcommon.Map // body templates by structure hash, see body
	// eventBytes is the average event size of the last page, to size dst once instead of growing it.
	eventBytes int
	budget     int // tokens the page's remaining events may still put on the tape, see maxPageValues
}

// maxPageEvents bounds the events of one page (the API sends at most 2,000): a page of millions of
// tiny events would cost hundreds of bytes of pdata per byte.
const maxPageEvents = 20_000

// maxPageValues bounds the tokens of all a page's events (a real page holds about 250,000 with
// containers weighted), so that its pdata stays bounded whatever the events; the events beyond
// are kept as text.
const maxPageValues = 1 << 20

// containerWeight is what a container counts for against maxPageValues: its pdata costs about
// as much as that many scalars.
const containerWeight = 4

// msgPageValues is the DecodeError message for an event beyond maxPageValues.
const msgPageValues = "the page has more than 1048576 values"

// Largest buffers a pooled decoder keeps for the next page.
const (
	keepTape    = 1 << 16
	keepScratch = 1 << 20
)

var pageDecoders = sync.Pool{New: func() any {
	return &pageDecoder{upper: make(map[string]string), shapes: make(map[uint64]pcommon.Map), bodies: make(map[uint64]pcommon.Map), eventBytes: 1024}
}}

// AppendMonitorPage decodes a Monitor stream page ({"endCursor": …, "data": [ … ]}, or the newer
// "resultData" instead of "data") and appends one log record per event to dst, in page order.
// See doc.go for the mapping. refs is truncated and receives one EventRef per appended record.
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
func AppendMonitorPage(body []byte, dst plog.LogRecordSlice, observed pcommon.Timestamp, refs []EventRef) (cursor string, _ []EventRef, _ PageStats, err error) {
	refs = refs[:0]
	start := dst.Len()
	d := pageDecoders.Get().(*pageDecoder)
	defer func() {
		d.reset("", "")
		if cap(d.tape) > keepTape {
			d.tape, d.strs = nil, nil
		}
		if cap(d.scratch) > keepScratch {
			d.scratch = nil
		}
		clear(d.reasons)
		d.reasons = d.reasons[:0]
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
// does not pin the records' text.
func compactIDs(refs []EventRef) {
	n := 0
	for i := range refs {
		n += len(refs[i].ID)
	}
	var b strings.Builder
	b.Grow(n)
	for i := range refs {
		b.WriteString(refs[i].ID)
	}
	all := b.String()
	off := 0
	for i := range refs {
		l := len(refs[i].ID)
		refs[i].ID = all[off : off+l]
		off += l
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
	lr.SetObservedTimestamp(observed)
	lr.SetEventName(EventNameMonitor)
	ev := monitorEvent{clientInfo: -1, location: -1, data: -1} // on the stack: no write barriers
	d.reasons = d.reasons[:0]
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
	if d.tape[0].kind != tObject {
		lr.Body().SetStr(validUTF8(d.keep))
		d.reasons = append(d.reasons, "event is not a JSON object")
		d.severity(lr, &ev)
		d.attributes(lr.Attributes(), &ev)
		return EventRef{}, true
	}
	d.capture(&ev)
	d.body(lr)
	if d.numText {
		d.reasons = append(d.reasons, "a number does not fit a float64 and was kept as text")
	}

	var ref EventRef
	switch ev.timestamp.kind {
	case kindString:
		if t, ok := parseTimestamp(ev.timestamp.s); !ok {
			d.reasons = append(d.reasons, "timestamp is not an RFC 3339 time")
		} else {
			ref.Timestamp = t
			if ns, ok := toUnixNano(t); ok {
				lr.SetTimestamp(pcommon.Timestamp(ns))
			} else {
				d.reasons = append(d.reasons, "timestamp is out of range")
			}
		}
	case kindAbsent, kindNull:
		d.reasons = append(d.reasons, "timestamp is missing")
	default:
		d.reasons = append(d.reasons, "timestamp is not a string")
	}
	switch ev.eventID.kind {
	case kindString:
		if ev.eventID.s == "" {
			d.reasons = append(d.reasons, "eventId is empty")
		}
		ref.ID = ev.eventID.s
	case kindAbsent, kindNull:
		d.reasons = append(d.reasons, "eventId is missing")
	default:
		d.reasons = append(d.reasons, "eventId is not a string")
	}

	d.severity(lr, &ev)
	d.attributes(lr.Attributes(), &ev)
	return ref, len(d.reasons) > 0
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

// maxBodyShapes bounds the body templates kept per decoder.
const maxBodyShapes = 256

// body builds the record's body from the tape. Events of a page mostly share a few structures:
// for a structure seen before, a zero-valued template is copied and its values overwritten in
// order, which skips the per-key duplicate search of Map.Put*; fillMap verifies every key.
func (d *pageDecoder) body(lr plog.LogRecord) {
	m := lr.Body().SetEmptyMap()
	tmpl, seen := d.bodies[d.shape]
	if seen && tmpl != (pcommon.Map{}) {
		tmpl.CopyTo(m)
		if d.fillMap(0, m) {
			return
		}
		m = lr.Body().SetEmptyMap() // a hash collision: build it the ordinary way
	}
	d.buildMap(0, m)
	if !seen && len(d.bodies) < maxBodyShapes {
		tmpl, ok := d.template(0)
		if !ok {
			tmpl = pcommon.Map{} // remembered as unusable (a repeated key), so not retried
		}
		d.bodies[d.shape] = tmpl
	}
}

// monitorEvent holds what the attributes are derived from: top-level fields, and the tape
// indexes of the nested objects (-1 when absent).
type monitorEvent struct {
	timestamp, eventID, site, accountID, organizationID, userID, integratorKey, userAgent,
	ipAddress, object, action, result, source, referencedUserID, affectedUserID,
	city, state, country, os, browser, latitude, longitude field
	clientInfo, location, data int
}

// capture records the top-level fields of the event on the tape (duplicate keys: last wins).
func (d *pageDecoder) capture(ev *monitorEvent) {
	for j := 1; j < int(d.tape[0].end); j = d.next(j + 1) {
		v := j + 1
		switch d.text(&d.tape[j]) {
		case "timestamp":
			ev.timestamp = d.fieldAt(v)
		case "eventId":
			ev.eventID = d.fieldAt(v)
		case "site":
			ev.site = d.fieldAt(v)
		case "accountId":
			ev.accountID = d.fieldAt(v)
		case "organizationId":
			ev.organizationID = d.fieldAt(v)
		case "userId":
			ev.userID = d.fieldAt(v)
		case "integratorKey":
			ev.integratorKey = d.fieldAt(v)
		case "userAgent":
			ev.userAgent = d.fieldAt(v)
		case "userAgentClientInfo":
			ev.clientInfo = v
		case "ipAddress":
			ev.ipAddress = d.fieldAt(v)
		case "ipAddressLocation":
			ev.location = v
		case "object":
			ev.object = d.fieldAt(v)
		case "action":
			ev.action = d.fieldAt(v)
		case "result":
			ev.result = d.fieldAt(v)
		case "source":
			ev.source = d.fieldAt(v)
		case "referencedUserId":
			ev.referencedUserID = d.fieldAt(v)
		case "affectedUserId":
			ev.affectedUserID = d.fieldAt(v)
		case "latitude":
			ev.latitude = d.fieldAt(v)
		case "longitude":
			ev.longitude = d.fieldAt(v)
		case "city":
			ev.city = d.fieldAt(v)
		case "state":
			ev.state = d.fieldAt(v)
		case "country":
			ev.country = d.fieldAt(v)
		case "os":
			ev.os = d.fieldAt(v)
		case "browser":
			ev.browser = d.fieldAt(v)
		case "data":
			ev.data = v
		}
	}
}

// object returns the tape index of the object value at i, or -1 when i is absent or not an object.
func (d *pageDecoder) object(i int) int {
	if i >= 0 && d.tape[i].kind == tObject {
		return i
	}
	return -1
}

// strField returns the field's text when it is a string; any other non-null kind is flagged.
func (d *pageDecoder) strField(f field, name string) string { return fieldText(f, name, &d.reasons) }

// fieldText returns f's text when it is a string; any other non-null kind adds a reason naming the field.
func fieldText(f field, name string, reasons *[]string) string {
	switch f.kind {
	case kindString:
		return f.s
	case kindAbsent, kindNull:
		return ""
	}
	*reasons = append(*reasons, name+" is not a string")
	return ""
}

// memberText returns obj[key] as text when it is a string or a number (version parts), else "".
func (d *pageDecoder) memberText(obj int, key string) string {
	i := d.member(obj, key)
	if i < 0 {
		return ""
	}
	switch t := &d.tape[i]; t.kind {
	case tStr, tNumText:
		return d.text(t)
	case tInt:
		return strconv.FormatInt(int64(t.num), 10)
	case tDouble:
		return strconv.FormatFloat(t.float(), 'f', -1, 64)
	}
	return ""
}

// Bounds of the coordinates, in degrees.
const (
	maxLatitude  = 90
	maxLongitude = 180
)

// coordinate reads a latitude or longitude: a JSON number or a numeric string (JSON number
// syntax), within ±limit degrees. ok is false when absent or null; anything else that is not such
// a number is flagged (NaN or an infinity would make JSON exporters fail the whole batch).
func (d *pageDecoder) coordinate(f field, name string, limit float64) (float64, bool) {
	x := f.num
	switch f.kind {
	case kindNumber:
	case kindString:
		if f.s == "" {
			return 0, false
		}
		if !isJSONNumber(f.s) {
			d.reasons = append(d.reasons, name+" is not a number")
			return 0, false
		}
		x, _ = strconv.ParseFloat(f.s, 64) // beyond float64: ±Inf, caught below
	case kindAbsent, kindNull:
		return 0, false
	default:
		d.reasons = append(d.reasons, name+" is not a number")
		return 0, false
	}
	if !(x >= -limit && x <= limit) { // also false for NaN
		d.reasons = append(d.reasons, name+" is out of range")
		return 0, false
	}
	return x, true
}

func (d *pageDecoder) severity(lr plog.LogRecord, ev *monitorEvent) {
	if strings.EqualFold(ev.object.s, "Alert") {
		word := d.memberText(d.object(ev.data), "Severity")
		lr.SetSeverityText(word)
		switch {
		case strings.EqualFold(word, "Low"):
			lr.SetSeverityNumber(plog.SeverityNumberInfo)
		case strings.EqualFold(word, "High"):
			lr.SetSeverityNumber(plog.SeverityNumberError)
		default: // Medium, none or unknown: an alert is at least a warning
			lr.SetSeverityNumber(plog.SeverityNumberWarn)
		}
		return
	}
	lr.SetSeverityText(ev.result.s)
	if strings.EqualFold(ev.result.s, "Failed") {
		lr.SetSeverityNumber(plog.SeverityNumberWarn)
	} else {
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
	}
}

// upperOf upper-cases s, remembering results so a page's repeated words allocate once.
func (d *pageDecoder) upperOf(s string) string {
	if u, ok := d.upper[s]; ok {
		return u
	}
	u := strings.ToUpper(s)
	if u != s {
		d.upper[strings.Clone(s)] = u
	}
	return u
}

func (d *pageDecoder) operation(action string) string {
	switch {
	case action == "":
		return ""
	case strings.EqualFold(action, "Created"):
		return OperationCreate
	case strings.EqualFold(action, "Updated"):
		return OperationUpdate
	case strings.EqualFold(action, "Deleted"):
		return OperationDelete
	}
	return d.upperOf(action)
}

// resourceIDKeys lists, per object, the data keys tried after object+"Id" for the target id.
var resourceIDKeys = map[string][]string{
	"User":          {"AffectedUserId"},
	"PermissionSet": {"PermissionProfileId"},
}

// resourceID finds the id of the object the event is about (see doc.go for the table).
func (d *pageDecoder) resourceID(ev *monitorEvent) string {
	obj := ev.object.s
	if obj == "" {
		return ""
	}
	if data := d.object(ev.data); data >= 0 {
		id := ""
		for j := data + 1; j < int(d.tape[data].end); j = d.next(j + 1) {
			k := d.text(&d.tape[j])
			if len(k) == len(obj)+2 && k[:len(obj)] == obj && k[len(obj):] == "Id" {
				id = "" // a later duplicate key replaces an earlier one, as in the body
				if v := &d.tape[j+1]; v.kind == tStr {
					id = d.text(v)
				}
			}
		}
		if id != "" {
			return id
		}
		for _, k := range resourceIDKeys[obj] {
			if i := d.member(data, k); i >= 0 && d.tape[i].kind == tStr {
				if id := d.text(&d.tape[i]); id != "" {
					return id
				}
			}
		}
	}
	switch obj {
	case "User":
		return ev.affectedUserID.s
	case "Account":
		return ev.accountID.s
	}
	return ""
}

// versioned joins a family name with "major.minor" from userAgentClientInfo.{os,browser}.
func (d *pageDecoder) versioned(obj int) string {
	if obj < 0 {
		return ""
	}
	family := d.memberText(obj, "family")
	ver := d.object(d.member(obj, "version"))
	major, minor := d.memberText(ver, "major"), d.memberText(ver, "minor")
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

func (d *pageDecoder) mustBeObject(i int, name string) {
	if i < 0 {
		return
	}
	switch d.tape[i].kind {
	case tObject, tNull:
	default:
		d.reasons = append(d.reasons, name+" is not an object")
	}
}

// firstStr returns the first non-empty string of a nested and a flattened field.
func (d *pageDecoder) firstStr(nested field, nestedName string, flat field, flatName string) string {
	if s := d.strField(nested, nestedName); s != "" {
		return s
	}
	return d.strField(flat, flatName)
}

// Slots of the string attributes of a Monitor record, in the order they are written.
const (
	aEventID = iota
	aEventType
	aOperation
	aOriginalEventType
	aOutcome
	aSourceUser
	aIPv4
	aIPv6
	aUserAgent
	aHostOS
	aBrowser
	aCountry
	aRegion
	aCity
	aResourceType
	aResourceID
	aTargetUser
	aObserverName
	aObserverType
	aObserverVendor
	aObserverProduct
	aAlertName
	aAlertSeverity
	aAccountID
	aOrganizationID
	aIntegratorKey
	aLogRecordUID
	aUserID
	aClientAddress
	aUserAgentOriginal
	aLocalityName
	aConversionError
	numMonitorAttrs
)

var monitorAttrKeys = [numMonitorAttrs]string{
	aEventID:           AttrXDMEventID,
	aEventType:         AttrXDMEventType,
	aOperation:         AttrXDMEventOperation,
	aOriginalEventType: AttrXDMEventOriginalEventType,
	aOutcome:           AttrXDMEventOutcome,
	aSourceUser:        AttrXDMSourceUserIdentifier,
	aIPv4:              AttrXDMSourceIPv4,
	aIPv6:              AttrXDMSourceIPv6,
	aUserAgent:         AttrXDMSourceUserAgent,
	aHostOS:            AttrXDMSourceHostOS,
	aBrowser:           AttrXDMNetworkHTTPBrowser,
	aCountry:           AttrXDMSourceLocCountry,
	aRegion:            AttrXDMSourceLocRegion,
	aCity:              AttrXDMSourceLocCity,
	aResourceType:      AttrXDMTargetResourceType,
	aResourceID:        AttrXDMTargetResourceID,
	aTargetUser:        AttrXDMTargetUserIdentifier,
	aObserverName:      AttrXDMObserverName,
	aObserverType:      AttrXDMObserverType,
	aObserverVendor:    AttrXDMObserverVendor,
	aObserverProduct:   AttrXDMObserverProduct,
	aAlertName:         AttrXDMAlertName,
	aAlertSeverity:     AttrXDMAlertSeverity,
	aAccountID:         AttrDocuSignAccountID,
	aOrganizationID:    AttrDocuSignOrganizationID,
	aIntegratorKey:     AttrDocuSignIntegratorKey,
	aLogRecordUID:      AttrLogRecordUID,
	aUserID:            AttrUserID,
	aClientAddress:     AttrClientAddress,
	aUserAgentOriginal: AttrUserAgentOriginal,
	aLocalityName:      AttrGeoLocalityName,
	aConversionError:   AttrConversionError,
}

// attributes derives the record's attributes into a stack array first, so the map is sized
// exactly and filling it is the only heap work. An empty string means "not set".
func (d *pageDecoder) attributes(attrs pcommon.Map, ev *monitorEvent) {
	var a [numMonitorAttrs]string
	eventID := ev.eventID.s // already checked by event
	action := d.strField(ev.action, "action")
	result := d.strField(ev.result, "result")
	object := d.strField(ev.object, "object")
	userID := d.strField(ev.userID, "userId")
	userAgent := d.strField(ev.userAgent, "userAgent")

	a[aEventID], a[aLogRecordUID] = eventID, eventID
	a[aEventType] = EventTypeMonitor
	a[aOperation] = d.operation(action)
	a[aOriginalEventType] = action
	if result != "" {
		a[aOutcome] = d.upperOf(result)
	}
	a[aSourceUser], a[aUserID] = userID, userID
	if ip := d.strField(ev.ipAddress, "ipAddress"); ip != "" {
		if addr, err := netip.ParseAddr(ip); err != nil {
			d.reasons = append(d.reasons, "ipAddress is not an IP address")
		} else {
			a[aClientAddress] = ip
			if addr.Is4() {
				a[aIPv4] = ip
			} else {
				a[aIPv6] = ip
			}
		}
	}
	a[aUserAgent], a[aUserAgentOriginal] = userAgent, userAgent

	d.mustBeObject(ev.clientInfo, "userAgentClientInfo")
	d.mustBeObject(ev.location, "ipAddressLocation")
	clientInfo, location, data := d.object(ev.clientInfo), d.object(ev.location), d.object(ev.data)
	if a[aHostOS] = d.strField(ev.os, "os"); a[aHostOS] == "" {
		a[aHostOS] = d.versioned(d.object(d.member(clientInfo, "os")))
	}
	if a[aBrowser] = d.strField(ev.browser, "browser"); a[aBrowser] == "" {
		a[aBrowser] = d.versioned(d.object(d.member(clientInfo, "browser")))
	}

	a[aCountry] = d.firstStr(d.fieldAt(d.member(location, "country")), "ipAddressLocation.country", ev.country, "country")
	a[aRegion] = d.firstStr(d.fieldAt(d.member(location, "state")), "ipAddressLocation.state", ev.state, "state")
	a[aCity] = d.firstStr(d.fieldAt(d.member(location, "city")), "ipAddressLocation.city", ev.city, "city")
	a[aLocalityName] = a[aCity]
	lat, hasLat := d.coordinate(d.fieldAt(d.member(location, "latitude")), "ipAddressLocation.latitude", maxLatitude)
	if !hasLat {
		lat, hasLat = d.coordinate(ev.latitude, "latitude", maxLatitude)
	}
	lon, hasLon := d.coordinate(d.fieldAt(d.member(location, "longitude")), "ipAddressLocation.longitude", maxLongitude)
	if !hasLon {
		lon, hasLon = d.coordinate(ev.longitude, "longitude", maxLongitude)
	}

	d.mustBeObject(ev.data, "data")
	a[aResourceType] = object
	a[aResourceID] = d.resourceID(ev)
	if a[aTargetUser] = d.strField(ev.affectedUserID, "affectedUserId"); a[aTargetUser] == "" {
		a[aTargetUser] = d.strField(ev.referencedUserID, "referencedUserId")
	}
	if a[aTargetUser] == "" {
		a[aTargetUser] = d.memberText(data, "AffectedUserId")
	}

	a[aObserverName] = d.strField(ev.site, "site")
	a[aObserverType] = d.strField(ev.source, "source")
	a[aObserverVendor], a[aObserverProduct] = ObserverVendor, ObserverProduct
	if strings.EqualFold(object, "Alert") {
		a[aAlertName] = action
		a[aAlertSeverity] = d.memberText(data, "Severity")
	}
	a[aAccountID] = d.strField(ev.accountID, "accountId")
	a[aOrganizationID] = d.strField(ev.organizationID, "organizationId")
	a[aIntegratorKey] = d.strField(ev.integratorKey, "integratorKey")
	if len(d.reasons) > 0 {
		a[aConversionError] = strings.Join(d.reasons, "; ")
	}

	d.writeAttrs(attrs, &a, lat, lon, hasLat, hasLon)
}

// maxAttrShapes bounds the templates kept per decoder (real pages have a handful of shapes).
const maxAttrShapes = 256

// writeAttrs writes the derived attributes. Records mostly share a few shapes (which slots are
// set); for each shape a template map is copied, which needs no per-key duplicate search, and
// then its values are overwritten in place.
func (d *pageDecoder) writeAttrs(attrs pcommon.Map, a *[numMonitorAttrs]string, lat, lon float64, hasLat, hasLon bool) {
	var shape uint64
	for i := range a {
		if a[i] != "" {
			shape |= 1 << i
		}
	}
	if hasLat {
		shape |= 1 << numMonitorAttrs
	}
	if hasLon {
		shape |= 1 << (numMonitorAttrs + 1)
	}
	tmpl, ok := d.shapes[shape]
	if !ok {
		tmpl = pcommon.NewMap()
		putAttrs(tmpl, a, lat, lon, hasLat, hasLon)
		if len(d.shapes) >= maxAttrShapes {
			tmpl.MoveTo(attrs)
			return
		}
		d.shapes[shape] = tmpl
	}
	tmpl.CopyTo(attrs)
	var doubles [4]float64 // in putAttrs' order
	if hasLat {
		doubles[0], doubles[1] = lat, lat
	}
	if hasLon {
		doubles[2], doubles[3] = lon, lon
		if !hasLat {
			doubles[0], doubles[1] = lon, lon
		}
	}
	i, k := 0, 0
	for _, v := range attrs.All() {
		for i < numMonitorAttrs && a[i] == "" {
			i++
		}
		if i < numMonitorAttrs {
			v.SetStr(a[i])
			i++
			continue
		}
		v.SetDouble(doubles[k])
		k++
	}
}

// putAttrs writes the attributes with Put calls, in slot order, doubles last.
func putAttrs(attrs pcommon.Map, a *[numMonitorAttrs]string, lat, lon float64, hasLat, hasLon bool) {
	n := 0
	for i := range a {
		if a[i] != "" {
			n++
		}
	}
	if hasLat {
		n += 2
	}
	if hasLon {
		n += 2
	}
	attrs.EnsureCapacity(n)
	for i := range a {
		if a[i] != "" {
			attrs.PutStr(monitorAttrKeys[i], a[i])
		}
	}
	if hasLat {
		attrs.PutDouble(AttrXDMSourceLocLatitude, lat)
		attrs.PutDouble(AttrGeoLocationLat, lat)
	}
	if hasLon {
		attrs.PutDouble(AttrXDMSourceLocLongitude, lon)
		attrs.PutDouble(AttrGeoLocationLon, lon)
	}
}
