// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package identity

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// memClient is a storage client backed by a map.
type memClient struct {
	storage.Client
	mu   sync.Mutex
	data map[string][]byte
}

func newMemClient() *memClient { return &memClient{data: map[string][]byte{}} }

func (m *memClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.data[key], nil
}

func (m *memClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		switch op.Type {
		case storage.Set:
			m.data[op.Key] = append([]byte(nil), op.Value...)
		case storage.Delete:
			delete(m.data, op.Key)
		case storage.Get:
			op.Value = m.data[op.Key]
		}
	}
	return nil
}

func (m *memClient) Close(context.Context) error { return nil }

func ada() convert.Identity {
	return convert.Identity{Email: "ada@example.com", UserName: "Ada Lovelace", FirstName: "Ada", LastName: "Lovelace",
		Status: "active", Groups: []string{"Administrators", "Everyone"}}
}

const adaID = "7d9b0f1e-2222-4333-8444-555566667777"

var listedAt = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func TestEntryRoundTrip(t *testing.T) {
	profiled := &Profile{At: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), Digest: [16]byte{9}, LastLogin: "2026-11-29T08:00:00Z",
		Security: convert.ProfileSecurity{IsOrganizationAdmin: true, TwoStepRequired: true, FederatedStatus: "none", Status: "active",
			PermissionProfiles: []string{"Account Administrator", "DocuSign Sender"}}}
	for name, e := range map[string]Entry{
		"listed":      {Identity: ada(), Digest: [16]byte{1, 2, 3}, Listed: listedAt},
		"profiled":    {Identity: ada(), Digest: [16]byte{1}, Listed: listedAt, Profile: profiled},
		"empty":       {},
		"unicode":     {Identity: convert.Identity{FirstName: "美咲", LastName: "佐藤", Groups: []string{""}}},
		"many groups": {Identity: convert.Identity{Groups: make([]string, 300)}},
		"unnamed":     {Identity: convert.Identity{Status: "active"}, Digest: [16]byte{4}, Listed: listedAt, Unnamed: true},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := decode(encode(e))
			require.NoError(t, err)
			assert.Equal(t, e, got)
			who, _, err := decodeIdentity(encode(e))
			require.NoError(t, err)
			assert.Equal(t, e.Identity, who)
		})
	}
}

// A damaged stored entry is refused, never a panic or an allocation beyond its size.
func TestDamagedEntriesAreRefused(t *testing.T) {
	good := encode(Entry{Identity: ada(), Profile: &Profile{LastLogin: "x"}})
	for i := 0; i < len(good); i++ {
		_, err := decode(good[:i])
		assert.Error(t, err, "cut at %d", i)
	}
	assert.Error(t, func() error { _, err := decode(good + "x"); return err }(), "trailing bytes")
	huge := string([]byte{formatV1}) + string(make([]byte, 16)) + "\x00" + "\x00\x00\x00\x00\x00\xff\xff\xff\xff\x0f"
	_, err := decode(huge)
	assert.Error(t, err, "a group count beyond the bound")
}

func TestInventoryIsPersistedAndReadyOnLoad(t *testing.T) {
	ctx := context.Background()
	client := newMemClient()
	inv := New(checkpoint.NewStore(client).Namespace("users"))
	select {
	case <-inv.Ready():
		t.Fatal("an empty inventory is not ready")
	default:
	}
	inv.SetListed(adaID, ada(), [16]byte{7}, listedAt)
	inv.SetProfile(adaID, Profile{LastLogin: "2026-11-29T08:00:00Z", Security: convert.ProfileSecurity{TwoStepRequired: true}})
	inv.SetListed("legacy-id", convert.Identity{Email: "bob@example.com"}, [16]byte{8}, listedAt)
	save(t, inv)

	again := New(checkpoint.NewStore(client).Namespace("users"))
	require.NoError(t, again.Load(ctx))
	<-again.Ready() // loaded, not empty: ready at once
	assert.Equal(t, 2, again.Len())
	e, ok := again.Lookup(adaID)
	require.True(t, ok)
	assert.Equal(t, ada(), e.Identity)
	require.NotNil(t, e.Profile, "SetListed keeps the profile, SetProfile the identity")
	assert.True(t, e.Profile.Security.TwoStepRequired)
	assert.Equal(t, listedAt, e.Listed)
	again.SetListed(adaID, ada(), [16]byte{6}, listedAt.Add(time.Hour))
	e, _ = again.Lookup(adaID)
	assert.Equal(t, listedAt, e.Listed, "listed again, changed: still first listed when it was first listed")
	assert.Equal(t, [16]byte{6}, e.Digest)
	again.SetListed(adaID, ada(), [16]byte{7}, listedAt)
	who, ok := again.Identity("legacy-id")
	require.True(t, ok)
	assert.Equal(t, "bob@example.com", who.Email)
	assert.True(t, again.Has(adaID, [16]byte{7}))
	assert.False(t, again.Has(adaID, [16]byte{6}), "listed at another digest: stale")
	_, ok = again.Identity("nobody")
	assert.False(t, ok)
}

func TestFullListingForgetsUsersItNoLongerReturns(t *testing.T) {
	inv := New(checkpoint.NewStore(nil).Namespace("users"))
	inv.SetListed("a", convert.Identity{Email: "a@x"}, [16]byte{1}, listedAt)
	inv.SetListed("b", convert.Identity{Email: "b@x"}, [16]byte{2}, listedAt)
	inv.ClearSeen()
	inv.MarkSeen("a")
	inv.PruneUnseen()
	assert.Equal(t, 1, inv.Len())
	_, ok := inv.Identity("b")
	assert.False(t, ok)
}

// Lookups run on Monitor's converter while the users source writes: no race, no torn entry.
func TestLookupsWhileTheUsersSourceWrites(t *testing.T) {
	inv := New(checkpoint.NewStore(nil).Namespace("users"))
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			inv.SetListed(fmt.Sprintf("user-%d", i%50), ada(), [16]byte{byte(i)}, listedAt)
		}
	})
	for range 2 {
		wg.Go(func() {
			for i := range 2000 {
				if who, ok := inv.Identity(fmt.Sprintf("user-%d", i%50)); ok {
					assert.Equal(t, ada(), who)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkInventory100k: the memory 100,000 users take in the inventory, each listed and profiled
// (the bound: 30 MiB), and the cost of one lookup.
func BenchmarkInventory100k(b *testing.B) {
	const users = 100_000
	ids := make([]string, users)
	for i := range users {
		ids[i] = fmt.Sprintf("%08x-1111-4222-8333-%012x", i, i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	inv := New(checkpoint.NewStore(nil).Namespace("users"))
	for i := range users {
		inv.SetListed(ids[i], convert.Identity{
			Email: fmt.Sprintf("firstname.lastname%d@example.com", i), UserName: fmt.Sprintf("Firstname Lastname%d", i),
			FirstName: "Firstname", LastName: fmt.Sprintf("Lastname%d", i), Status: "active",
			Groups: []string{"Everyone", "Sales Ops"},
		}, [16]byte{byte(i)}, listedAt)
		inv.SetProfile(ids[i], Profile{At: listedAt, Digest: [16]byte{byte(i)}, LastLogin: "2026-11-29T08:00:00.123Z",
			Security: convert.ProfileSecurity{TwoStepRequired: true, FederatedStatus: "none", Status: "active",
				PermissionProfiles: []string{"DocuSign Sender"}}})
	}
	if err := inv.store.Write(context.Background(), inv.Commit(true)...); err != nil { // stored, as a sync leaves it
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	mib := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := inv.Identity(ids[i%users]); !ok {
			b.Fatal("missing")
		}
	}
	b.StopTimer()
	b.ReportMetric(mib, "inventory-MiB") // after the loop: ResetTimer drops what was reported before it
	runtime.KeepAlive(ids)
	runtime.KeepAlive(inv)
}

// The users by status follow every listing, a reset, a load and a prune.
func TestStatusesFollowTheInventory(t *testing.T) {
	ctx := context.Background()
	client := newMemClient()
	inv := New(checkpoint.NewStore(client).Namespace("users"))
	inv.SetListed("a", convert.Identity{Status: "active"}, [16]byte{1}, listedAt)
	inv.SetListed("b", convert.Identity{Status: "active"}, [16]byte{2}, listedAt)
	inv.SetListed("c", convert.Identity{Status: "closed"}, [16]byte{3}, listedAt)
	assert.Equal(t, map[string]int64{"active": 2, "closed": 1}, inv.Statuses())
	inv.SetListed("b", convert.Identity{Status: "closed"}, [16]byte{4}, listedAt)
	inv.SetProfile("b", Profile{LastLogin: "x"})
	assert.Equal(t, map[string]int64{"active": 1, "closed": 2}, inv.Statuses())
	save(t, inv)

	again := New(checkpoint.NewStore(client).Namespace("users"))
	require.NoError(t, again.Load(ctx))
	assert.Equal(t, map[string]int64{"active": 1, "closed": 2}, again.Statuses(), "counted on load")
	again.ClearSeen()
	again.MarkSeen("a")
	again.PruneUnseen()
	assert.Equal(t, map[string]int64{"active": 1}, again.Statuses(), "counted after a prune")
	again.Reset()
	assert.Empty(t, again.Statuses())

	for i := range 100 { // a hostile listing cannot grow the counts without bound
		inv.SetListed(fmt.Sprintf("x%d", i), convert.Identity{Status: fmt.Sprintf("status-%d", i)}, [16]byte{5}, listedAt)
	}
	assert.Len(t, inv.Statuses(), maxStatuses)
	assert.Positive(t, inv.Statuses()[OtherStatus])
}

// Without names an inventory keeps each user's status alone, and one stored with names loses them at
// Load, in storage too.
func TestWithoutNamesKeepsNoPersonalData(t *testing.T) {
	ctx := context.Background()
	client := newMemClient()
	named := New(checkpoint.NewStore(client).Namespace("users"))
	named.SetListed(adaID, ada(), [16]byte{7}, listedAt)
	named.SetProfile(adaID, Profile{LastLogin: "2026-11-29T08:00:00Z", Security: convert.ProfileSecurity{TwoStepRequired: true}})
	save(t, named)
	require.True(t, storedContains(client, "ada@example.com"), "stored with names")

	bare := New(checkpoint.NewStore(client).Namespace("users"), WithoutNames())
	require.NoError(t, bare.Load(ctx))
	e, ok := bare.Lookup(adaID)
	require.True(t, ok)
	assert.Equal(t, convert.Identity{Status: "active"}, e.Identity)
	require.NotNil(t, e.Profile, "the profile stays: profiles need no names")
	assert.True(t, e.Profile.Security.TwoStepRequired)
	assert.Equal(t, map[string]int64{"active": 1}, bare.Statuses())
	for _, s := range []string{"ada@example.com", "Lovelace", "Administrators"} {
		assert.False(t, storedContains(client, s), "%q no longer stored", s)
	}

	bare.SetListed("b", convert.Identity{Email: "bob@example.com", UserName: "Bob", Status: "closed", Groups: []string{"Everyone"}}, [16]byte{8}, listedAt)
	save(t, bare)
	assert.False(t, storedContains(client, "bob@example.com"))
	who, _ := bare.Identity("b")
	assert.Equal(t, convert.Identity{Status: "closed"}, who)

	// Enrichment turned on again: the entries without names are not current, and a listing is due.
	again := New(checkpoint.NewStore(client).Namespace("users"))
	require.NoError(t, again.Load(ctx))
	assert.True(t, again.NeedsListing())
	assert.False(t, again.Has(adaID, [16]byte{7}), "known without names: list it again")
	again.SetListed(adaID, ada(), [16]byte{7}, listedAt)
	again.SetListed("b", convert.Identity{Email: "bob@example.com", Status: "closed"}, [16]byte{8}, listedAt)
	assert.False(t, again.NeedsListing())
	assert.True(t, again.Has(adaID, [16]byte{7}))
	assert.True(t, bare.Has(adaID, [16]byte{7}), "an inventory without names wants no more")
}

func storedContains(c *memClient, s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.data {
		if strings.Contains(string(v), s) {
			return true
		}
	}
	return false
}

// save stores what changed in inv, as the users source does with its own checkpoint.
func save(t *testing.T, inv *Inventory) {
	t.Helper()
	var err error
	inv.Writing(func() { err = inv.store.Write(context.Background(), inv.Commit(false)...) })
	require.NoError(t, err)
}
