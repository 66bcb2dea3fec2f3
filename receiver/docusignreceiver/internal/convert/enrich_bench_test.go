// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert_test

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
)

// BenchmarkEnrichMonitorPage is conversion then enrichment of a 2,000-event page whose actors and
// targets are all in the receiver's inventory, as Monitor does it: each iteration converts the page
// (WithRoomForIdentities), looks every actor and target up in the inventory and enriches the
// records. convert-ns/event and enrich-ns/event time the two steps, interleaved on the same page;
// enrich-ratio is the second over the first.
func BenchmarkEnrichMonitorPage(b *testing.B) {
	inv := identity.New(checkpoint.NewStore(nil).Namespace("users"))
	listed := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for id, who := range convert.BenchInventory(convert.BenchUsersCount) {
		inv.SetListed(id, who, [16]byte{1}, listed)
	}
	page := convert.BuildEnrichPage(b)
	var refs []convert.EventRef
	var converting, enriching time.Duration
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		logs := plog.NewLogs()
		lrs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
		var err error
		_, refs, _, err = convert.AppendMonitorPage(page, lrs, convert.ObservedAt, refs, convert.WithRoomForIdentities)
		if err != nil {
			b.Fatal(err)
		}
		converted := time.Now()
		for i := range refs {
			attrs := lrs.At(i).Attributes()
			who, ok := inv.Identity(refs[i].Actor)
			if !ok {
				b.Fatalf("event %d: actor %q unknown", i, refs[i].Actor)
			}
			convert.EnrichActor(attrs, who)
			if who, ok := inv.Identity(refs[i].Target); ok {
				convert.EnrichTarget(attrs, who)
			}
		}
		converting += converted.Sub(start)
		enriching += time.Since(converted)
	}
	events := float64(b.N * convert.BenchEventsCount)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/events, "ns/event")
	b.ReportMetric(float64(converting.Nanoseconds())/events, "convert-ns/event")
	b.ReportMetric(float64(enriching.Nanoseconds())/events, "enrich-ns/event")
	b.ReportMetric(float64(enriching)/float64(converting), "enrich-ratio")
}
