// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// countingConsumer counts records and drops them, so the benchmark measures the receiver, not a
// sink; done closes once target records arrived.
type countingConsumer struct {
	n      atomic.Int64
	target int64
	done   chan struct{}
	once   sync.Once
}

func newCountingConsumer(target int) *countingConsumer {
	return &countingConsumer{target: int64(target), done: make(chan struct{})}
}

func (c *countingConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *countingConsumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	if c.n.Add(int64(ld.LogRecordCount())) >= c.target {
		c.once.Do(func() { close(c.done) })
	}
	return nil
}

// heapObjects is the runtime's count of bytes in heap objects, live or not yet swept.
var heapObjects = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// heapBaseline collects garbage and returns the heap that remains: what the process holds before
// the receiver starts (the fake server's store above all).
func heapBaseline() uint64 {
	runtime.GC()
	sample := slices.Clone(heapObjects)
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// heapPeak samples heap object bytes until stop is closed and returns the maximum seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := slices.Clone(heapObjects)
		var peak uint64
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// simulatorEnv names the simulator binary (examples/simulator) that serves the drain benchmarks from
// a process of its own, as `make bench` does: the fake's CPU, garbage collections and stored backlog
// then stay out of the receiver's runtime, as DocuSign's do. Unset, docusigntest runs in this process.
const simulatorEnv = "DOCUSIGN_BENCH_SIMULATOR"

// benchBacklog serves events Monitor events with the given latency and points cfg at them.
type benchBacklog struct {
	configure func(cfg *Config)
	close     func()
	where     string
}

func startBacklog(b *testing.B, events int, latency time.Duration) benchBacklog {
	b.Helper()
	bin := os.Getenv(simulatorEnv)
	if bin == "" {
		srv := docusigntest.NewServer(docusigntest.Options{Seed: 1})
		srv.AddMonitorEvents(events, time.Now().Add(-6*time.Hour), 6*time.Hour/time.Duration(events))
		srv.SetLatency(latency)
		return benchBacklog{configure: func(cfg *Config) { *cfg = *testConfig(srv) }, close: srv.Close, where: "in-process"}
	}
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-events", strconv.Itoa(events), "-latency", latency.String(),
		"-rate", "0", "-users", "1", "-seed", "1", "-key-out", filepath.Join(b.TempDir(), "private.pem"))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("%s=%s: %v", simulatorEnv, bin, err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	env := map[string]string{}
	lines := bufio.NewScanner(stdout)
	for env["DOCUSIGN_USERS_ENDPOINT"] == "" && lines.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(lines.Text()), "="); ok && strings.HasPrefix(k, "DOCUSIGN_") {
			env[k] = v
		}
	}
	if env["DOCUSIGN_USERS_ENDPOINT"] == "" {
		stop()
		b.Fatalf("the simulator %s printed no endpoints", bin)
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }() // its shutdown line
	return benchBacklog{configure: func(cfg *Config) {
		*cfg = *createDefaultConfig().(*Config)
		cfg.Environment = environmentDemo
		cfg.IntegrationKey, cfg.UserID = env["DOCUSIGN_INTEGRATION_KEY"], env["DOCUSIGN_USER_ID"]
		cfg.PrivateKeyFile = env["DOCUSIGN_PRIVATE_KEY_FILE"]
		cfg.AuthEndpoint, cfg.Monitor.Endpoint = env["DOCUSIGN_AUTH_ENDPOINT"], env["DOCUSIGN_MONITOR_ENDPOINT"]
	}, close: stop, where: "simulator process"}
}

// BenchmarkMonitorDrain drains a backlog from the fake DocuSign with 20 ms latency per request and
// reports the wall time from Start to the last record consumed against the floor (pages + 1) ×
// latency — every page plus the OAuth token request before them — and the peak heap of this
// process (peak-heap-MiB; with an in-process fake it includes the fake's store) and of the receiver
// alone (rcv-heap-MiB: the peak minus the heap after a collection just before Start).
func BenchmarkMonitorDrain(b *testing.B) {
	for _, events := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d", events), func(b *testing.B) {
			const latency = 20 * time.Millisecond
			const pageSize = 2000
			backlog := startBacklog(b, events, latency)
			defer backlog.close()
			pages := (events + pageSize - 1) / pageSize
			floor := time.Duration(pages+1) * latency

			var wall time.Duration
			var peak, receiver uint64
			for i := 0; i < b.N; i++ {
				cfg := new(Config)
				backlog.configure(cfg)
				cfg.StorageID = nil
				cfg.Users.Enabled = false
				cfg.Monitor.StartTime = time.Now().Add(-7 * 24 * time.Hour)
				cfg.Monitor.PollInterval = time.Hour
				cfg.Monitor.PageSize = pageSize
				sink := newCountingConsumer(events)
				rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
				if err != nil {
					b.Fatal(err)
				}
				baseline := heapBaseline()
				stop := make(chan struct{})
				peakCh := heapPeak(stop)
				start := time.Now()
				if err := rcv.Start(context.Background(), &testHost{}); err != nil {
					b.Fatal(err)
				}
				select {
				case <-sink.done:
				case <-time.After(time.Duration(pages)*latency*10 + time.Minute):
					b.Fatalf("drained %d of %d events from the %s", sink.n.Load(), events, backlog.where)
				}
				wall += time.Since(start)
				close(stop)
				p := <-peakCh
				peak = max(peak, p)
				if p > baseline {
					receiver = max(receiver, p-baseline)
				}
				if err := rcv.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			perRun := wall / time.Duration(b.N)
			b.ReportMetric(float64(perRun.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
			b.ReportMetric(float64(perRun)/float64(floor), "x-floor")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(receiver)/(1<<20), "rcv-heap-MiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// fetchUserPages lists every user of srv: the users pages as the Admin API returns them.
func fetchUserPages(b *testing.B, srv *docusigntest.Server) [][]byte {
	b.Helper()
	token := srv.IssueToken()
	var out [][]byte
	for start := 0; start < srv.UserCount(); start += 250 {
		url := fmt.Sprintf("%s/management/v2/organizations/%s/users?account_id=%s&include_ds_groups=true&start=%d&take=250",
			srv.URL(), srv.OrganizationID(), srv.AccountID(), start)
		req, err := http.NewRequest(http.MethodGet, url, http.NoBody)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}

// listedUser is what the digest table keeps of a listed user.
type listedUser struct {
	id     string
	digest [16]byte
}

// decodeUserPages decodes pages into their users' ids and digests, as the users poller does.
func decodeUserPages(b *testing.B, pages [][]byte) []listedUser {
	var users []listedUser
	for _, body := range pages {
		page, err := convert.DecodeUsersPage(body)
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range page.Users {
			users = append(users, listedUser{u.ID, u.Digest})
		}
	}
	return users
}

// BenchmarkUsersDiff decodes and digests 100,000 listed users (400 pages) and compares them with
// the stored digest table, 1% of them changed: the CPU and memory cost of one full sync beyond the
// network.
func BenchmarkUsersDiff(b *testing.B) {
	const users = 100_000
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 3})
	defer srv.Close()
	srv.AddUsers(users)
	pages := fetchUserPages(b, srv)
	listed := decodeUserPages(b, pages)
	if len(listed) != users {
		b.Fatalf("listed %d users", len(listed))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	store := checkpoint.NewStore(nil).Namespace("users")
	table := checkpoint.NewLog(store, "digests", checkpoint.Bytes16{})
	for i, u := range listed {
		d := u.digest
		if i%100 == 0 {
			d[0] ^= 0xff // stored state differs: this user changed since the last sync
		}
		table.Set(u.id, d)
	}
	if err := store.Write(context.Background(), table.Compact()...); err != nil { // stored: the table as a sync leaves it
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(listed) // live at both readings, so only the table counts
	b.ResetTimer()
	changed := 0
	for i := 0; i < b.N; i++ {
		changed = 0
		for _, body := range pages {
			page, err := convert.DecodeUsersPage(body)
			if err != nil {
				b.Fatal(err)
			}
			for _, u := range page.Users {
				if old, ok := table.Get(u.ID); !ok || old != u.Digest {
					changed++
				}
			}
		}
	}
	b.StopTimer()
	if changed != users/100 {
		b.Fatalf("found %d changed users, want %d", changed, users/100)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*users), "ns/user")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/users, "table-B/user")
	stored := 0
	for _, op := range table.Compact() {
		stored += op.Size()
	}
	b.ReportMetric(float64(stored)/users, "stored-B/user")
}
