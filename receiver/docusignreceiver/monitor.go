package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
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
	RecentIDs     []string  `json:"recent_ids,omitempty"`
}

// monitorPage is one fetched, not yet converted, stream page.
type monitorPage struct {
	cursor    string // the cursor it was requested with
	endCursor string // "" when DocuSign sent none
	body      []byte
	trace     string
	err       error
	release   func() // returns body's buffer once converted
}

// caughtUp reports that the stream has nothing beyond this page.
func (p *monitorPage) caughtUp() bool { return p.endCursor == "" || p.endCursor == p.cursor }

// streamFetcher gets one Monitor page; tests inject a fake.
type streamFetcher interface {
	fetch(ctx context.Context, cursor string) (api.Response, error)
}

// httpFetcher reads either stream over HTTP; pageURL builds the request for a cursor.
type httpFetcher struct {
	client  *api.Client
	pageURL func(cursor string) string
}

func (f httpFetcher) fetch(ctx context.Context, cursor string) (api.Response, error) {
	return f.client.Get(ctx, "monitor stream", f.pageURL(cursor))
}

// newStreamFetcher picks the lens stream or the organisation stream.
func newStreamFetcher(cfg *Config, client *api.Client) httpFetcher {
	base, limit := cfg.monitorBaseURL(), cfg.Monitor.PageSize
	if cfg.Monitor.Stream == streamOrganization {
		org := cfg.monitorOrganizationID()
		return httpFetcher{client: client, pageURL: func(c string) string { return api.OrganizationStreamURL(base, org, c, limit) }}
	}
	return httpFetcher{client: client, pageURL: func(c string) string { return api.MonitorStreamURL(base, c, limit) }}
}

// monitorPoller drains the Monitor stream into the pipeline, checkpointing after every consumed page.
type monitorPoller struct {
	r       *docusignReceiver
	cfg     MonitorConfig
	fetcher streamFetcher
	store   *checkpoint.Store[monitorCheckpoint]
	logger  *zap.Logger
	now     func() time.Time

	state monitorCheckpoint
	seen  *recentIDs
	refs  []convert.EventRef
	retry backoff
}

func newMonitorPoller(r *docusignReceiver, client *api.Client) *monitorPoller {
	cfg := r.cfg.Monitor
	return &monitorPoller{
		r:       r,
		cfg:     cfg,
		fetcher: newStreamFetcher(r.cfg, client),
		store:   checkpoint.New[monitorCheckpoint](r.storage, monitorCheckpointKey),
		logger:  r.settings.Logger.With(zap.String("source", monitorSource)),
		now:     time.Now,
		seen:    newRecentIDs(dedupCapacity),
		retry:   newBackoff(min(5*time.Minute, max(cfg.PollInterval, 30*time.Second))),
	}
}

// run loads the checkpoint, then drains and waits poll_interval until ctx ends.
func (m *monitorPoller) run(ctx context.Context) {
	m.loadCheckpoint(ctx)
	for {
		err := m.drain(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := m.cfg.PollInterval
		if err != nil {
			wait = m.retry.next(err)
			m.logger.Warn("Monitor poll failed; will retry", zap.Error(err), zap.Duration("retry_in", wait))
		} else {
			m.retry.reset()
		}
		m.r.reportStatus(monitorSource, err)
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// loadCheckpoint restores the position, or picks the first run's start.
func (m *monitorPoller) loadCheckpoint(ctx context.Context) {
	state, found, err := m.store.Load(ctx)
	switch {
	case err != nil:
		// Starting at the oldest retained event may repeat events but loses none.
		m.logger.Error("Monitor checkpoint unreadable; starting from the oldest event DocuSign still keeps (events may repeat)", zap.Error(err))
		m.state = monitorCheckpoint{}
	case found && state.Cursor != "":
		m.state = state
		for _, id := range state.RecentIDs {
			m.seen.add(id)
		}
		m.logger.Info("Monitor resuming from checkpoint", zap.Time("last_event_time", state.LastEventTime), zap.String("last_event_id", state.LastEventID))
	default:
		start := m.now().UTC()
		if !m.cfg.StartTime.IsZero() {
			start = m.cfg.StartTime.UTC()
		}
		m.state = monitorCheckpoint{Cursor: start.UTC().Format(time.RFC3339Nano), LastEventTime: start}
		m.logger.Info("Monitor starting without checkpoint", zap.Time("start_time", start))
	}
	m.warnRetentionGap()
}

// warnRetentionGap says loudly which time range DocuSign no longer has.
func (m *monitorPoller) warnRetentionGap() {
	oldest := m.now().Add(-monitorRetention)
	if m.state.LastEventTime.IsZero() || !m.state.LastEventTime.Before(oldest) {
		return
	}
	m.logger.Error("Monitor events are lost: the stored position is older than DocuSign's retention; continuing from the oldest event available",
		zap.Time("lost_from", m.state.LastEventTime), zap.Time("lost_until", oldest),
		zap.Duration("lost", oldest.Sub(m.state.LastEventTime)))
	m.state.LastEventTime = oldest
}

// drain reads pages until caught up. Page N+1 is fetched while page N is converted and consumed.
func (m *monitorPoller) drain(ctx context.Context) error {
	for {
		restart, err := m.drainFrom(ctx)
		if err != nil || !restart {
			return err
		}
	}
}

// drainFrom runs one prefetching pass from the checkpoint cursor; restart asks for a fresh pass
// because a failed consume threw the prefetched page away.
func (m *monitorPoller) drainFrom(ctx context.Context) (restart bool, err error) {
	fetchCtx, cancel := context.WithCancel(ctx)
	pages := make(chan monitorPage) // unbuffered: one page consumed, at most one fetched ahead
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.fetchPages(fetchCtx, m.state.Cursor, pages)
	}()
	defer func() {
		cancel()
		<-done
	}()
	for page := range pages {
		if page.err != nil {
			return false, page.err
		}
		retried, err := m.deliver(ctx, page, cancel)
		if err != nil {
			return false, err
		}
		if retried {
			return true, nil
		}
	}
	return false, nil
}

// fetchPages follows endCursor until caught up, skimming each page so the next request starts at once.
func (m *monitorPoller) fetchPages(ctx context.Context, cursor string, out chan<- monitorPage) {
	defer close(out)
	for {
		page := monitorPage{cursor: cursor}
		resp, err := m.fetcher.fetch(ctx, cursor)
		if err == nil {
			page.body, page.trace, page.release = resp.Body, resp.TraceToken, resp.Release
			page.endCursor, _, err = convert.SkimEndCursor(resp.Body)
			if err != nil {
				err = fmt.Errorf("monitor stream: response is not a stream page (trace token %s): %w; body starts %q",
					resp.TraceToken, err, api.Snippet(resp.Body))
			}
		}
		page.err = err
		select {
		case out <- page:
		case <-ctx.Done():
			return
		}
		if err != nil || page.caughtUp() {
			return
		}
		cursor = page.endCursor
	}
}

// deliver converts, deduplicates and consumes one page, then moves the checkpoint. A failing consume
// is retried with backoff after stopping the prefetch (retried=true); the checkpoint never moves past
// records the pipeline has not accepted.
func (m *monitorPoller) deliver(ctx context.Context, page monitorPage, stopPrefetch context.CancelFunc) (retried bool, err error) {
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	m.r.fillResource(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	sl.Scope().SetVersion(m.r.settings.BuildInfo.Version)
	records := sl.LogRecords()

	observed := pcommon.NewTimestampFromTime(m.now())
	_, refs, stats, err := convert.AppendMonitorPage(page.body, records, observed, m.refs[:0])
	m.refs = refs
	if err == nil && page.release != nil {
		page.release() // pdata holds copies; the buffer can serve the next fetch
	}
	if err != nil {
		return false, fmt.Errorf("monitor stream: page from cursor %q cannot be decoded (trace token %s): %w", page.cursor, page.trace, err)
	}
	fetched := len(refs)
	dropped := m.dropDuplicates(records)

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
		retried, err = m.consume(ctx, logs, page, stopPrefetch)
		if err != nil {
			return retried, err
		}
	}
	m.advance(ctx, page, refs)
	return retried, nil
}

// consume hands logs to the pipeline until it accepts them, rejects them for good, or ctx ends.
func (m *monitorPoller) consume(ctx context.Context, logs plog.Logs, page monitorPage, stopPrefetch context.CancelFunc) (retried bool, err error) {
	wait := newBackoff(min(30*time.Second, m.cfg.PollInterval))
	n := logs.LogRecordCount()
	for {
		err := m.consumeOnce(ctx, logs)
		if err == nil {
			return retried, nil
		}
		if consumererror.IsPermanent(err) {
			m.r.tb.ReceiverDocusignRecordsDropped.Add(context.Background(), int64(n),
				metric.WithAttributes(attrSource.String(monitorSource), attrReason.String("permanent_error")))
			m.logger.Error("Pipeline rejected Monitor records permanently; skipping them",
				zap.Int("records", n), zap.String("cursor", page.cursor), zap.Error(err))
			return retried, nil
		}
		if !retried {
			stopPrefetch() // the prefetched page is stale once this one has to be retried
			retried = true
		}
		d := wait.next(err)
		m.r.tb.ReceiverDocusignRetries.Add(context.Background(), 1,
			metric.WithAttributes(attrSource.String(monitorSource), attrReason.String("consume")))
		m.logger.Warn("Pipeline refused Monitor records; retrying the same page", zap.Int("records", n), zap.Error(err), zap.Duration("retry_in", d))
		m.r.reportStatus(monitorSource, err)
		if !sleepCtx(ctx, d) {
			return retried, ctx.Err()
		}
	}
}

func (m *monitorPoller) consumeOnce(ctx context.Context, logs plog.Logs) error {
	obsCtx := m.r.obsrecv.StartLogsOp(ctx)
	err := m.r.next.ConsumeLogs(obsCtx, logs)
	m.r.obsrecv.EndLogsOp(obsCtx, "json", logs.LogRecordCount(), err)
	return err
}

// advance records the page as consumed and saves the checkpoint.
func (m *monitorPoller) advance(ctx context.Context, page monitorPage, refs []convert.EventRef) {
	if page.endCursor != "" { // never trade a good cursor for a missing one
		m.state.Cursor = page.endCursor
	}
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
	}
	m.state.RecentIDs = m.seen.appendTo(m.state.RecentIDs[:0])
	if err := m.store.Save(ctx, m.state); err != nil && !errors.Is(err, context.Canceled) {
		m.logger.Error("Monitor checkpoint not saved; a restart may repeat events", zap.Error(err))
	}
}

// dropDuplicates removes records whose eventId was consumed recently and returns how many it removed.
func (m *monitorPoller) dropDuplicates(records plog.LogRecordSlice) int {
	dups := 0
	for _, ref := range m.refs {
		if ref.ID != "" && m.seen.contains(ref.ID) {
			dups++
		}
	}
	if dups == 0 {
		return 0
	}
	i := 0
	records.RemoveIf(func(plog.LogRecord) bool {
		id := m.refs[i].ID
		i++
		return id != "" && m.seen.contains(id)
	})
	return dups
}
