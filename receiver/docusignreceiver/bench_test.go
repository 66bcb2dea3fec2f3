package docusignreceiver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// countingConsumer counts records and drops them, so the benchmark measures the receiver, not a sink.
type countingConsumer struct{ n atomic.Int64 }

func (c *countingConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (c *countingConsumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	c.n.Add(int64(ld.LogRecordCount()))
	return nil
}

// heapPeak samples live heap bytes until stop is closed and returns the maximum seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
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

// BenchmarkMonitorDrain drains a backlog from docusigntest with 20 ms latency per request and reports
// the wall time against the floor pages × latency, and the peak heap of the whole process.
func BenchmarkMonitorDrain(b *testing.B) {
	for _, events := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("events=%d", events), func(b *testing.B) {
			const latency = 20 * time.Millisecond
			const pageSize = 2000
			srv := docusigntest.NewServer(docusigntest.Options{Seed: 1})
			defer srv.Close()
			srv.AddMonitorEvents(events, time.Now().Add(-6*24*time.Hour), 6*24*time.Hour/time.Duration(events))
			srv.SetLatency(latency)
			pages := (events + pageSize - 1) / pageSize
			floor := time.Duration(pages+1) * latency // every page plus the caught-up request

			var wall time.Duration
			var peak uint64
			for i := 0; i < b.N; i++ {
				cfg := testConfig(srv)
				cfg.StorageID = nil
				cfg.Monitor.StartTime = time.Now().Add(-7 * 24 * time.Hour)
				cfg.Monitor.PollInterval = time.Hour
				sink := &countingConsumer{}
				rcv, err := NewFactory().CreateLogs(context.Background(), receivertest.NewNopSettings(metadata.Type), cfg, sink)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				stop := make(chan struct{})
				peakCh := heapPeak(stop)
				start := time.Now()
				if err := rcv.Start(context.Background(), &testHost{}); err != nil {
					b.Fatal(err)
				}
				for sink.n.Load() < int64(events) {
					time.Sleep(time.Millisecond)
				}
				wall += time.Since(start)
				close(stop)
				peak = max(peak, <-peakCh)
				if err := rcv.Shutdown(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
			perRun := wall / time.Duration(b.N)
			b.ReportMetric(float64(perRun.Milliseconds()), "wall-ms")
			b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
			b.ReportMetric(float64(perRun)/float64(floor), "x-floor")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// fetchUsers lists every user of srv as raw JSON, the way the Admin API returns them.
func fetchUsers(b *testing.B, srv *docusigntest.Server) [][]byte {
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
		var page struct{ Users []json.RawMessage }
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range page.Users {
			out = append(out, u)
		}
	}
	return out
}

// BenchmarkUsersDiff digests 100,000 listed users and compares them with the stored digest table,
// 1% of them changed: the CPU and memory cost of one full sync beyond the network.
func BenchmarkUsersDiff(b *testing.B) {
	const users = 100_000
	srv := docusigntest.NewServer(docusigntest.Options{Seed: 3})
	defer srv.Close()
	srv.AddUsers(users)
	raw := fetchUsers(b, srv)
	if len(raw) != users {
		b.Fatalf("listed %d users", len(raw))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	table := newDigestTable()
	for i, r := range raw {
		id, d, err := convert.UserDigest(r)
		if err != nil {
			b.Fatal(err)
		}
		if i%100 == 0 {
			d[0] ^= 0xff // stored state differs: this user changed since the last sync
		}
		table.set(id, d)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ResetTimer()
	changed := 0
	for i := 0; i < b.N; i++ {
		changed = 0
		for _, r := range raw {
			id, d, err := convert.UserDigest(r)
			if err != nil {
				b.Fatal(err)
			}
			if old, ok := table.lookup(id); !ok || old != d {
				changed++
			}
		}
	}
	b.StopTimer()
	if changed != users/100 {
		b.Fatalf("found %d changed users, want %d", changed, users/100)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*users), "ns/user")
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/users, "table-B/user")
	b.ReportMetric(float64(len(table.encode()))/users, "stored-B/user")
}
