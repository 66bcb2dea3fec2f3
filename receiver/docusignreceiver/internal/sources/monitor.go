// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package sources holds one file per DocuSign source. Each is handed its source.Deps and never sees
// the receiver.
package sources // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/stream"
)

const (
	// MonitorName names the Monitor source in telemetry, health and logs.
	MonitorName = "monitor"
	// monitorRetention is how far back the Monitor stream keeps events.
	monitorRetention = 7 * 24 * time.Hour
	// recentIDs is how many event ids the duplicate guard remembers: two full pages.
	recentIDs = 4000
	// recentSlots splits them into separately written slots: a page rewrites a few of them, not all.
	recentSlots = 9
)

// MonitorScopes are the OAuth scopes the Monitor stream needs.
var MonitorScopes = []string{auth.ScopeSignature, auth.ScopeImpersonation}

// MonitorOptions configure the Monitor source.
type MonitorOptions struct {
	// URL builds the request for a page of the configured stream (lens or organisation).
	URL          func(cursor string, limit int) string
	PageSize     int
	PollInterval time.Duration
	StartTime    time.Time // where a first run starts; zero: now
	// Enrich names events' actors and targets from deps.Identities; EnrichWait is how long a first
	// start waits for that inventory (0: not at all).
	Enrich     bool
	EnrichWait time.Duration
	// State, when set, follows whether the stream is caught up (the docusign.monitor.lag metric).
	State *StreamState
}

// monitorPosition is Monitor's checkpoint: where to read next and what was delivered last.
type monitorPosition struct {
	Cursor        string    `json:"cursor"`
	LastEventID   string    `json:"last_event_id,omitempty"`
	LastEventTime time.Time `json:"last_event_time,omitzero"`
	// LastCaughtUp is when a poll last found nothing newer: the stream was complete up to then, even
	// after a quiet week without events.
	LastCaughtUp time.Time `json:"last_caught_up,omitzero"`
	// RecentIDs are the duplicate guard's ids as monitor.v1 kept them; since v2 they live in their ring.
	RecentIDs []string `json:"recent_ids,omitempty"`
}

// completeUntil is how far the delivered stream is known to be complete.
func (p *monitorPosition) completeUntil() time.Time {
	if p.LastCaughtUp.After(p.LastEventTime) {
		return p.LastCaughtUp
	}
	return p.LastEventTime
}

// Monitor delivers every event of DocuSign Monitor's stream once, in order, checkpointing after each page.
type Monitor struct {
	opts   MonitorOptions
	deps   source.Deps
	reader *stream.Reader
	saved  *checkpoint.Record[monitorPosition]
	recent *checkpoint.Ring // the duplicate guard: event ids of the last pages

	writer *source.CheckpointWriter

	pos       monitorPosition
	stalled   bool // pages with events fail to name a new endCursor (warned once per streak)
	delivered uint64
	waited    bool // the first poll waited for the users inventory, or had no need to
}

// NewMonitor returns the Monitor source.
func NewMonitor(opts MonitorOptions, deps source.Deps) *Monitor {
	if !opts.Enrich {
		deps.Identities = nil
	}
	m := &Monitor{opts: opts, deps: deps}
	cfg := stream.Config{URL: opts.URL, PageSize: opts.PageSize, Deps: deps}
	if deps.Identities != nil {
		cfg.Enrich = func(records plog.LogRecordSlice, refs []convert.EventRef) {
			m.deps.Telemetry.Enrichment(m.enrich(records, refs))
		}
	}
	m.reader = stream.NewReader(cfg)
	m.saved = checkpoint.NewRecord(deps.Store, "v2", checkpoint.Older[monitorPosition]{Name: "v1", Decode: decodeMonitorV1})
	m.recent = checkpoint.NewRing(deps.Store, "recent", recentIDs, recentSlots)
	m.writer = source.NewCheckpointWriter(deps, "a restart would repeat events")
	return m
}

func (m *Monitor) Name() string            { return MonitorName }
func (m *Monitor) Interval() time.Duration { return m.opts.PollInterval }

// Load restores the position, or picks the first run's start. A storage read error is returned (and
// retried): guessing a position then would replay or skip a week. Data that cannot be decoded
// restarts at the oldest event DocuSign keeps: a replay beats a silent gap.
func (m *Monitor) Load(ctx context.Context) error {
	pos, from, err := m.saved.Load(ctx)
	if err != nil && !errors.Is(err, checkpoint.ErrCorrupt) {
		return fmt.Errorf("monitor checkpoint cannot be read; not polling until it can: %w", err)
	}
	var ops []checkpoint.Op
	if rerr := m.recent.Load(ctx); errors.Is(rerr, checkpoint.ErrCorrupt) { // only the duplicate guard: keep the position
		m.deps.Logger.Warn("Monitor duplicate guard damaged; starting it empty", zap.Error(rerr))
		ops = m.recent.Seed(nil)
	} else if rerr != nil {
		return fmt.Errorf("monitor checkpoint cannot be read; not polling until it can: %w", rerr)
	}
	log := m.deps.Logger
	switch {
	case err != nil:
		m.resetToRetention(zap.Error(err))
	case from != "" && pos.Cursor != "":
		m.pos = pos
		log.Info("Monitor resuming from checkpoint", zap.Time("last_event_time", pos.LastEventTime), zap.String("last_event_id", pos.LastEventID))
	case from != "" && !pos.LastEventTime.IsZero():
		// No cursor but a time: resume there; the duplicate guard drops the events delivered at it.
		m.pos = pos
		m.pos.Cursor = pos.LastEventTime.UTC().Format(time.RFC3339Nano)
		log.Warn("Monitor checkpoint has no cursor; resuming from its last event time", zap.Time("last_event_time", pos.LastEventTime))
	case from != "":
		m.resetToRetention(zap.String("stored", "a checkpoint without cursor or event time"))
	default:
		start := m.deps.Clock.Now().UTC()
		if !m.opts.StartTime.IsZero() {
			start = m.opts.StartTime.UTC()
		}
		m.pos = monitorPosition{Cursor: start.Format(time.RFC3339Nano), LastEventTime: start}
		log.Info("Monitor starting without checkpoint", zap.Time("start_time", start))
	}
	if from != "" && from != m.saved.Key() { // an earlier version's checkpoint: write it in today's form
		ops = append(m.recent.Seed(m.pos.RecentIDs), m.saved.Retire()...)
		log.Info("Monitor checkpoint migrated", zap.String("from", from), zap.String("to", m.saved.Key()))
	}
	m.pos.RecentIDs = nil
	if len(ops) > 0 && m.pos.Cursor != "" {
		m.save(ctx, ops...)
	}
	m.opts.State.restore(m.pos.LastCaughtUp)
	m.warnRetentionGap()
	return nil
}

// decodeMonitorV1 reads monitor.v1: the same fields, the recent ids among them.
func decodeMonitorV1(data []byte) (monitorPosition, error) {
	var v1 monitorPosition
	err := json.Unmarshal(data, &v1)
	return v1, err
}

// resetToRetention starts again without a cursor: DocuSign then serves its whole retention window.
func (m *Monitor) resetToRetention(why zap.Field) {
	m.deps.Logger.Error("Monitor checkpoint is damaged; starting again from the oldest event DocuSign keeps (up to 7 days of events may repeat)", why)
	m.pos = monitorPosition{}
}

// warnRetentionGap says loudly which time range DocuSign no longer has.
func (m *Monitor) warnRetentionGap() {
	oldest := m.deps.Clock.Now().Add(-monitorRetention)
	complete := m.pos.completeUntil()
	if complete.IsZero() || !complete.Before(oldest) {
		return
	}
	m.deps.Logger.Error("Monitor events are lost: the stored position is older than DocuSign's retention; continuing from the oldest event available",
		zap.Time("lost_from", complete), zap.Time("lost_until", oldest), zap.Duration("lost", oldest.Sub(complete)))
}

// Poll drains the stream from the checkpoint until caught up.
func (m *Monitor) Poll(ctx context.Context) (source.Result, error) {
	if !m.waited {
		m.waitForIdentities(ctx)
		m.waited = true
	}
	delivered := m.delivered
	more, err := m.reader.Drain(ctx, func() string { return m.pos.Cursor }, m.deliver)
	if refusedCursor(err) {
		m.fallBackToTime(err)
	}
	return source.Result{More: more, Progressed: m.delivered > delivered}, err
}

// waitForIdentities holds a first start until the users inventory is in, at most EnrichWait, so the
// backlog is enriched; it says once if it gives up.
func (m *Monitor) waitForIdentities(ctx context.Context) {
	inv := m.deps.Identities
	if inv == nil || m.opts.EnrichWait <= 0 {
		return
	}
	select {
	case <-inv.Ready():
		return
	default:
	}
	m.deps.Logger.Info("Monitor waiting for the first users sync, to name the users of its events", zap.Duration("at_most", m.opts.EnrichWait))
	waitCtx, cancel := context.WithTimeout(ctx, m.opts.EnrichWait)
	defer cancel()
	select {
	case <-inv.Ready():
	case <-waitCtx.Done():
		if ctx.Err() == nil {
			m.deps.Logger.Warn("Monitor gave up waiting for the first users sync; events name only the users known so far",
				zap.Duration("waited", m.opts.EnrichWait), zap.Int("users_known", inv.Len()))
		}
	}
}

// enrich names each event's actor and target from the users inventory; it says how many ids it
// knew and did not.
func (m *Monitor) enrich(records plog.LogRecordSlice, refs []convert.EventRef) (hits, misses int) {
	inv := m.deps.Identities
	for i := range refs {
		ref := &refs[i]
		if ref.Actor == "" && ref.Target == "" {
			continue
		}
		attrs := records.At(i).Attributes()
		if ref.Actor != "" {
			if who, ok := inv.Identity(ref.Actor); ok {
				convert.EnrichActor(attrs, who)
				hits++
			} else {
				misses++
			}
		}
		if ref.Target != "" {
			if who, ok := inv.Identity(ref.Target); ok {
				convert.EnrichTarget(attrs, who)
				hits++
			} else {
				misses++
			}
		}
	}
	return hits, misses
}

// refusedCursor recognises DocuSign refusing the cursor itself (400 INVALID_CURSOR), which retrying
// the same cursor can never cure.
func refusedCursor(err error) bool {
	var apiErr *api.Error
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest &&
		strings.Contains(strings.ToUpper(apiErr.Code+" "+apiErr.Message), "CURSOR")
}

// fallBackToTime replaces a refused opaque cursor by the time the stream is known complete until:
// DocuSign takes an ISO-8601 cursor, and the duplicate guard drops what is served again.
func (m *Monitor) fallBackToTime(err error) {
	at := m.pos.completeUntil()
	if at.IsZero() {
		at = m.deps.Clock.Now().Add(-monitorRetention)
	}
	iso := at.UTC().Format(time.RFC3339Nano)
	if m.pos.Cursor == iso {
		return // refused as a time too: nothing better to offer
	}
	m.deps.Telemetry.Anomaly("refused_cursor")
	m.deps.Logger.Warn("Monitor cursor refused by DocuSign; going on from the time the stream is known complete until (events after it may repeat)",
		zap.String("cursor", m.pos.Cursor), zap.String("from", iso), zap.Error(err))
	m.pos.Cursor = iso
}

// Probe asks for one event from now on: it shows that the token, the scopes and the stream work.
func (m *Monitor) Probe(ctx context.Context) error {
	resp, err := m.deps.Client.Get(ctx, "monitor stream", m.opts.URL(m.deps.Clock.Now().UTC().Format(time.RFC3339), 1))
	if err != nil {
		return err
	}
	defer resp.Release()
	if _, _, err := convert.SkimEndCursor(resp.Body); err != nil {
		return fmt.Errorf("monitor stream: response is not a stream page (trace token %s): %w; body starts %q",
			resp.TraceToken, err, redact.Snippet(resp.Body))
	}
	return nil
}

// deliver drops events delivered already, hands the page to the pipeline and moves the checkpoint.
// A refused page is retried after stopping the pages ahead (retried=true): the checkpoint never
// moves past records the pipeline has not accepted.
func (m *Monitor) deliver(ctx context.Context, p *stream.Page, stopAhead func()) (retried bool, err error) {
	t := m.deps.Telemetry
	if sk := p.Skipped; sk != nil {
		t.Dropped(1, "oversized")
		t.Anomaly("oversized_event")
		m.deps.Logger.Error("Monitor event larger than the page cap skipped: it cannot be held, so it is not delivered",
			zap.String("cursor", p.Cursor), zap.String("event_id", sk.EventID), zap.String("timestamp", sk.Timestamp),
			zap.String("next_cursor", p.EndCursor), zap.Int("max_bytes", api.MaxPageBytes))
		return false, m.advance(ctx, p)
	}
	t.Fetched(len(p.Refs))
	if p.Stats.Flagged > 0 {
		t.Flagged(p.Stats.Flagged)
		m.deps.Logger.Warn("Monitor records could not be fully converted; emitted with docusign.conversion.error",
			zap.Int("records", p.Stats.Flagged), zap.String("cursor", p.Cursor), zap.String("trace_token", p.Trace))
	}
	if dups := m.dropDuplicates(p.Records, p.Refs); dups > 0 {
		t.Dropped(dups, "duplicate")
	}
	if p.Records.Len() > 0 {
		err = m.deps.Deliver.Deliver(ctx, source.Batch{
			Logs:        p.Logs,
			Rebuild:     m.rebuild(p),
			Where:       zap.String("cursor", p.Cursor),
			BeforeRetry: func() { stopAhead(); retried = true }, // pages behind a refused one are stale
		})
		if err != nil {
			return retried, err
		}
	}
	m.noteAnomalies(p)
	return retried, m.advance(ctx, p)
}

// rebuild converts a refused page again when the pipeline may have changed it; nil resends it as it was.
func (m *Monitor) rebuild(p *stream.Page) func() plog.Logs {
	if !m.deps.Deliver.MutatesData() {
		return nil
	}
	return func() plog.Logs {
		logs, records, refs, _ := p.Reconvert(m.deps.NewBatch)
		if m.deps.Identities != nil {
			m.enrich(records, refs) // counted when the page was first converted
		}
		m.dropDuplicates(records, refs)
		return logs
	}
}

// dropDuplicates removes records whose eventId was delivered recently and says how many it removed.
func (m *Monitor) dropDuplicates(records plog.LogRecordSlice, refs []convert.EventRef) int {
	dups := 0
	for _, ref := range refs {
		if ref.ID != "" && m.recent.Contains(ref.ID) {
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
		return id != "" && m.recent.Contains(id)
	})
	return dups
}

// noteAnomalies warns about pages that break the paging protocol, once per streak, and counts them.
func (m *Monitor) noteAnomalies(p *stream.Page) {
	events, log := len(p.Refs), m.deps.Logger
	kind := ""
	switch {
	case p.Last == stream.LastCaughtUp && events > 0:
		kind = "stalled_cursor"
		if !m.stalled {
			log.Warn("Monitor page has events but names no new endCursor; the same page is read again at the next poll (warned once until the stream moves on)",
				zap.String("cursor", p.Cursor), zap.String("end_cursor", p.EndCursor), zap.Int("events", events), zap.String("trace_token", p.Trace))
		}
		m.stalled = true
	case p.Last == stream.LastCursorCycle:
		kind = "cursor_cycle"
		log.Warn("Monitor endCursor names a page this poll already read; ending the poll here",
			zap.String("cursor", p.Cursor), zap.String("end_cursor", p.EndCursor), zap.String("trace_token", p.Trace))
	case p.Last == stream.LastPageCap:
		kind = "page_cap"
		log.Warn("Monitor poll read the most pages one poll may; the next poll goes on at once", zap.Int("pages", source.MaxPagesPerPoll))
	}
	if events > 0 && kind != "stalled_cursor" {
		m.stalled = false
	}
	if kind != "" {
		m.deps.Telemetry.Anomaly(kind)
	}
}

// advance records the page as delivered and saves the checkpoint: the position and the page's event
// ids, in one write.
func (m *Monitor) advance(ctx context.Context, p *stream.Page) error {
	m.delivered++
	ids := make([]string, 0, len(p.Refs))
	for _, ref := range p.Refs {
		if ref.ID != "" {
			ids = append(ids, ref.ID)
		}
	}
	if n := len(p.Refs); n > 0 {
		last := p.Refs[n-1]
		m.pos.LastEventID = last.ID
		if !last.Timestamp.IsZero() {
			m.pos.LastEventTime = last.Timestamp
			m.deps.Telemetry.Lag(m.deps.Clock.Now().Sub(last.Timestamp).Seconds())
		}
	} else if p.Skipped == nil {
		m.pos.LastCaughtUp = p.RequestedAt
	}
	if p.Last == stream.LastCaughtUp {
		m.opts.State.caughtUpAt(p.RequestedAt)
	} else {
		m.opts.State.behind()
	}
	switch {
	case p.Last == stream.LastCursorCycle: // keep the page's own cursor: its endCursor leads back
		m.pos.Cursor = p.Cursor
	case p.EndCursor != "": // never trade a good cursor for a missing one
		m.pos.Cursor = p.EndCursor
	case m.pos.Cursor == "" && !m.pos.LastEventTime.IsZero():
		// Without a cursor DocuSign serves its whole window again: an ISO cursor is the next best.
		m.pos.Cursor = m.pos.LastEventTime.UTC().Format(time.RFC3339Nano)
	}
	ops := m.recent.Push(ids)
	if m.pos.Cursor == "" { // nothing better than DocuSign's default to record yet
		return nil
	}
	m.save(ctx, ops...)
	return nil
}

// save writes the position with ops, in one write.
func (m *Monitor) save(ctx context.Context, ops ...checkpoint.Op) {
	m.writer.Write(ctx, append(ops, m.saved.Set(m.pos))...)
}
