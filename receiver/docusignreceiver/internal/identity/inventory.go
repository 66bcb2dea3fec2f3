// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package identity keeps who the organisation's users are, so a Monitor event can name its actor and
// target and a user's records can carry their admin profile. The users source writes what the listing
// says (identity and record digest), the profiles source what a user's profile says; Monitor reads.
// It is persisted under the users checkpoint, so the first page after a restart is enriched too.
package identity // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"

import (
	"context"
	"iter"
	"maps"
	"sync"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

// logName names the inventory's keys in the users namespace: users.identities.v2.*.
const logName = "identities"

// Entry is what the inventory knows of one user.
type Entry struct {
	Identity convert.Identity
	Digest   [16]byte  // of the user's record as last listed: a profile taken at another one is stale
	Listed   time.Time // when a listing first returned the user: the newest are profiled first
	Unnamed  bool      // kept without names (WithoutNames): Identity holds the status alone
	Profile  *Profile  // nil until the user was profiled
}

// Profile is what a user's admin profile said when it was last read.
type Profile struct {
	At        time.Time // when it was read
	Digest    [16]byte  // the record digest the user had then
	LastLogin string
	Security  convert.ProfileSecurity
}

// Inventory is the users by id. Every method is safe for concurrent use.
type Inventory struct {
	store   *checkpoint.Store
	writing sync.Mutex // held from a Commit until its ops are written: the users and profiles sources both write
	mu      sync.RWMutex
	log     *checkpoint.Log[string] // id → encoded entry: one string per user, about 150 bytes

	ready     chan struct{}
	readyOnce sync.Once

	statuses map[string]int64 // users by status, kept with every change: the docusign.users metric
	noNames  bool             // keep each user's status only: nothing names a person at rest
	unnamed  int64            // entries kept without names
}

// Option configures an Inventory.
type Option func(*Inventory)

// WithoutNames keeps of each user's identity its status alone, for an inventory that names no event
// (enrichment off): emails, names and groups are neither kept nor stored, and a stored inventory that
// has them loses them at Load.
func WithoutNames() Option { return func(inv *Inventory) { inv.noNames = true } }

// maxStatuses bounds the statuses counted apart; DocuSign has a handful, the rest are counted as other.
const maxStatuses = 32

// OtherStatus counts the users of statuses past maxStatuses.
const OtherStatus = "_other"

// New returns the empty inventory stored in s (the users source's namespace).
func New(s *checkpoint.Store, opts ...Option) *Inventory {
	inv := &Inventory{store: s, log: checkpoint.NewLog(s, logName, entryCodec{}), ready: make(chan struct{}), statuses: map[string]int64{}}
	for _, o := range opts {
		o(inv)
	}
	return inv
}

// Ready is closed once the inventory holds what the users listing says: loaded from storage, or after
// the first complete listing.
func (inv *Inventory) Ready() <-chan struct{} { return inv.ready }

// MarkReady says a complete listing is in.
func (inv *Inventory) MarkReady() { inv.readyOnce.Do(func() { close(inv.ready) }) }

// Lookup returns what the inventory knows of the user id.
func (inv *Inventory) Lookup(id string) (Entry, bool) {
	if id == "" {
		return Entry{}, false
	}
	inv.mu.RLock()
	enc, ok := inv.log.Get(id)
	inv.mu.RUnlock()
	if !ok {
		return Entry{}, false
	}
	e, err := decode(enc)
	return e, err == nil
}

// Has reports that the inventory knows the user id as listed with record digest: its identity is current.
func (inv *Inventory) Has(id string, digest [16]byte) bool {
	inv.mu.RLock()
	enc, ok := inv.log.Get(id)
	inv.mu.RUnlock()
	return ok && len(enc) >= 17 && enc[1:17] == string(digest[:]) && (inv.noNames || enc[0] != formatUnnamed)
}

// NeedsListing reports that the inventory wants names some entries were kept without (enrichment
// turned on since): a full listing names them again.
func (inv *Inventory) NeedsListing() bool {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return !inv.noNames && inv.unnamed > 0
}

// Identity returns only who the user id is, for enriching events: it decodes no more than that.
func (inv *Inventory) Identity(id string) (convert.Identity, bool) {
	if id == "" {
		return convert.Identity{}, false
	}
	inv.mu.RLock()
	enc, ok := inv.log.Get(id)
	inv.mu.RUnlock()
	if !ok {
		return convert.Identity{}, false
	}
	who, _, err := decodeIdentity(enc)
	return who, err == nil
}

// Len is how many users the inventory knows.
func (inv *Inventory) Len() int {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return inv.log.Len()
}

// All yields every user: a copy taken under the lock, for the profiles source to pick from.
func (inv *Inventory) All() iter.Seq2[string, Entry] {
	inv.mu.RLock()
	type kv struct {
		id, enc string
	}
	all := make([]kv, 0, inv.log.Len())
	for id, enc := range inv.log.All() {
		all = append(all, kv{id, enc})
	}
	inv.mu.RUnlock()
	return func(yield func(string, Entry) bool) {
		for _, x := range all {
			if e, err := decode(x.enc); err == nil && !yield(x.id, e) {
				return
			}
		}
	}
}

// Load restores the stored inventory; one that is not empty is ready at once. Without names, a
// stored inventory that names people is rewritten at once without them.
func (inv *Inventory) Load(ctx context.Context) error {
	inv.mu.Lock()
	_, err := inv.log.Load(ctx)
	n := inv.log.Len()
	inv.recount()
	stripped := err == nil && inv.noNames && inv.stripNames()
	inv.mu.Unlock()
	if stripped {
		inv.Writing(func() { err = inv.store.Write(ctx, inv.Commit(true)...) })
	}
	if err == nil && n > 0 {
		inv.MarkReady()
	}
	return err
}

// stripNames rewrites every entry kept with names as one without, and says whether there were any;
// the caller holds mu.
func (inv *Inventory) stripNames() bool {
	named := map[string]Entry{} // collected first: the log is not changed while it is walked
	for id, enc := range inv.log.All() {
		if e, err := decode(enc); err == nil && !e.Unnamed {
			e.Identity, e.Unnamed = convert.Identity{Status: e.Identity.Status}, true
			named[id] = e
		}
	}
	for id, e := range named {
		inv.log.Set(id, encode(e))
	}
	inv.unnamed += int64(len(named))
	return len(named) > 0
}

// Reset forgets everything, for a users checkpoint that could not be decoded.
func (inv *Inventory) Reset() {
	inv.mu.Lock()
	inv.log = checkpoint.NewLog(inv.store, logName, entryCodec{})
	inv.statuses, inv.unnamed = map[string]int64{}, 0
	inv.mu.Unlock()
}

// SetListed records what the listing, at now, says of the user id, keeping its profile and when it was
// first listed.
func (inv *Inventory) SetListed(id string, who convert.Identity, digest [16]byte, now time.Time) {
	if inv.noNames {
		who = convert.Identity{Status: who.Status}
	}
	inv.update(id, func(e *Entry) {
		e.Identity, e.Digest, e.Unnamed = who, digest, inv.noNames
		if e.Listed.IsZero() {
			e.Listed = now.Truncate(time.Second)
		}
	})
}

// SetProfile records what the user's profile says; the user must be known.
func (inv *Inventory) SetProfile(id string, p Profile) {
	inv.update(id, func(e *Entry) { e.Profile = &p })
}

func (inv *Inventory) update(id string, fn func(*Entry)) {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	var e Entry
	if enc, ok := inv.log.Get(id); ok {
		e, _ = decode(enc)
		inv.countStatus(e.Identity.Status, -1)
		if e.Unnamed {
			inv.unnamed--
		}
	}
	fn(&e)
	inv.countStatus(e.Identity.Status, 1)
	if e.Unnamed {
		inv.unnamed++
	}
	inv.log.Set(id, encode(e))
}

// countStatus adds n users of status; the caller holds mu.
func (inv *Inventory) countStatus(status string, n int64) {
	if _, known := inv.statuses[status]; !known && len(inv.statuses) >= maxStatuses-1 {
		status = OtherStatus
	}
	inv.statuses[status] += n
	if inv.statuses[status] == 0 {
		delete(inv.statuses, status)
	}
}

// recount counts the users by status, and those kept without names, afresh; the caller holds mu.
func (inv *Inventory) recount() {
	inv.statuses, inv.unnamed = map[string]int64{}, 0
	for _, enc := range inv.log.All() {
		if who, _, err := decodeIdentity(enc); err == nil {
			inv.countStatus(who.Status, 1)
			if enc[0] == formatUnnamed {
				inv.unnamed++
			}
		}
	}
}

// Statuses returns how many users the inventory knows by status.
func (inv *Inventory) Statuses() map[string]int64 {
	inv.mu.RLock()
	defer inv.mu.RUnlock()
	return maps.Clone(inv.statuses)
}

// MarkSeen records that the full listing in progress returned id unchanged.
func (inv *Inventory) MarkSeen(id string) {
	inv.mu.Lock()
	inv.log.MarkSeen(id)
	inv.mu.Unlock()
}

// ClearSeen starts a full listing.
func (inv *Inventory) ClearSeen() {
	inv.mu.Lock()
	inv.log.ClearSeen()
	inv.mu.Unlock()
}

// PruneUnseen forgets the users a complete full listing did not return.
func (inv *Inventory) PruneUnseen() {
	inv.mu.Lock()
	if n, _ := inv.log.PruneUnseen(0); n > 0 {
		inv.recount()
	}
	inv.mu.Unlock()
}

// Commit returns the ops that store what changed since the last stored write, for the users source
// to write with its own checkpoint; a full listing's end compacts instead.
func (inv *Inventory) Commit(compact bool) []checkpoint.Op {
	inv.mu.Lock()
	defer inv.mu.Unlock()
	if compact || inv.log.Deltas() >= maxDeltas {
		return inv.log.Compact()
	}
	return inv.log.Commit()
}

// maxDeltas is how many deltas pile up before the inventory is rewritten whole.
const maxDeltas = 256

// Store is where the inventory is kept (the users namespace): a writer of it keeps its own state there,
// so that one batch stores both.
func (inv *Inventory) Store() *checkpoint.Store { return inv.store }

// Writing runs fn, which commits the inventory and writes the ops, while no other writer does: a
// delta must be stored before the next one is numbered.
func (inv *Inventory) Writing(fn func()) {
	inv.writing.Lock()
	defer inv.writing.Unlock()
	fn()
}

// Forget returns the ops that delete a stored inventory from s (the users namespace): when none is
// kept any more, the personal data it holds does not stay at rest.
func Forget(ctx context.Context, s *checkpoint.Store) ([]checkpoint.Op, error) {
	return checkpoint.NewLog(s, logName, entryCodec{}).Drop(ctx)
}
