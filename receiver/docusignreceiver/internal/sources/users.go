// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

const (
	// UsersName names the users source in telemetry, health and logs.
	UsersName = "users"
	usersOp   = "users list"
	// usersModifiedOverlap widens last_modified_since: DocuSign may filter by whole days, read in a
	// time zone we do not know.
	usersModifiedOverlap = 48 * time.Hour
	// removedSample is how many ids of users gone from a full listing the log names.
	removedSample = 10
	// maxDigestDeltas is how many page deltas pile up before the digest table is rewritten whole.
	maxDigestDeltas = 256
)

// UsersScopes are the OAuth scopes the Admin users listing needs.
var UsersScopes = []string{auth.ScopeUserRead, auth.ScopeOrganizationRead}

// UsersOptions configure the users source.
type UsersOptions struct {
	BaseURL          string // the Admin API, …/management
	OrganizationID   string
	AccountID        string
	PageSize         int
	PollInterval     time.Duration
	FullSyncInterval time.Duration // 0: never re-list everyone
	Snapshot         bool          // emit every user at each full sync
}

// usersState is the sync state that survives a restart; the digests live in their own log.
type usersState struct {
	// Watermark is when the last completed sync started: the next one asks for users modified since.
	Watermark time.Time `json:"watermark,omitzero"`
	// LastFullSync is when the last completed full listing started.
	LastFullSync time.Time `json:"last_full_sync,omitzero"`
	// Users is the size of the digest table, for the logs.
	Users int `json:"users"`
	// Deltas is users.v1's count of digest deltas, read only to migrate them.
	Deltas int `json:"deltas,omitempty"`
}

// Users keeps an inventory of the organisation's users and delivers the users that are new or changed.
type Users struct {
	opts    UsersOptions
	deps    source.Deps
	listing *listing
	saved   *checkpoint.Record[usersState]
	// digests holds, per user id, the digest of the record last handed to the pipeline.
	digests *checkpoint.Log[[16]byte]

	writer *source.CheckpointWriter
	state  usersState
	sync   *usersSync // the listing in progress; it outlives a failed attempt, which resumes at its page
}

// usersSync is one listing in progress.
type usersSync struct {
	full    bool      // every user, not only the recently modified
	started time.Time // becomes the watermark once the listing completes
	since   time.Time // last_modified_since; zero for a full listing
	cursor  pageCursor
	pages   int
	listed  int
	changed int
}

// NewUsers returns the users source.
func NewUsers(opts UsersOptions, deps source.Deps) *Users {
	return &Users{
		opts:    opts,
		deps:    deps,
		listing: newListing(opts, deps),
		saved: checkpoint.NewRecord(deps.Store, "v2", checkpoint.Older[usersState]{
			Name: "v1", Decode: decodeUsersV1}),
		digests: checkpoint.NewLog(deps.Store, "digests", checkpoint.Bytes16{}),
		writer:  source.NewCheckpointWriter(deps, "a restart would report users again"),
	}
}

func (u *Users) Name() string            { return UsersName }
func (u *Users) Interval() time.Duration { return u.opts.PollInterval }

// Load restores the sync state and the digest table. A storage read error is returned (and retried):
// starting a fresh inventory then would report every user again for nothing. Data that cannot be
// decoded starts a fresh inventory: every user is reported once more (CREATE), none is missed.
func (u *Users) Load(ctx context.Context) error {
	u.state, u.sync = usersState{}, nil
	state, from, err := u.saved.Load(ctx)
	var retire []checkpoint.Op
	switch {
	case err != nil:
	case from != "" && from != u.saved.Key(): // users.v1: its digests migrate into the log
		var read int
		read, retire, err = checkpoint.ImportV1(ctx, u.digests, "v1.digests", func(i int) string { return "v1.delta." + strconv.Itoa(i) }, state.Deltas)
		if err == nil && read < state.Deltas {
			u.deps.Logger.Warn("Users checkpoint names more digest deltas than are stored; using those found",
				zap.Int("stated", state.Deltas), zap.Int("found", read))
		}
		retire = append(retire, u.saved.Retire()...)
	default:
		_, err = u.digests.Load(ctx)
	}
	if inv := u.deps.Identities; inv != nil && err == nil {
		err = inv.Load(ctx)
	}
	log := u.deps.Logger
	switch {
	case err != nil && !errors.Is(err, checkpoint.ErrCorrupt):
		return fmt.Errorf("users checkpoint cannot be read; not syncing until it can: %w", err)
	case err != nil:
		log.Error("Users checkpoint damaged; re-listing every user, each reported again as CREATE", zap.Error(err))
		u.digests = checkpoint.NewLog(u.deps.Store, "digests", checkpoint.Bytes16{})
		if inv := u.deps.Identities; inv != nil {
			inv.Reset()
		}
		u.saveAll(ctx, true, retire...)
	case from == "":
		log.Info("Users starting without checkpoint; the first sync reports every user")
	default:
		u.state = state
		u.state.Deltas = 0
		log.Info("Users resuming from checkpoint", zap.Time("watermark", state.Watermark),
			zap.Time("last_full_sync", state.LastFullSync), zap.Int("users", u.digests.Len()))
		if len(retire) > 0 {
			u.save(ctx, append(retire, u.digests.Commit()...)...)
			log.Info("Users checkpoint migrated", zap.String("from", from), zap.String("to", u.saved.Key()))
		}
	}
	if u.deps.Identities == nil {
		u.forgetInventory(ctx)
	}
	return nil
}

// forgetInventory deletes an inventory stored while one was kept (monitor.enrich_users or
// users.profiles on), so that the emails and names it holds do not stay at rest once neither is.
func (u *Users) forgetInventory(ctx context.Context) {
	ops, err := identity.Forget(ctx, u.deps.Store)
	if err != nil {
		u.deps.Logger.Warn("Users inventory no longer kept, but its stored keys cannot be read to delete them; trying at the next start", zap.Error(err))
		return
	}
	if len(ops) == 0 {
		return
	}
	u.writer.Write(ctx, append(ops, profilesRecord(u.deps.Store).Delete())...)
	u.deps.Logger.Info("Users inventory no longer kept (monitor.enrich_users and users.profiles are off); its stored identities were deleted",
		zap.Int("keys", len(ops)))
}

// decodeUsersV1 reads users.v1: the same fields, the count of its digest deltas among them.
func decodeUsersV1(data []byte) (usersState, error) {
	var v1 usersState
	err := json.Unmarshal(data, &v1)
	return v1, err
}

// Poll lists the users due (all, or those modified since the watermark) page by page, delivering each
// page's changes before asking for the next. After source.MaxPagesPerPoll pages it hands over to the
// next poll at once, which resumes the same listing.
func (u *Users) Poll(ctx context.Context) (source.Result, error) {
	if u.sync == nil {
		u.sync = u.newSync()
	}
	s := u.sync
	for pages := 1; ; pages++ {
		page, err := u.listing.fetch(ctx, &s.cursor, s.since)
		if err != nil {
			return source.Result{Progressed: pages > 1}, err
		}
		if err := u.deliver(ctx, s, page); err != nil {
			return source.Result{Progressed: pages > 1}, err
		}
		if !u.listing.turn(&s.cursor, page) {
			break
		}
		if pages >= source.MaxPagesPerPoll {
			u.deps.Telemetry.Anomaly("page_cap")
			u.deps.Logger.Warn("Users sync read the most pages one poll may; the next poll goes on at once",
				zap.Int("pages", pages), zap.Int("start", s.cursor.start))
			return source.Result{More: true, Progressed: true}, nil
		}
	}
	u.finish(ctx, s)
	u.sync = nil
	return source.Result{Progressed: true}, nil
}

// Probe lists one user of the account: it shows that the token, the scopes and the ids work.
func (u *Users) Probe(ctx context.Context) error {
	_, err := u.listing.fetch(ctx, &pageCursor{take: 1}, time.Time{})
	return err
}

// newSync decides between a full listing and an incremental one.
func (u *Users) newSync() *usersSync {
	now := u.deps.Clock.Now()
	s := &usersSync{started: now}
	lastFull := u.state.LastFullSync
	switch {
	case u.state.Watermark.IsZero() || lastFull.IsZero():
		s.full = true
	case u.deps.Identities != nil && u.deps.Identities.Len() < u.digests.Len():
		s.full = true // the inventory misses users (it is new since the last full listing): list everyone
	case u.deps.Identities != nil && u.deps.Identities.NeedsListing():
		s.full = true // the inventory was kept without names and enrichment wants them
	case u.opts.FullSyncInterval > 0 && now.Sub(lastFull) >= u.opts.FullSyncInterval:
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
		u.digests.ClearSeen()
		if inv := u.deps.Identities; inv != nil {
			inv.ClearSeen()
		}
	}
	return s
}

// userEmit is one record a page produces: a user and its operation.
type userEmit struct {
	user *convert.User
	op   string
}

// deliver emits the page's new and changed users (and, in a snapshot full sync, every user), then
// stores the page's digests with the sync state, in one write.
func (u *Users) deliver(ctx context.Context, s *usersSync, page convert.UsersPage) error {
	snapshot := s.full && u.opts.Snapshot
	inv := u.deps.Identities
	emits := make([]userEmit, 0, len(page.Users))
	changed := make(map[string]*convert.User, len(page.Users)) // an earlier user of the page wins over the table
	var listed []*convert.User                                 // unchanged users the inventory does not know as they are
	for i := range page.Users {
		user := &page.Users[i]
		old, known := [16]byte{}, false
		if c, ok := changed[user.ID]; ok {
			old, known = c.Digest, true
		} else {
			old, known = u.digests.Get(user.ID)
		}
		switch {
		case !known:
			emits = append(emits, userEmit{user, convert.OperationCreate})
			changed[user.ID] = user
		case old != user.Digest:
			emits = append(emits, userEmit{user, convert.OperationUpdate})
			changed[user.ID] = user
		default:
			if s.full {
				u.digests.MarkSeen(user.ID)
			}
			if inv != nil && !inv.Has(user.ID, user.Digest) { // e.g. after an upgrade from before the inventory
				listed = append(listed, user)
			} else if inv != nil && s.full {
				inv.MarkSeen(user.ID)
			}
		}
		if snapshot {
			emits = append(emits, userEmit{user, convert.OperationSnapshot})
		}
	}
	s.pages++
	s.listed += len(page.Users)

	observed := pcommon.NewTimestampFromTime(u.deps.Clock.Now())
	build := func() (plog.Logs, int) {
		logs, records := u.deps.NewBatch()
		records.EnsureCapacity(len(emits))
		flagged := 0
		for _, e := range emits {
			if e.user.Append(records, e.op, observed) {
				flagged++
			}
			u.addProfile(records.At(records.Len()-1), e.user.ID)
		}
		return logs, flagged
	}
	logs, flagged := build()

	t := u.deps.Telemetry
	t.Fetched(len(page.Users))
	if flagged > 0 {
		t.Flagged(flagged)
		u.deps.Logger.Warn("Users records could not be fully converted; emitted with docusign.conversion.error",
			zap.Int("records", flagged), zap.Int("start", s.cursor.start))
	}
	if len(emits) > 0 {
		err := u.deps.Deliver.Deliver(ctx, source.Batch{
			Logs:    logs,
			Rebuild: func() plog.Logs { logs, _ := build(); return logs }, // a user's record is built from its tape again: cheap
			Where:   zap.Int("start", s.cursor.start),
		})
		if err != nil {
			return err
		}
	}
	now := u.deps.Clock.Now()
	for id, user := range changed {
		u.digests.Set(id, user.Digest)
		if inv != nil {
			inv.SetListed(id, user.Identity(), user.Digest, now)
		}
	}
	for _, user := range listed {
		inv.SetListed(user.ID, user.Identity(), user.Digest, now)
	}
	s.changed += len(changed)
	if len(changed) > 0 || len(listed) > 0 {
		u.state.Users = u.digests.Len()
		u.saveAll(ctx, false)
	}
	return nil
}

// addProfile puts a user's admin profile, when the inventory has one, on the user's record.
func (u *Users) addProfile(lr plog.LogRecord, id string) {
	if u.deps.Identities == nil {
		return
	}
	if e, ok := u.deps.Identities.Lookup(id); ok && e.Profile != nil {
		p := convert.Profile{LastLogin: e.Profile.LastLogin, Security: e.Profile.Security}
		p.PutAttributes(lr.Attributes())
	}
}

// commit returns the ops that store the digests and the inventory; compact rewrites them whole.
func (u *Users) commit(compact bool) []checkpoint.Op {
	ops := u.digests.Commit()
	if compact || u.digests.Deltas() >= maxDigestDeltas {
		ops = u.digests.Compact()
	}
	if inv := u.deps.Identities; inv != nil {
		ops = append(ops, inv.Commit(compact)...)
	}
	return ops
}

// finish completes a sync: users a full listing no longer returns are forgotten, the digest table is
// rewritten whole when its deltas pile up, and the watermark moves.
func (u *Users) finish(ctx context.Context, s *usersSync) {
	removed, sample := 0, []string(nil)
	if s.full {
		removed, sample = u.digests.PruneUnseen(removedSample)
	}
	u.state.Watermark = s.started
	if s.full {
		u.state.LastFullSync = s.started
	}
	if inv := u.deps.Identities; inv != nil && s.full {
		inv.PruneUnseen()
	}
	u.state.Users = u.digests.Len()
	u.saveAll(ctx, s.full)
	if inv := u.deps.Identities; inv != nil {
		inv.MarkReady() // a complete listing is in: Monitor may enrich with it
	}

	kind := "incremental"
	if s.full {
		kind = "full"
	}
	fields := []zap.Field{zap.String("sync", kind), zap.Int("listed", s.listed), zap.Int("changed", s.changed),
		zap.Int("pages", s.pages), zap.Int("users", u.state.Users), zap.Duration("took", u.deps.Clock.Now().Sub(s.started))}
	if removed > 0 {
		// The Admin API has no delete event: the users are forgotten, and reported as CREATE if they return.
		u.deps.Logger.Info("Users no longer listed by DocuSign; forgotten", zap.Int("removed", removed), zap.Strings("sample_ids", sample))
	}
	if s.changed > 0 || s.full {
		u.deps.Logger.Info("Users sync done", fields...)
	} else {
		u.deps.Logger.Debug("Users sync done", fields...)
	}
}

// save writes ops with the sync state, in one write. What a failed write did not store the next one
// writes: the log keeps its changes until they are stored.
// saveAll stores the state, what changed in the digests and the inventory (all of them when
// compact), and extra, in one write that no other writer of the inventory interleaves with.
func (u *Users) saveAll(ctx context.Context, compact bool, extra ...checkpoint.Op) {
	inv := u.deps.Identities
	if inv == nil {
		u.save(ctx, append(extra, u.commit(compact)...)...)
		return
	}
	inv.Writing(func() { u.save(ctx, append(extra, u.commit(compact)...)...) })
}

func (u *Users) save(ctx context.Context, ops ...checkpoint.Op) {
	u.writer.Write(ctx, append(ops, u.saved.Set(u.state))...)
}

// listingError names the page a decode failure is about, quoting the start of the body.
func listingError(start int, trace string, body []byte, err error) error {
	return fmt.Errorf("users list: response at start %d is not a users page (trace token %s): %w; body starts %q",
		start, trace, err, redact.Snippet(body))
}
