// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	// Retention is how far back the Monitor stream serves events (DocuSign keeps about 7 days).
	Retention = 7 * 24 * time.Hour
	// MaxMonitorLimit is the largest accepted limit; DefaultMonitorLimit applies when none is sent.
	MaxMonitorLimit     = 2000
	DefaultMonitorLimit = 1000
)

// monitorStore is the event stream: one timestamp per position; content is generated from the
// position unless an exact record was appended there.
type monitorStore struct {
	mu    sync.RWMutex
	ticks []int64          // non-decreasing; elements are never rewritten, only appended
	raw   map[int]rawEvent // positions holding records given to AppendMonitorEvent
}

type rawEvent struct {
	body []byte
	id   string
	kind Hostile // a hostile record's kind, or ""
}

// AddMonitorEvents appends n generated events. Event k's timestamp lies in
// [from+k·step, from+(k+1)·step): a deterministic sub-step jitter gives the 7-digit fractions
// DocuSign sends (some are rounded to fewer digits). A negative step counts as 0. If from is
// earlier than the newest stored event, the whole run is shifted to start at that event's
// timestamp, so the stream never goes backwards.
func (s *Server) AddMonitorEvents(n int, from time.Time, step time.Duration) {
	if n <= 0 {
		return
	}
	step = max(step, 0)
	st := &s.monitor
	st.mu.Lock()
	defer st.mu.Unlock()
	start := len(st.ticks)
	if start > 0 && toTicks(from) < st.ticks[start-1] {
		from = fromTicks(st.ticks[start-1])
	}
	stepTicks := int64(step / tick)
	st.ticks = slices.Grow(st.ticks, n)
	for k := range n {
		base := toTicks(from.Add(time.Duration(k) * step))
		ts := base
		if stepTicks > 1 {
			r := newDetRand(s.opts.Seed, streamTimestamp, uint64(start+k))
			ts += int64(r.next() % uint64(stepTicks))
			var unit int64
			switch r.intn(8) {
			case 0:
				unit = 10_000 // milliseconds: 3 digits or fewer
			case 1:
				unit = 100_000 // centiseconds
			}
			if unit > 0 && ts-ts%unit >= base {
				ts -= ts % unit
			}
		}
		st.ticks = append(st.ticks, ts)
	}
}

// AppendMonitorEvent appends one exact record (e.g. a shared sample), served byte for byte. It must be
// a JSON object with a "timestamp" no earlier than the newest stored event.
func (s *Server) AppendMonitorEvent(raw json.RawMessage) error {
	var head struct {
		Timestamp *string `json:"timestamp"`
		EventID   string  `json:"eventId"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return fmt.Errorf("monitor event is not a JSON object: %w", err)
	}
	if head.Timestamp == nil {
		return errors.New(`monitor event has no "timestamp"`)
	}
	t, err := time.Parse(time.RFC3339Nano, *head.Timestamp)
	if err != nil {
		return fmt.Errorf("monitor event %q: timestamp %q: %w", head.EventID, *head.Timestamp, err)
	}
	ticks := toTicks(t)
	st := &s.monitor
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := len(st.ticks); n > 0 && ticks < st.ticks[n-1] {
		return fmt.Errorf("monitor event %q: timestamp %s is earlier than the newest stored event (%s); the stream is timestamp-ordered",
			head.EventID, *head.Timestamp, appendTimestamp(nil, st.ticks[n-1]))
	}
	if st.raw == nil {
		st.raw = make(map[int]rawEvent)
	}
	st.raw[len(st.ticks)] = rawEvent{body: slices.Clone(raw), id: head.EventID}
	st.ticks = append(st.ticks, ticks)
	return nil
}

// MonitorEventCount is the number of events in the stream, including those past retention.
func (s *Server) MonitorEventCount() int {
	s.monitor.mu.RLock()
	defer s.monitor.mu.RUnlock()
	return len(s.monitor.ticks)
}

// MonitorEventIDs returns every eventId in stream order ("" for an appended record without one).
func (s *Server) MonitorEventIDs() []string {
	s.monitor.mu.RLock()
	defer s.monitor.mu.RUnlock()
	ids := make([]string, len(s.monitor.ticks))
	for pos := range ids {
		if rec, ok := s.monitor.raw[pos]; ok {
			ids[pos] = rec.id
		} else {
			ids[pos] = s.events.eventID(pos)
		}
	}
	return ids
}

// MonitorEventTime returns the timestamp of the event at stream position pos.
func (s *Server) MonitorEventTime(pos int) (time.Time, bool) {
	s.monitor.mu.RLock()
	defer s.monitor.mu.RUnlock()
	if pos < 0 || pos >= len(s.monitor.ticks) {
		return time.Time{}, false
	}
	return fromTicks(s.monitor.ticks[pos]), true
}

// Cursor returns the opaque cursor that resumes the stream at position pos (0 = from the start,
// MonitorEventCount() = after the newest event), as an endCursor would.
func (s *Server) Cursor(pos int) string {
	s.monitor.mu.RLock()
	defer s.monitor.mu.RUnlock()
	pos = min(max(pos, 0), len(s.monitor.ticks))
	if pos == 0 {
		return formatCursor(0, 0)
	}
	return formatCursor(s.monitor.ticks[pos-1], pos)
}

func formatCursor(ticks int64, pos int) string {
	b := make([]byte, 0, 64)
	b = append(b, "aa_"...)
	b = strconv.AppendInt(b, ticks, 10)
	b = append(b, '_')
	b = strconv.AppendInt(b, ticks, 10)
	b = append(b, '_')
	b = strconv.AppendInt(b, int64(pos), 10)
	return string(b)
}

// parseCursor reads aa_<ticks>_<ticks>_<pos>; both ticks must be equal, every part plain digits.
func parseCursor(c string) (ticks int64, pos int, ok bool) {
	rest, found := strings.CutPrefix(c, "aa_")
	if !found {
		return 0, 0, false
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 {
		return 0, 0, false
	}
	var nums [3]int64
	for i, p := range parts {
		if p == "" || strings.TrimLeft(p, "0123456789") != "" {
			return 0, 0, false
		}
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		nums[i] = v
	}
	if nums[0] != nums[1] || nums[2] > int64(^uint(0)>>1) {
		return 0, 0, false
	}
	return nums[0], int(nums[2]), true
}

// page is what one stream request serves: positions [from, to) of the store.
type page struct {
	from, to    int
	ticks       []int64 // ticks[from:to]; safe to read unlocked because positions are never rewritten
	raw         map[int]rawEvent
	endCursor   string
	startCursor string // an opaque cursor for position from, equivalent to the cursor sent
}

var errCursor = errors.New("cursor is neither an ISO-8601 date-time nor a cursor issued by this stream")

// streamPage resolves cursor to a position, applies retention and cuts a page of at most limit events.
func (s *Server) streamPage(cursor string, limit int, now time.Time) (page, error) {
	windowStart := toTicks(now.Add(-Retention))
	st := &s.monitor
	st.mu.RLock()
	defer st.mu.RUnlock()
	n := len(st.ticks)
	lowerBound := func(t int64) int { i, _ := slices.BinarySearch(st.ticks, t); return i }

	var pos int
	var echo string
	switch {
	case cursor == "":
		pos, echo = lowerBound(windowStart), formatCursor(windowStart, lowerBound(windowStart))
	case strings.HasPrefix(cursor, "aa_"):
		t, p, ok := parseCursor(cursor)
		if !ok || p > n || (p > 0 && st.ticks[p-1] > t) {
			return page{}, errCursor
		}
		pos, echo = p, cursor
	default:
		t, err := parseISOTime(cursor)
		if err != nil {
			return page{}, errCursor
		}
		boundary := max(toTicks(t), windowStart)
		pos = lowerBound(boundary)
		echo = formatCursor(boundary, pos)
	}
	if pos < n && st.ticks[pos] < windowStart {
		pos = lowerBound(windowStart) // the cursor points into expired data: resume at the oldest retained event
	}
	end := min(pos+limit, n)
	if pos >= end {
		return page{from: pos, to: pos, endCursor: echo, startCursor: echo}, nil
	}
	p := page{from: pos, to: end, ticks: st.ticks[pos:end:end], endCursor: formatCursor(st.ticks[end-1], end), startCursor: echo}
	if len(st.raw) > 0 {
		for i := pos; i < end; i++ {
			if rec, ok := st.raw[i]; ok {
				if p.raw == nil {
					p.raw = make(map[int]rawEvent)
				}
				p.raw[i] = rec
			}
		}
	}
	return p, nil
}

// cursorPlace is where a page's endCursor goes on the wire.
type cursorPlace int

const (
	cursorFirst   cursorPlace = iota // before the data, as DocuSign sends it
	cursorLast                       // after the data
	cursorOmitted                    // no endCursor key
	cursorNull                       // "endCursor": null
)

// pageShape is how a page goes on the wire.
type pageShape struct {
	dataKey   string // "data" (v2 lens) or "resultData" (organisation stream)
	endCursor string
	place     cursorPlace
	padEach   int // filler bytes added to every event (HostileOversizedPage)
}

// shapePage is DocuSign's shape for p unless a hostile kind of r, a planted cursor cycle or a hostile
// record on the page says otherwise; it counts what it applies.
func (s *Server) shapePage(r *http.Request, cursor string, p page, dataKey string) pageShape {
	shape := pageShape{dataKey: dataKey, endCursor: p.endCursor}
	for _, ev := range p.raw {
		if ev.kind == HostileEventOversizedCursorLast {
			shape.place = cursorLast
		}
	}
	n := p.to - p.from
	if n == 0 { // a caught-up page stays honest: the hostile cursors are about pages with data
		return shape
	}
	kind := hostileOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if back, ok := s.hostile.cycleBack[cursor]; ok {
		delete(s.hostile.cycleBack, cursor)
		shape.endCursor = back
		s.stats.countHostile(HostileCursorCycle, 1)
	}
	applied := true
	switch kind {
	case HostileCursorEcho:
		shape.endCursor = cmp.Or(cursor, p.startCursor)
	case HostileCursorMissing:
		shape.place = cursorOmitted
	case HostileCursorNull:
		shape.place = cursorNull
	case HostileCursorCycle: // counted when the link back is served
		if len(s.hostile.cycleBack) >= maxPlantedCycles { // links a client never followed: forget them
			clear(s.hostile.cycleBack)
		}
		if s.hostile.cycleBack == nil {
			s.hostile.cycleBack = make(map[string]string)
		}
		s.hostile.cycleBack[p.endCursor] = p.startCursor
		applied = false
	case HostileOversizedPage:
		shape.padEach = OversizedBody/n + 1
		applied = n >= 2
		if !applied {
			shape.padEach = 0
		}
	default:
		applied = false
	}
	if applied {
		s.stats.countHostile(kind, 1)
	}
	return shape
}

// appendPage writes the stream response body, endCursor first as DocuSign sends it unless shape says
// otherwise; it returns where filler goes for padded events (the filler itself is never built).
func (s *Server) appendPage(b []byte, p page, shape pageShape) ([]byte, []padAt) {
	var pads []padAt
	users := s.eventUsers()
	b = append(b, '{')
	switch shape.place {
	case cursorFirst:
		b = append(b, `"endCursor":`...)
		b = appendJSONString(b, shape.endCursor)
		b = append(b, ',')
	case cursorNull:
		b = append(b, `"endCursor":null,`...)
	}
	b = append(b, '"')
	b = append(b, shape.dataKey...)
	b = append(b, `":[`...)
	for i, ticks := range p.ticks {
		if i > 0 {
			b = append(b, ',')
		}
		pos := p.from + i
		pad := shape.padEach
		if ev, ok := p.raw[pos]; ok {
			b = append(b, ev.body...)
			if ev.kind == HostileEventOversized || ev.kind == HostileEventOversizedCursorLast {
				pad = OversizedBody
			}
		} else {
			b = s.events.appendEvent(b, pos, ticks, users)
		}
		if pad > 0 { // a "padding" member before the event's closing brace
			b = append(b[:len(b)-1], `,"padding":"`...)
			pads = append(pads, padAt{off: len(b), n: pad})
			b = append(b, `"}`...)
		}
	}
	b = append(b, ']')
	if shape.place == cursorLast {
		b = append(b, `,"endCursor":`...)
		b = appendJSONString(b, shape.endCursor)
	}
	return append(b, '}'), pads
}

// pageBuffers keeps page-sized buffers for a few concurrent requests across garbage collections
// (a sync.Pool is emptied by them, and regrowing megabytes per page would burden the process the
// fake shares with the code under test).
var pageBuffers = make(chan []byte, 4)

func takePageBuffer() []byte {
	select {
	case b := <-pageBuffers:
		return b[:0]
	default:
		return make([]byte, 0, 64<<10)
	}
}

func returnPageBuffer(b []byte) {
	if cap(b) > 16<<20 { // keep ordinary page buffers; let an outsized one go
		return
	}
	select {
	case pageBuffers <- b:
	default:
	}
}

func (s *Server) handleMonitorStream(w http.ResponseWriter, r *http.Request) {
	s.serveStream(w, r, "data")
}

// serveStream answers a Monitor stream request; dataKey names the envelope's array.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, dataKey string) {
	s.count(func(st *Stats) { st.MonitorRequests++ })
	if r.Method != http.MethodGet {
		writeAPIError(w, http.StatusMethodNotAllowed, "INVALID_REQUEST", "the stream accepts GET only")
		return
	}
	if !s.authorize(w, r, "signature") || s.denyMonitor(w, dataKey) {
		return
	}
	q := r.URL.Query()
	limit := DefaultMonitorLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxMonitorLimit {
			writeAPIError(w, http.StatusBadRequest, "INVALID_REQUEST_PARAMETER",
				fmt.Sprintf("limit %q must be an integer between 1 and %d", v, MaxMonitorLimit))
			return
		}
		limit = n
	}
	cursor := q.Get("cursor")
	p, err := s.streamPage(cursor, limit, s.now())
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, "INVALID_CURSOR", err.Error())
		return
	}
	shape := s.shapePage(r, cursor, p, dataKey)
	s.count(func(st *Stats) {
		st.MonitorEventsServed += p.to - p.from
		for _, ev := range p.raw {
			if ev.kind != "" {
				st.countHostile(ev.kind, 1)
			}
		}
	})
	body, pads := s.appendPage(takePageBuffer(), p, shape)
	if len(pads) == 0 {
		writeBody(w, http.StatusOK, body)
	} else {
		s.writePadded(w, body, pads)
	}
	returnPageBuffer(body)
}
