package docusignreceiver

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
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
