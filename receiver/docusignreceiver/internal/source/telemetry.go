// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// Telemetry attribute keys.
const (
	attrSource = attribute.Key("source")
	attrReason = attribute.Key("reason")
	attrKind   = attribute.Key("kind")
	attrResult = attribute.Key("result")
)

// Telemetry records one source's internal metrics, in the source's words.
type Telemetry struct {
	tb     *metadata.TelemetryBuilder
	source attribute.KeyValue
}

// NewTelemetry binds tb to the source named name.
func NewTelemetry(tb *metadata.TelemetryBuilder, name string) Telemetry {
	return Telemetry{tb: tb, source: attrSource.String(name)}
}

// Fetched counts records read from DocuSign.
func (t Telemetry) Fetched(n int) {
	t.tb.ReceiverDocusignRecordsFetched.Add(context.Background(), int64(n), metric.WithAttributes(t.source))
}

// Flagged counts records delivered with a conversion error flag.
func (t Telemetry) Flagged(n int) {
	t.tb.ReceiverDocusignRecordsFlagged.Add(context.Background(), int64(n), metric.WithAttributes(t.source))
}

// Dropped counts records not delivered, by reason (duplicate, permanent_error, oversized).
func (t Telemetry) Dropped(n int, reason string) {
	t.tb.ReceiverDocusignRecordsDropped.Add(context.Background(), int64(n), metric.WithAttributes(t.source, attrReason.String(reason)))
}

// Anomaly counts a response that broke the paging protocol and was worked around, by kind.
func (t Telemetry) Anomaly(kind string) {
	t.tb.ReceiverDocusignAnomalies.Add(context.Background(), 1, metric.WithAttributes(t.source, attrKind.String(kind)))
}

// Retry counts a retried poll or consume, by reason.
func (t Telemetry) Retry(reason string) {
	t.tb.ReceiverDocusignRetries.Add(context.Background(), 1, metric.WithAttributes(t.source, attrReason.String(reason)))
}

// Panic counts a recovered internal error.
func (t Telemetry) Panic() {
	t.tb.ReceiverDocusignPanics.Add(context.Background(), 1, metric.WithAttributes(t.source))
}

// Enrichment counts the user ids an event named that the inventory knew (hits) and did not (misses).
func (t Telemetry) Enrichment(hits, misses int) {
	if hits > 0 {
		t.tb.ReceiverDocusignEnrichment.Add(context.Background(), int64(hits), metric.WithAttributes(attrResult.String("hit")))
	}
	if misses > 0 {
		t.tb.ReceiverDocusignEnrichment.Add(context.Background(), int64(misses), metric.WithAttributes(attrResult.String("miss")))
	}
}

// Lag records the age, in seconds, of the newest record delivered.
func (t Telemetry) Lag(seconds float64) {
	t.tb.ReceiverDocusignCheckpointLag.Record(context.Background(), seconds)
}
