package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
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
	usersSource = "users"
	usersListOp = "users list"
	// Storage keys: the sync state (JSON), the digest table as of the last completed sync, and the
	// digests each page changed since then (replayed in order on load).
	usersCheckpointKey = "users.v1"
	usersDigestsKey    = usersCheckpointKey + ".digests"
	usersDeltaKey      = usersCheckpointKey + ".delta."
	// usersModifiedOverlap widens last_modified_since: DocuSign may filter by whole days, read in
	// a time zone we do not know.
	usersModifiedOverlap = 48 * time.Hour
	// removedSample is how many ids of users gone from a full listing the log names.
	removedSample = 10
)

// usersCheckpoint is the sync state that survives a restart; the digests live under their own keys.
type usersCheckpoint struct {
	// Watermark is when the last completed sync started: the next one asks for users modified since.
	Watermark time.Time `json:"watermark,omitzero"`
	// LastFullSync is when the last completed full listing started.
	LastFullSync time.Time `json:"last_full_sync,omitzero"`
	// Users is the size of the digest table, for the logs.
	Users int `json:"users"`
	// Deltas is how many page deltas were saved after the digest table.
	Deltas int `json:"deltas,omitempty"`
}

// usersSync is one listing in progress. It outlives a failed attempt, so the next attempt resumes
// at the page that failed instead of re-reading the directory.
type usersSync struct {
	full    bool      // every user, not only the recently modified
	started time.Time // becomes the watermark once the listing completes
	since   time.Time // last_modified_since; zero for a full listing
	start   int       // index of the next page's first user
	next    string    // DocuSign's paging.next for that page, when it may be followed
	// followed holds the next links this listing followed; one seen again is a cycle, after which
	// the listing pages with start/take.
	followed map[string]bool
	noNext   bool
	take     int // 0: users.page_size; smaller after a page over the cap
	pages    int
	listed   int
	changed  int
}

// takeOr is the page size to ask for.
func (s *usersSync) takeOr(pageSize int) int {
	if s.take > 0 {
		return s.take
	}
	return pageSize
}

// usersPage is one decoded listing response.
type usersPage struct {
	convert.UsersPage
	trace string
}

// userChange is a digest to store once the page that carries it is consumed.
type userChange struct {
	id     string
	digest userDigest
}

// usersPoller keeps an inventory of the organisation's users and emits the users that are new or changed.
type usersPoller struct {
	r       *docusignReceiver
	cfg     UsersConfig
	client  *api.Client
	base    string
	origin  *url.URL // scheme, host and path prefix paging.next must keep
	storage storage.Client
	meta    *checkpoint.LegacyStore[usersCheckpoint]
	logger  *zap.Logger
	now     func() time.Time

	state   usersCheckpoint
	digests *digestTable
	sync    *usersSync
	// groups asks for ds_groups; it turns off for good when the organisation lacks the entitlement.
	groups      bool
	warnedNext  bool
	unsaved     bool // a page's digests failed to save: rewrite the whole table at the sync's end
	saveFailing bool // checkpoint writes fail: health stays an error until one succeeds

	changes []userChange
	delta   digestDelta
}

func newUsersPoller(r *docusignReceiver, client *api.Client) *usersPoller {
	cfg := r.cfg.Users
	base := r.cfg.adminBaseURL()
	origin, _ := url.Parse(base) // validated in Config.Validate
	return &usersPoller{
		r:       r,
		cfg:     cfg,
		client:  client,
		base:    base,
		origin:  origin,
		storage: r.storage,
		meta:    checkpoint.NewLegacy[usersCheckpoint](r.storage, usersCheckpointKey),
		logger:  r.settings.Logger.With(zap.String("source", usersSource)),
		now:     time.Now,
		digests: newDigestTable(),
		groups:  true,
	}
}

// run loads the checkpoint, then syncs and waits poll_interval until ctx ends.
func (u *usersPoller) run(ctx context.Context) {
	u.r.pollLoop(ctx, usersSource, u.cfg.PollInterval, u.logger, "Users sync failed; will resume at the failed page", u.loadCheckpoint, u.syncOnce)
}

// loadCheckpoint restores the sync state and the digest table. A storage read error is returned (and
// retried): starting a fresh inventory then would report every user again for nothing. Data that
// cannot be decoded starts a fresh inventory: every user is reported once more (CREATE), none is missed.
func (u *usersPoller) loadCheckpoint(ctx context.Context) error {
	u.state, u.digests, u.sync, u.changes = usersCheckpoint{}, newDigestTable(), nil, u.changes[:0]
	state, found, err := u.meta.Load(ctx)
	if err == nil && found {
		state.Deltas, err = u.loadDigests(ctx, state.Deltas)
	}
	switch {
	case err != nil && !errors.Is(err, checkpoint.ErrCorrupt):
		u.digests = newDigestTable()
		return fmt.Errorf("users checkpoint cannot be read; not syncing until it can: %w", err)
	case err != nil:
		u.logger.Error("Users checkpoint damaged; re-listing every user, each reported again as CREATE", zap.Error(err))
		u.digests = newDigestTable()
	case !found:
		u.logger.Info("Users starting without checkpoint; the first sync reports every user")
	default:
		u.state = state
		u.logger.Info("Users resuming from checkpoint", zap.Time("watermark", state.Watermark),
			zap.Time("last_full_sync", state.LastFullSync), zap.Int("users", u.digests.len()))
	}
	return nil
}

// loadDigests reads the digest table and then the page deltas one key at a time, so a damaged count
// allocates nothing; the chain of deltas ends at the first missing one. It returns how many it read.
func (u *usersPoller) loadDigests(ctx context.Context, deltas int) (int, error) {
	if err := u.applyDigests(ctx, usersDigestsKey, false); err != nil {
		return 0, err
	}
	for i := range max(deltas, 0) {
		key := usersDeltaKey + strconv.Itoa(i)
		if err := u.applyDigests(ctx, key, true); errors.Is(err, errNoDelta) {
			u.logger.Warn("Users checkpoint names more digest deltas than are stored; using those found",
				zap.Int("stated", deltas), zap.Int("found", i))
			return i, nil
		} else if err != nil {
			return 0, err
		}
	}
	return deltas, nil
}

var errNoDelta = errors.New("no such delta")

// applyDigests folds the digests stored under key into the table.
func (u *usersPoller) applyDigests(ctx context.Context, key string, mustExist bool) error {
	data, err := u.storage.Get(ctx, key)
	switch {
	case err != nil:
		return fmt.Errorf("checkpoint %q: read: %w", key, err)
	case data == nil && mustExist:
		return errNoDelta
	}
	if err := u.digests.apply(data); err != nil {
		return fmt.Errorf("checkpoint %q: %w: stored digests (%d bytes): %w", key, checkpoint.ErrCorrupt, len(data), err)
	}
	return nil
}

// syncOnce lists the users due (all, or those modified since the watermark) page by page,
// delivering each page's changes before asking for the next. After maxPagesPerPoll pages it hands
// over to the next poll at once (more), which resumes the same listing.
func (u *usersPoller) syncOnce(ctx context.Context) (pollResult, error) {
	if u.sync == nil {
		u.sync = u.newSync()
	}
	s := u.sync
	for pages := 1; ; pages++ {
		page, err := u.fetch(ctx, s)
		if err != nil {
			return pollResult{progressed: pages > 1}, err
		}
		if err := u.deliver(ctx, s, page); err != nil {
			return pollResult{progressed: pages > 1}, err
		}
		if !u.turnPage(s, page) {
			break
		}
		if pages >= maxPagesPerPoll {
			u.anomaly("page_cap")
			u.logger.Warn("Users sync read the most pages one poll may; the next poll goes on at once",
				zap.Int("pages", pages), zap.Int("start", s.start))
			return pollResult{more: true, progressed: true}, nil
		}
	}
	u.finish(ctx, s)
	u.sync = nil
	return pollResult{progressed: true}, nil
}

// anomaly counts a response that breaks the paging protocol.
func (u *usersPoller) anomaly(kind string) {
	u.r.tb.ReceiverDocusignAnomalies.Add(context.Background(), 1,
		metric.WithAttributes(attrSource.String(usersSource), attrKind.String(kind)))
}

// newSync decides between a full listing and an incremental one.
func (u *usersPoller) newSync() *usersSync {
	now := u.now()
	s := &usersSync{started: now}
	lastFull := u.state.LastFullSync
	switch {
	case u.state.Watermark.IsZero() || lastFull.IsZero():
		s.full = true
	case u.cfg.FullSyncInterval > 0 && now.Sub(lastFull) >= u.cfg.FullSyncInterval:
		s.full = true
	default:
		// A watermark from a clock that ran ahead must not hide today's changes.
		since := u.state.Watermark
		if since.After(now) {
			since = now
		}
		s.since = since.Add(-usersModifiedOverlap)
	}
	if s.full {
		u.digests.clearSeen()
	}
	return s
}

// fetch gets the sync's next page, dropping include_ds_groups when the organisation lacks it and
// halving take while a page exceeds api.MaxPageBytes.
func (u *usersPoller) fetch(ctx context.Context, s *usersSync) (usersPage, error) {
	for {
		rawURL := s.next
		if rawURL == "" {
			rawURL = api.UsersURL(u.base, api.UsersQuery{
				OrganizationID:    u.cfg.OrganizationID,
				AccountID:         u.cfg.AccountID,
				Start:             s.start,
				Take:              s.takeOr(u.cfg.PageSize),
				LastModifiedSince: s.since,
				IncludeGroups:     u.groups,
			})
		}
		resp, err := u.client.Get(ctx, usersListOp, rawURL)
		switch {
		case err == nil:
		case u.groups && lacksGroupsEntitlement(err):
			u.groups, s.next = false, ""
			u.logger.Info("The organisation lacks the entitlement for include_ds_groups; listing users without groups (xdm.target.user.groups stays unset)",
				zap.Error(err))
			continue
		case errors.Is(err, api.ErrTooLarge):
			if !u.shrinkTake(s) {
				return usersPage{}, err
			}
			continue
		default:
			return usersPage{}, err
		}
		page, err := convert.DecodeUsersPage(resp.Body)
		if err != nil {
			return usersPage{}, fmt.Errorf("users list: response at start %d is not a users page (trace token %s): %w; body starts %q",
				s.start, resp.TraceToken, err, redact.Snippet(resp.Body))
		}
		return usersPage{UsersPage: page, trace: resp.TraceToken}, nil
	}
}

// shrinkTake halves the page asked for after a page larger than api.MaxPageBytes, paging with
// start/take from then on; at take 1 the one user there is skipped. false: nothing left to try.
func (u *usersPoller) shrinkTake(s *usersSync) bool {
	take := s.takeOr(u.cfg.PageSize)
	s.next, s.noNext = "", true // a next link carries its own take
	if take > 1 {
		s.take = take / 2
		u.anomaly("oversized_page")
		u.logger.Warn("Users page larger than the page cap; asking again with a smaller take",
			zap.Int("start", s.start), zap.Int("take", s.take), zap.Int("max_bytes", api.MaxPageBytes))
		return true
	}
	u.anomaly("oversized_event")
	u.r.tb.ReceiverDocusignRecordsDropped.Add(context.Background(), 1,
		metric.WithAttributes(attrSource.String(usersSource), attrReason.String("oversized")))
	u.logger.Error("Users record larger than the page cap skipped: it cannot be held, so it is not delivered",
		zap.Int("start", s.start), zap.Int("max_bytes", api.MaxPageBytes))
	s.start++
	return true
}

// lacksGroupsEntitlement recognises DocuSign refusing include_ds_groups for this organisation: a 400
// that names groups or an entitlement (a 403 is about the caller, and must not drop groups for good).
func lacksGroupsEntitlement(err error) bool {
	var apiErr *api.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest {
		return false
	}
	text := strings.ToLower(apiErr.Code + " " + apiErr.Message)
	return strings.Contains(text, "entitlement") || strings.Contains(text, "group")
}

// deliver emits the page's new and changed users (and, in a snapshot full sync, every user), then
// stores the page's digests.
func (u *usersPoller) deliver(ctx context.Context, s *usersSync, page usersPage) error {
	snapshot := s.full && u.cfg.Snapshot
	u.changes = u.changes[:0]
	emits := make([]userEmit, 0, len(page.Users))
	for i := range page.Users {
		user := &page.Users[i]
		// Without an id the record is tracked by its content (convert.User.ID): reported once, not every sync.
		id, digest := user.ID, user.Digest
		old, known := u.pageDigest(id)
		op := ""
		switch {
		case !known:
			op = convert.OperationCreate
		case old != digest:
			op = convert.OperationUpdate
		case s.full:
			u.digests.markSeen(id)
		}
		if op != "" {
			emits = append(emits, userEmit{user: user, op: op})
			u.changes = append(u.changes, userChange{id: id, digest: digest})
		}
		if snapshot {
			emits = append(emits, userEmit{user: user, op: convert.OperationSnapshot})
		}
	}
	s.pages++
	s.listed += len(page.Users)

	observed := pcommon.NewTimestampFromTime(u.now())
	build := func() (plog.Logs, int) {
		logs, records := u.r.newLogs()
		records.EnsureCapacity(len(emits))
		flagged := 0
		for _, e := range emits {
			if e.user.Append(records, e.op, observed) {
				flagged++
			}
		}
		return logs, flagged
	}
	logs, flagged := build()

	mctx := context.Background()
	src := metric.WithAttributes(attrSource.String(usersSource))
	u.r.tb.ReceiverDocusignRecordsFetched.Add(mctx, int64(len(page.Users)), src)
	if flagged > 0 {
		u.r.tb.ReceiverDocusignRecordsFlagged.Add(mctx, int64(flagged), src)
		u.logger.Warn("Users records could not be fully converted; emitted with docusign.conversion.error",
			zap.Int("records", flagged), zap.Int("start", s.start), zap.String("trace_token", page.trace))
	}
	if len(emits) > 0 {
		rebuild := func() plog.Logs { logs, _ := build(); return logs }
		if err := u.r.consumeWithRetry(ctx, usersSource, logs, rebuild, u.logger, u.cfg.PollInterval, zap.Int("start", s.start), nil); err != nil {
			return err
		}
	}
	u.store(ctx, s)
	return nil
}

// userEmit is one record a page produces: a user and its operation.
type userEmit struct {
	user *convert.User
	op   string
}

// pageDigest is id's digest as of this page: an earlier user of the same page wins over the table.
func (u *usersPoller) pageDigest(id string) (userDigest, bool) {
	for i := len(u.changes) - 1; i >= 0; i-- {
		if u.changes[i].id == id {
			return u.changes[i].digest, true
		}
	}
	return u.digests.lookup(id)
}

// store records the consumed page's digests: in memory, then as one delta saved with the sync state.
func (u *usersPoller) store(ctx context.Context, s *usersSync) {
	if len(u.changes) == 0 {
		return
	}
	u.delta.reset()
	for _, c := range u.changes {
		u.digests.set(c.id, c.digest)
		u.delta.add(c.id, c.digest)
	}
	s.changed += len(u.changes)
	next := u.state
	next.Deltas++
	next.Users = u.digests.len()
	err := u.save(ctx, next,
		storage.SetOperation(usersDeltaKey+strconv.Itoa(u.state.Deltas), u.delta.buf))
	u.reportSave(err)
	if err != nil {
		u.logger.Error("Users digests not saved; a restart may report this page's users again", zap.Error(err))
		u.unsaved = true // the sync's end rewrites the whole table
		return
	}
	u.state = next
}

// usersCheckpointStatus is the health key of the users checkpoint writes, apart from its syncs.
const usersCheckpointStatus = usersSource + " checkpoint"

// reportSave keeps health an error while checkpoint writes fail, and clears it once one succeeds.
func (u *usersPoller) reportSave(err error) {
	switch {
	case err != nil:
		u.saveFailing = true
		u.r.reportStatus(usersCheckpointStatus, fmt.Errorf("checkpoint not saved, a restart would report users again: %w", err))
	case u.saveFailing:
		u.saveFailing = false
		u.r.reportStatus(usersCheckpointStatus, nil)
	}
}

// turnPage moves s to the next page and reports whether there is one.
func (u *usersPoller) turnPage(s *usersSync, page usersPage) bool {
	n := len(page.Users)
	fetched := s.next
	s.start += n
	s.next = ""
	if n == 0 {
		return false
	}
	if s.noNext { // next cannot be trusted: a total, else a full page, says there is more
		return (page.HasTotal && s.start < page.TotalSetSize) || (!page.HasTotal && n >= s.takeOr(u.cfg.PageSize))
	}
	if next := page.Next; next != "" && next != fetched {
		switch {
		case s.followed[next]:
			s.noNext = true
			u.anomaly("next_cycle")
			u.logger.Warn("Users paging.next leads back to a page this listing already read; paging with start/take for the rest of it",
				zap.Int("start", s.start), zap.String("trace_token", page.trace))
		case u.followable(next):
			if s.followed == nil {
				s.followed = make(map[string]bool)
			}
			s.followed[next] = true
			s.next = next
			if at, ok := startOf(next); ok { // a link back must not shift where start/take resumes
				s.start = at
			}
		case !u.warnedNext:
			u.warnedNext = true
			u.logger.Warn("Users paging.next leaves the configured users.endpoint; paging with start/take instead",
				zap.String("endpoint", u.origin.Redacted()))
		}
		return true
	}
	// DocuSign omits next on the last page; a total that says otherwise is believed.
	return page.HasTotal && s.start < page.TotalSetSize
}

// startOf reads the start query parameter of a paging link.
func startOf(link string) (int, bool) {
	u, err := url.Parse(link)
	if err != nil {
		return 0, false
	}
	n, err := strconv.Atoi(u.Query().Get("start"))
	return n, err == nil && n >= 0
}

// followable reports that next stays on the configured Admin API: same scheme, host and base path,
// so the bearer token never goes anywhere else.
func (u *usersPoller) followable(next string) bool {
	n, err := url.Parse(next)
	if err != nil || u.origin == nil {
		return false
	}
	return n.Scheme == u.origin.Scheme && strings.EqualFold(n.Host, u.origin.Host) && n.User == nil &&
		strings.HasPrefix(n.Path, strings.TrimRight(u.origin.Path, "/")+"/")
}

// finish completes a sync: users a full listing no longer returns are forgotten, the page deltas
// are folded into the digest table and the watermark moves.
func (u *usersPoller) finish(ctx context.Context, s *usersSync) {
	removed, sample := 0, []string(nil)
	if s.full {
		removed, sample = u.digests.pruneUnseen(removedSample)
	}
	next := u.state
	next.Watermark = s.started
	if s.full {
		next.LastFullSync = s.started
	}
	next.Users = u.digests.len()
	var ops []*storage.Operation
	if u.state.Deltas > 0 || removed > 0 || u.unsaved {
		next.Deltas = 0
		ops = append(ops, storage.SetOperation(usersDigestsKey, u.digests.encode()))
	}
	// The state is written after the table it describes, and the deltas are deleted last.
	err := u.save(ctx, next, ops...)
	if err == nil && next.Deltas == 0 {
		var dels []*storage.Operation
		for i := range u.state.Deltas {
			dels = append(dels, storage.DeleteOperation(usersDeltaKey+strconv.Itoa(i)))
		}
		if len(dels) > 0 {
			if derr := u.batch(ctx, dels...); derr != nil {
				u.logger.Warn("Users: old digest deltas not deleted", zap.Error(derr))
			}
		}
	}
	u.reportSave(err)
	if err != nil {
		u.logger.Error("Users checkpoint not saved; a restart may report some users again", zap.Error(err))
		next.Deltas = u.state.Deltas
		u.unsaved = true
	} else if len(ops) > 0 {
		u.unsaved = false
	}
	u.state = next

	kind := "incremental"
	if s.full {
		kind = "full"
	}
	fields := []zap.Field{zap.String("sync", kind), zap.Int("listed", s.listed), zap.Int("changed", s.changed),
		zap.Int("pages", s.pages), zap.Int("users", next.Users), zap.Duration("took", u.now().Sub(s.started))}
	if removed > 0 {
		// The Admin API has no delete event: the users are forgotten, and reported as CREATE if they return.
		u.logger.Info("Users no longer listed by DocuSign; forgotten", zap.Int("removed", removed), zap.Strings("sample_ids", sample))
	}
	if s.changed > 0 || s.full {
		u.logger.Info("Users sync done", fields...)
	} else {
		u.logger.Debug("Users sync done", fields...)
	}
}

// save writes ops and then the sync state in one batch.
func (u *usersPoller) save(ctx context.Context, state usersCheckpoint, ops ...*storage.Operation) error {
	data, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("checkpoint %q: encode: %w", usersCheckpointKey, err)
	}
	return u.batch(ctx, append(ops, storage.SetOperation(usersCheckpointKey, data))...)
}

// batch runs storage operations; a shutdown that already began does not stop it.
func (u *usersPoller) batch(ctx context.Context, ops ...*storage.Operation) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), checkpointSaveTimeout)
	defer cancel()
	if err := u.storage.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("checkpoint %q: write: %w", usersCheckpointKey, err)
	}
	return nil
}
