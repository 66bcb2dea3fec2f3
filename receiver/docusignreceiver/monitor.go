package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
)

const (
	monitorSource        = "monitor"
	monitorCheckpointKey = "monitor.v1"
	// monitorRetention is how far back the Monitor stream keeps events.
	monitorRetention = 7 * 24 * time.Hour
	// dedupCapacity bounds the remembered eventIds: two full pages.
	dedupCapacity = 2 * maxMonitorPageSize
)

// monitorCheckpoint is what survives a restart: where to read next and what was consumed last.
type monitorCheckpoint struct {
	Cursor        string    `json:"cursor"`
	LastEventID   string    `json:"last_event_id,omitempty"`
	LastEventTime time.Time `json:"last_event_time,omitzero"`
	// LastCaughtUp is when a poll last found nothing newer: the stream was complete up to then, even
	// after a quiet week without events.
	LastCaughtUp time.Time `json:"last_caught_up,omitzero"`
	RecentIDs    []string  `json:"recent_ids,omitempty"`
}

// completeUntil is how far the consumed stream is known to be complete.
func (c *monitorCheckpoint) completeUntil() time.Time {
	if c.LastCaughtUp.After(c.LastEventTime) {
		return c.LastCaughtUp
	}
	return c.LastEventTime
}

// monitorPage is one fetched, not yet converted, stream page.
type monitorPage struct {
	cursor      string    // the cursor it was requested with
	requestedAt time.Time // when it was requested: a caught-up page says the stream is complete until then
	endCursor   string    // "" when DocuSign sent none
	body        []byte
	trace       string
	err         error
	release     func() // returns body's buffer once the page is consumed
	// last says why the drain ends at this page: "" (it does not), caughtUp, or an anomaly.
	last string
	// skipped is set for a single event larger than api.MaxPageBytes: there is nothing to deliver.
	skipped *skippedEvent
}

// skippedEvent is what could be learned of an event too large to hold, for the log line.
type skippedEvent struct {
	eventID, timestamp string
}

// Why a drain ends at a page.
const (
	lastCaughtUp    = "caught_up"
	lastCursorCycle = "cursor_cycle" // endCursor names a page this poll already read
	lastPageCap     = "page_cap"     // maxPagesPerPoll reached: the next poll goes on at once
)

// maxPagesPerPoll bounds one poll far above any real drain (a 1 M-event backlog is 500 full pages),
// so a stream that never says it is caught up cannot hold a poll forever. A variable for tests.
var maxPagesPerPoll = 5000

// caughtUp reports that the page names no further page.
func (p *monitorPage) caughtUp() bool { return p.endCursor == "" || p.endCursor == p.cursor }

// pageWalk decides, page by page, whether one poll goes on: not past a caught-up page, not back to a
// cursor it already read (a cycle), not beyond maxPagesPerPoll.
type pageWalk struct {
	read  map[string]bool
	pages int
}

func newPageWalk(first string) *pageWalk { return &pageWalk{read: map[string]bool{first: true}} }

// next records a page read with cursor that names next, and says why the walk ends there ("" to go on).
func (w *pageWalk) next(cursor, next string) string {
	w.pages++
	switch {
	case next == "" || next == cursor:
		return lastCaughtUp
	case w.read[next]:
		return lastCursorCycle
	case w.pages >= maxPagesPerPoll:
		return lastPageCap
	}
	w.read[next] = true
	return ""
}

// release hands the page's body buffer back, once.
func (p *monitorPage) releaseBody() {
	if p.release != nil {
		p.release()
	}
	p.body, p.release = nil, nil
}

// convertedPage is a page turned into pdata, waiting to be de-duplicated, consumed and checkpointed.
type convertedPage struct {
	monitorPage
	logs     plog.Logs
	records  plog.LogRecordSlice
	refs     []convert.EventRef // one per record, in page order
	stats    convert.PageStats
	observed pcommon.Timestamp
}

// streamFetcher gets one Monitor page; tests inject a fake.
type streamFetcher interface {
	fetch(ctx context.Context, cursor string, limit int) (api.Response, error)
}

// streamOpener is a streamFetcher that can return a page before its body has been read, so the
// request for the next page starts as soon as the endCursor at the top of the body has arrived.
type streamOpener interface {
	open(ctx context.Context, cursor string, limit int) (pageBody, error)
}

// pageBody is a page response being read: *api.Stream, or a page already read in full.
type pageBody interface {
	Peek(enough func(prefix []byte) bool) []byte
	ReadAll(overflow io.Writer) (api.Response, error)
	Close()
}

// httpFetcher reads either stream over HTTP; pageURL builds the request for a cursor and limit.
type httpFetcher struct {
	client  *api.Client
	pageURL func(cursor string, limit int) string
}

func (f httpFetcher) fetch(ctx context.Context, cursor string, limit int) (api.Response, error) {
	return f.client.Get(ctx, "monitor stream", f.pageURL(cursor, limit))
}

func (f httpFetcher) open(ctx context.Context, cursor string, limit int) (pageBody, error) {
	s, err := f.client.Open(ctx, "monitor stream", f.pageURL(cursor, limit))
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return s, nil
}

// newStreamFetcher picks the lens stream or the organisation stream.
func newStreamFetcher(cfg *Config, client *api.Client) httpFetcher {
	base := cfg.monitorBaseURL()
	if cfg.Monitor.Stream == streamOrganization {
		org := cfg.monitorOrganizationID()
		return httpFetcher{client: client, pageURL: func(c string, limit int) string { return api.OrganizationStreamURL(base, org, c, limit) }}
	}
	return httpFetcher{client: client, pageURL: func(c string, limit int) string { return api.MonitorStreamURL(base, c, limit) }}
}

// readPage is a page a plain streamFetcher returned whole.
type readPage struct{ resp api.Response }

func (p *readPage) Peek(func([]byte) bool) []byte           { return p.resp.Body }
func (p *readPage) ReadAll(io.Writer) (api.Response, error) { return p.resp, nil }
func (p *readPage) Close()                                  { p.resp.Release() }

// monitorPoller drains the Monitor stream into the pipeline, checkpointing after every consumed page.
type monitorPoller struct {
	r       *docusignReceiver
	cfg     MonitorConfig
	fetcher streamFetcher
	store   *checkpoint.LegacyStore[monitorCheckpoint]
	logger  *zap.Logger
	now     func() time.Time

	state monitorCheckpoint
	seen  *recentIDs
	// spareRefs recycles EventRef slices from the consumer back to the converter.
	spareRefs chan []convert.EventRef
	// stalled is set while pages with events fail to name a new endCursor (warned once per streak).
	stalled bool
	// saveFailing is set while checkpoint writes fail (health stays an error until one succeeds).
	saveFailing bool
	// delivered counts the pages moved past, for the poll loop's backoff.
	delivered uint64
	// limit is the page size asked for: page_size, halved while pages exceed api.MaxPageBytes and
	// doubled back after limitRegrowPages pages that fit. Read by the request goroutine.
	limit    atomic.Int32
	fitPages int
}

// limitRegrowPages is how many pages must fit before a reduced limit doubles again.
const limitRegrowPages = 4

// monitorCheckpointStatus is the health key of Monitor's checkpoint writes, apart from its polls.
const monitorCheckpointStatus = monitorSource + " checkpoint"

func newMonitorPoller(r *docusignReceiver, client *api.Client) *monitorPoller {
	cfg := r.cfg.Monitor
	m := &monitorPoller{
		r:       r,
		cfg:     cfg,
		fetcher: newStreamFetcher(r.cfg, client),
		store:   checkpoint.NewLegacy[monitorCheckpoint](r.storage, monitorCheckpointKey),
		logger:  r.settings.Logger.With(zap.String("source", monitorSource)),
		now:     time.Now,
		seen:    newRecentIDs(dedupCapacity),

		spareRefs: make(chan []convert.EventRef, 2),
	}
	m.limit.Store(int32(cfg.PageSize))
	return m
}

// run loads the checkpoint, then drains and waits poll_interval until ctx ends.
func (m *monitorPoller) run(ctx context.Context) {
	m.r.pollLoop(ctx, monitorSource, m.cfg.PollInterval, m.logger, "Monitor poll failed; will retry", m.loadCheckpoint, m.drain)
}

// loadCheckpoint restores the position, or picks the first run's start. A storage read error is
// returned (and retried): guessing a position then would replay or skip a week. Data that cannot be
// decoded restarts at the oldest event DocuSign keeps: a replay beats a silent gap.
func (m *monitorPoller) loadCheckpoint(ctx context.Context) error {
	state, found, err := m.store.Load(ctx)
	if err != nil && !errors.Is(err, checkpoint.ErrCorrupt) {
		return fmt.Errorf("monitor checkpoint cannot be read; not polling until it can: %w", err)
	}
	m.seen = newRecentIDs(dedupCapacity)
	switch {
	case err != nil:
		m.resetToRetention(zap.Error(err))
	case found && state.Cursor != "":
		m.state = state
		m.logger.Info("Monitor resuming from checkpoint", zap.Time("last_event_time", state.LastEventTime), zap.String("last_event_id", state.LastEventID))
	case found && !state.LastEventTime.IsZero():
		// No cursor but a time: resume there; the duplicate guard drops the events consumed at it.
		m.state = state
		m.state.Cursor = state.LastEventTime.UTC().Format(time.RFC3339Nano)
		m.logger.Warn("Monitor checkpoint has no cursor; resuming from its last event time", zap.Time("last_event_time", state.LastEventTime))
	case found:
		m.resetToRetention(zap.String("stored", "a checkpoint without cursor or event time"))
	default:
		start := m.now().UTC()
		if !m.cfg.StartTime.IsZero() {
			start = m.cfg.StartTime.UTC()
		}
		m.state = monitorCheckpoint{Cursor: start.Format(time.RFC3339Nano), LastEventTime: start}
		m.logger.Info("Monitor starting without checkpoint", zap.Time("start_time", start))
	}
	for _, id := range m.state.RecentIDs {
		m.seen.add(id)
	}
	m.warnRetentionGap()
	return nil
}

// resetToRetention starts again without a cursor: DocuSign then serves its whole retention window.
func (m *monitorPoller) resetToRetention(why zap.Field) {
	m.logger.Error("Monitor checkpoint is damaged; starting again from the oldest event DocuSign keeps (up to 7 days of events may repeat)", why)
	m.state = monitorCheckpoint{}
}

// warnRetentionGap says loudly which time range DocuSign no longer has.
func (m *monitorPoller) warnRetentionGap() {
	oldest := m.now().Add(-monitorRetention)
	complete := m.state.completeUntil()
	if complete.IsZero() || !complete.Before(oldest) {
		return
	}
	m.logger.Error("Monitor events are lost: the stored position is older than DocuSign's retention; continuing from the oldest event available",
		zap.Time("lost_from", complete), zap.Time("lost_until", oldest),
		zap.Duration("lost", oldest.Sub(complete)))
}

// drain reads pages until caught up.
func (m *monitorPoller) drain(ctx context.Context) (pollResult, error) {
	delivered := m.delivered
	for {
		restart, more, err := m.drainFrom(ctx)
		if err != nil || !restart {
			return pollResult{more: more, progressed: m.delivered > delivered}, err
		}
	}
}

// drainFrom runs one pass from the checkpoint cursor as a pipeline — fetch page N+1 ‖ convert page N
// ‖ consume and checkpoint page N−1 — one goroutine each, handing pages over unbuffered channels, so
// checkpoints stay in page order and memory is bounded: two bodies read in full (one converting,
// one waiting), one response opened ahead with its body unread, and two converted pages (one being
// consumed, one waiting), which keep their bodies too when the pipeline mutates data (see convert).
// restart asks for a fresh pass because a failed consume threw the pages behind it away. A panic in
// a stage stops the pass and is returned.
func (m *monitorPoller) drainFrom(ctx context.Context) (restart, more bool, err error) {
	pipeCtx, cancel := context.WithCancel(ctx)
	var failOnce sync.Once
	var failed error
	fail := func(err error) {
		failOnce.Do(func() { failed = err })
		cancel()
	}
	fetched := make(chan monitorPage)
	converted := make(chan convertedPage)
	var wg sync.WaitGroup
	goSafely(&wg, fail, func() { m.fetchPages(pipeCtx, m.state.Cursor, fetched, fail) })
	goSafely(&wg, fail, func() { m.convertPages(pipeCtx, fetched, converted) })
	defer func() {
		cancel()
		wg.Wait()
		if failed != nil {
			restart, more, err = false, false, failed
		}
	}()
	for page := range converted {
		if page.err != nil {
			return false, false, page.err
		}
		if ctx.Err() != nil { // shutting down: this page is delivered by the next run
			return false, false, ctx.Err()
		}
		retried, err := m.deliver(ctx, page, cancel)
		if err != nil {
			return false, false, err
		}
		if retried {
			return true, false, nil
		}
		if len(page.refs) == 0 && page.skipped == nil { // no events: caught up, whatever the cursor says
			return false, false, nil
		}
		if page.last != "" {
			return false, page.last == lastPageCap, nil
		}
	}
	return false, false, nil
}

// maxPeekBytes is how much of a body is searched for a leading endCursor before waiting for the whole.
const maxPeekBytes = 4 << 10

// openPage is a page response with only its first bytes read: enough to know the cursor of the
// page after it when DocuSign sends endCursor first.
type openPage struct {
	cursor      string
	limit       int
	requestedAt time.Time
	body        pageBody // nil when err is set
	err         error
	next        string // the endCursor read off the top of the body, when it moves on; "" when not known
}

// open requests the page at cursor and reads the top of its body.
func (m *monitorPoller) open(ctx context.Context, cursor string) openPage {
	p := openPage{cursor: cursor, limit: int(m.limit.Load()), requestedAt: m.now()}
	if o, ok := m.fetcher.(streamOpener); ok {
		p.body, p.err = o.open(ctx, cursor, p.limit)
	} else if resp, err := m.fetcher.fetch(ctx, cursor, p.limit); err != nil {
		p.err = err
	} else {
		p.body = &readPage{resp: resp}
	}
	if p.err == nil {
		if next, ok := peekEndCursor(p.body); ok && next != cursor {
			p.next = next
		}
	}
	return p
}

// read reads the whole page and closes the response; a body over api.MaxPageBytes goes to overflow
// (nil: it is cut off) and fails with api.ErrTooLarge.
func (p *openPage) read(overflow io.Writer) monitorPage {
	page := monitorPage{cursor: p.cursor, requestedAt: p.requestedAt, err: p.err}
	if p.err != nil {
		return page
	}
	resp, err := p.body.ReadAll(overflow)
	if err == nil {
		page.body, page.trace, page.release = resp.Body, resp.TraceToken, resp.Release
		page.endCursor, _, err = convert.SkimEndCursor(resp.Body)
		switch {
		case err != nil:
			err = fmt.Errorf("monitor stream: response is not a stream page (trace token %s): %w; body starts %q",
				resp.TraceToken, err, redact.Snippet(resp.Body))
		case p.next != "" && p.next != page.endCursor: // cannot happen: the top is a prefix of the whole
			err = fmt.Errorf("monitor stream: page from cursor %q (trace token %s) names endCursor %q at its top but %q in full",
				p.cursor, resp.TraceToken, p.next, page.endCursor)
		}
	}
	page.err = err
	return page
}

// requestChain opens page after page at the pace of the network: the request for the next page goes
// out as soon as the top of this page's body names it, with no hand-over in between. It waits after
// a page without a leading cursor until resume says where to go on ("" or closed: nowhere), and
// while the reader has not taken the page it opened. It follows the same pageWalk as fetchPages, so
// it never asks for a page the reader will not take. It closes opened when it ends.
func (m *monitorPoller) requestChain(ctx context.Context, cursor string, opened chan<- openPage, resume <-chan string) {
	defer close(opened)
	walk := newPageWalk(cursor)
	for {
		p := m.open(ctx, cursor)
		select {
		case opened <- p:
		case <-ctx.Done():
			if p.body != nil {
				p.body.Close()
			}
			return
		}
		if p.err != nil {
			return
		}
		if p.next != "" {
			if walk.next(cursor, p.next) != "" {
				return
			}
			cursor = p.next
			continue
		}
		select {
		case c, ok := <-resume:
			if !ok || c == "" {
				return
			}
			walk.next(cursor, c) // the reader's walk agreed
			cursor = c
		case <-ctx.Done():
			return
		}
	}
}

// fetchPages follows endCursor until the walk ends and hands the pages over in order, each read in
// full. Besides the page the converter has, it holds at most one read page waiting for the
// converter and the chain holds one opened response with its body unread, however slow conversion is.
// A page larger than api.MaxPageBytes is asked for again with half the limit.
func (m *monitorPoller) fetchPages(ctx context.Context, cursor string, out chan<- monitorPage, fail func(error)) {
	defer close(out)
	walk := newPageWalk(cursor)
	for {
		again, ok := m.chainPages(ctx, cursor, walk, out, fail)
		if !ok {
			return
		}
		cursor = again
	}
}

// chainPages hands over the pages of one request chain from cursor. It returns the cursor to ask
// for again (with the smaller limit now set), or ok=false when the pass is over.
func (m *monitorPoller) chainPages(ctx context.Context, cursor string, walk *pageWalk, out chan<- monitorPage, fail func(error)) (again string, ok bool) {
	chainCtx, stopChain := context.WithCancel(ctx)
	opened := make(chan openPage)
	resume := make(chan string)
	var chain sync.WaitGroup
	goSafely(&chain, fail, func() { m.requestChain(chainCtx, cursor, opened, resume) })
	defer func() { // the chain closes the response it opened ahead, if any
		stopChain()
		chain.Wait()
	}()
	for p := range opened {
		page, smaller := m.readPage(&p)
		if smaller {
			return p.cursor, true
		}
		if page.err == nil {
			page.last = walk.next(page.cursor, page.endCursor)
		}
		if page.err == nil && page.last == "" && p.next == "" { // endCursor came after the events: tell the chain
			select {
			case resume <- page.endCursor:
			case <-ctx.Done():
				page.releaseBody()
				return "", false
			}
		}
		select {
		case out <- page:
		case <-ctx.Done():
			page.releaseBody()
			return "", false
		}
		if page.err != nil || page.last != "" {
			return "", false
		}
	}
	return "", false
}

// readPage reads an opened page. Over api.MaxPageBytes it halves the limit (smaller: ask again), or
// at limit 1 skims the one event's response for the cursor after it, to skip that event.
func (m *monitorPoller) readPage(p *openPage) (page monitorPage, smaller bool) {
	if p.limit > 1 {
		page = p.read(nil)
	} else {
		skim := convert.NewStreamSkimmer()
		page = p.read(skim)
		if errors.Is(page.err, api.ErrTooLarge) {
			return m.skipOversizedEvent(p, page, skim), false
		}
	}
	if !errors.Is(page.err, api.ErrTooLarge) {
		m.regrowLimit(page.err == nil)
		return page, false
	}
	limit := max(p.limit/2, 1)
	m.limit.Store(int32(limit))
	m.fitPages = 0
	m.anomaly("oversized_page")
	m.logger.Warn("Monitor page larger than the page cap; asking again with a smaller limit",
		zap.String("cursor", p.cursor), zap.Int("limit", limit), zap.Int("max_bytes", api.MaxPageBytes))
	return monitorPage{}, true
}

// regrowLimit doubles a reduced limit back towards page_size once pages fit again.
func (m *monitorPoller) regrowLimit(fit bool) {
	limit := int(m.limit.Load())
	if !fit || limit >= m.cfg.PageSize {
		return
	}
	if m.fitPages++; m.fitPages >= limitRegrowPages {
		m.limit.Store(int32(min(2*limit, m.cfg.PageSize)))
		m.fitPages = 0
	}
}

// skipOversizedEvent turns the response of one event larger than api.MaxPageBytes into a page that
// delivers nothing and moves on to the cursor after it, which the top of the body or the skim named.
func (m *monitorPoller) skipOversizedEvent(p *openPage, read monitorPage, skim *convert.StreamSkimmer) monitorPage {
	next := p.next
	if c, ok := skim.Cursor(); ok && next == "" {
		next = c
	}
	if next == "" || next == p.cursor {
		read.err = fmt.Errorf("monitor stream: the event at cursor %q is larger than %d bytes and its response names no endCursor to skip it by: %w",
			p.cursor, api.MaxPageBytes, read.err)
		return read
	}
	id, ts := skim.FirstEvent()
	return monitorPage{cursor: p.cursor, requestedAt: p.requestedAt, endCursor: next, skipped: &skippedEvent{eventID: id, timestamp: ts}}
}

// anomaly counts a response that breaks the paging protocol.
func (m *monitorPoller) anomaly(kind string) {
	m.r.tb.ReceiverDocusignAnomalies.Add(context.Background(), 1,
		metric.WithAttributes(attrSource.String(monitorSource), attrKind.String(kind)))
}

// peekEndCursor reads just enough of body to find an endCursor at its top; ok is false when the
// page starts with something else (the cursor is then taken from the whole body).
func peekEndCursor(body pageBody) (cursor string, ok bool) {
	body.Peek(func(prefix []byte) bool {
		c, found, err := convert.SkimEndCursor(prefix)
		if err == nil { // a complete answer: the cursor, or none at the top level
			cursor, ok = c, found
			return true
		}
		return len(prefix) >= maxPeekBytes
	})
	return cursor, ok
}

// convertPages turns fetched pages into pdata in order; errors pass through to the consumer.
func (m *monitorPoller) convertPages(ctx context.Context, in <-chan monitorPage, out chan<- convertedPage) {
	defer close(out)
	for page := range in {
		if ctx.Err() != nil { // stopped: an unconverted page must never reach the consumer
			page.releaseBody()
			return
		}
		c := convertedPage{monitorPage: page}
		if page.err == nil && page.skipped == nil {
			c = m.convert(page, pcommon.NewTimestampFromTime(m.now()))
		}
		select {
		case out <- c:
		case <-ctx.Done():
			c.releaseBody()
			return
		}
	}
}

// convert decodes one page into a fresh plog.Logs with the receiver's resource and scope. When the
// pipeline may change what it is given, the body stays with the page until it is consumed: a refused
// batch is converted again for the retry. Otherwise the buffer serves the next fetch at once.
func (m *monitorPoller) convert(page monitorPage, observed pcommon.Timestamp) convertedPage {
	logs, records := m.r.newLogs()

	var refs []convert.EventRef
	select {
	case refs = <-m.spareRefs:
	default:
	}
	_, refs, stats, err := convert.AppendMonitorPage(page.body, records, observed, refs)
	if err != nil {
		page.err = fmt.Errorf("monitor stream: page from cursor %q cannot be decoded (trace token %s): %w", page.cursor, page.trace, err)
		return convertedPage{monitorPage: page} // the error may quote the body: keep its buffer
	}
	if !m.r.next.Capabilities().MutatesData {
		page.releaseBody()
	}
	return convertedPage{monitorPage: page, logs: logs, records: records, refs: refs, stats: stats, observed: observed}
}

// deliver de-duplicates and consumes one converted page, then moves the checkpoint. A failing
// consume is retried with backoff after stopping the pipeline (retried=true): the pages behind it
// are thrown away, and the checkpoint never moves past records the pipeline has not accepted.
func (m *monitorPoller) deliver(ctx context.Context, page convertedPage, stopPrefetch context.CancelFunc) (retried bool, err error) {
	defer page.releaseBody()
	if sk := page.skipped; sk != nil {
		m.r.tb.ReceiverDocusignRecordsDropped.Add(context.Background(), 1,
			metric.WithAttributes(attrSource.String(monitorSource), attrReason.String("oversized")))
		m.anomaly("oversized_event")
		m.logger.Error("Monitor event larger than the page cap skipped: it cannot be held, so it is not delivered",
			zap.String("cursor", page.cursor), zap.String("event_id", sk.eventID), zap.String("timestamp", sk.timestamp),
			zap.String("next_cursor", page.endCursor), zap.Int("max_bytes", api.MaxPageBytes))
		m.advance(ctx, page.monitorPage, nil)
		return false, nil
	}
	records, refs, stats := page.records, page.refs, page.stats
	fetched := len(refs)
	dropped := m.dropDuplicates(records, refs)

	mctx := context.Background()
	src := metric.WithAttributes(attrSource.String(monitorSource))
	m.r.tb.ReceiverDocusignRecordsFetched.Add(mctx, int64(fetched), src)
	if stats.Flagged > 0 {
		m.r.tb.ReceiverDocusignRecordsFlagged.Add(mctx, int64(stats.Flagged), src)
		m.logger.Warn("Monitor records could not be fully converted; emitted with docusign.conversion.error",
			zap.Int("records", stats.Flagged), zap.String("cursor", page.cursor), zap.String("trace_token", page.trace))
	}
	if dropped > 0 {
		m.r.tb.ReceiverDocusignRecordsDropped.Add(mctx, int64(dropped), metric.WithAttributes(attrSource.String(monitorSource), attrReason.String("duplicate")))
	}

	if records.Len() > 0 {
		rebuild := func() plog.Logs {
			if page.body == nil { // the pipeline does not change data: the refused batch is as it was
				return page.logs
			}
			again := m.convert(page.monitorPage, page.observed) // the same bytes decoded once already
			m.dropDuplicates(again.records, again.refs)
			return again.logs
		}
		stopPipeline := func() { stopPrefetch(); retried = true } // pages behind a refused one are stale
		err = m.r.consumeWithRetry(ctx, monitorSource, page.logs, rebuild, m.logger, m.cfg.PollInterval, zap.String("cursor", page.cursor), stopPipeline)
		if err != nil {
			return retried, err
		}
	}
	m.noteAnomalies(page)
	m.advance(ctx, page.monitorPage, refs)
	select {
	case m.spareRefs <- refs[:0]: // the converter reuses it; seen keeps only the id strings
	default:
	}
	return retried, nil
}

// noteAnomalies warns about pages that break the paging protocol, once per streak, and counts them.
func (m *monitorPoller) noteAnomalies(page convertedPage) {
	events := len(page.refs)
	kind := ""
	switch {
	case page.last == lastCaughtUp && events > 0:
		kind = "stalled_cursor"
		if !m.stalled {
			m.logger.Warn("Monitor page has events but names no new endCursor; the same page is read again at the next poll (warned once until the stream moves on)",
				zap.String("cursor", page.cursor), zap.String("end_cursor", page.endCursor), zap.Int("events", events), zap.String("trace_token", page.trace))
		}
		m.stalled = true
	case page.last == lastCursorCycle:
		kind = "cursor_cycle"
		m.logger.Warn("Monitor endCursor names a page this poll already read; ending the poll here",
			zap.String("cursor", page.cursor), zap.String("end_cursor", page.endCursor), zap.String("trace_token", page.trace))
	case page.last == lastPageCap:
		kind = "page_cap"
		m.logger.Warn("Monitor poll read the most pages one poll may; the next poll goes on at once", zap.Int("pages", maxPagesPerPoll))
	}
	if events > 0 && kind != "stalled_cursor" {
		m.stalled = false
	}
	if kind != "" {
		m.anomaly(kind)
	}
}

// advance records the page as consumed and saves the checkpoint.
func (m *monitorPoller) advance(ctx context.Context, page monitorPage, refs []convert.EventRef) {
	m.delivered++
	for _, ref := range refs {
		if ref.ID != "" {
			m.seen.add(ref.ID)
		}
	}
	if n := len(refs); n > 0 {
		last := refs[n-1]
		m.state.LastEventID = last.ID
		if !last.Timestamp.IsZero() {
			m.state.LastEventTime = last.Timestamp
			lag := m.now().Sub(last.Timestamp).Seconds()
			m.r.tb.ReceiverDocusignCheckpointLag.Record(context.Background(), lag)
		}
	} else if page.skipped == nil {
		m.state.LastCaughtUp = page.requestedAt
	}
	switch {
	case page.last == lastCursorCycle: // keep the page's own cursor: its endCursor leads back
		m.state.Cursor = page.cursor
	case page.endCursor != "": // never trade a good cursor for a missing one
		m.state.Cursor = page.endCursor
	case m.state.Cursor == "" && !m.state.LastEventTime.IsZero():
		// Without a cursor DocuSign serves its whole window again: an ISO cursor is the next best.
		m.state.Cursor = m.state.LastEventTime.UTC().Format(time.RFC3339Nano)
	}
	if m.state.Cursor == "" { // nothing better than DocuSign's default to record yet
		return
	}
	m.state.RecentIDs = m.seen.appendTo(m.state.RecentIDs[:0])
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointSaveTimeout)
	defer cancel()
	if err := m.store.Save(saveCtx, m.state); err != nil {
		m.logger.Error("Monitor checkpoint not saved; a restart may repeat events", zap.Error(err))
		m.saveFailing = true
		m.r.reportStatus(monitorCheckpointStatus, fmt.Errorf("checkpoint not saved, a restart would repeat events: %w", err))
	} else if m.saveFailing {
		m.saveFailing = false
		m.r.reportStatus(monitorCheckpointStatus, nil)
	}
}

// dropDuplicates removes records whose eventId was consumed recently and returns how many it
// removed; refs holds one entry per record.
func (m *monitorPoller) dropDuplicates(records plog.LogRecordSlice, refs []convert.EventRef) int {
	dups := 0
	for _, ref := range refs {
		if ref.ID != "" && m.seen.contains(ref.ID) {
			dups++
		}
	}
	if dups == 0 {
		return 0
	}
	i := 0
	records.RemoveIf(func(plog.LogRecord) bool {
		id := refs[i].ID
		i++
		return id != "" && m.seen.contains(id)
	})
	return dups
}
