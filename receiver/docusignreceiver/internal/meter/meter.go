// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package meter turns the records the receiver delivers into its metrics: Monitor events and alerts
// and user changes counted by bounded attributes (never ids, emails or addresses), the Monitor lag and
// the users by status, built with mdatagen's metrics builder.
package meter // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/meter"

import (
	"maps"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// MaxSeries bounds the attribute sets one metric keeps: DocuSign's objects, actions and alert names
// are a small vocabulary, so anything beyond is counted under Other and hostile data cannot grow memory.
const MaxSeries = 1000

// Other stands for every attribute value past MaxSeries.
const Other = "_other"

type eventKey struct{ object, action, result string }

// The attribute sets past MaxSeries are counted under.
var (
	otherEvent  = eventKey{Other, Other, Other}
	otherAlert  = alertKey{Other, Other}
	otherChange = changeKey{metadata.AttributeDocusignUserOperationUPDATE, Other}
)

type alertKey struct{ name, severity string }
type changeKey struct {
	op    metadata.AttributeDocusignUserOperation
	field string
}

// Counts are what a batch of records adds to the cumulative sums.
type Counts struct {
	events  map[eventKey]int64
	alerts  map[alertKey]int64
	changes map[changeKey]int64
}

// Count reads what the records of ld add: a Monitor event by its object, action and result as
// DocuSign sent them, an alert by name and severity, a user CREATE or UPDATE, a profile change by
// each changed field. A SNAPSHOT is no change.
func Count(ld plog.Logs) Counts {
	c := Counts{events: map[eventKey]int64{}, alerts: map[alertKey]int64{}, changes: map[changeKey]int64{}}
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			lrs := sls.At(j).LogRecords()
			for k := range lrs.Len() {
				c.add(lrs.At(k))
			}
		}
	}
	return c
}

func (c Counts) add(lr plog.LogRecord) {
	attrs := lr.Attributes()
	switch lr.EventName() {
	case convert.EventNameMonitor:
		c.events[eventKey{str(attrs, convert.AttrXDMTargetResourceType), str(attrs, convert.AttrXDMEventOriginalEventType), result(lr)}]++
		if name, ok := attrs.Get(convert.AttrXDMAlertName); ok {
			c.alerts[alertKey{name.AsString(), str(attrs, convert.AttrXDMAlertSeverity)}]++
		}
	case convert.EventNameAdminUser:
		if changed, ok := attrs.Get(convert.AttrDocuSignUserChanged); ok && changed.Type() == pcommon.ValueTypeSlice {
			for _, f := range changed.Slice().All() {
				c.changes[changeKey{metadata.AttributeDocusignUserOperationUPDATE, f.AsString()}]++
			}
			return
		}
		switch str(attrs, convert.AttrXDMEventOperation) {
		case convert.OperationCreate:
			c.changes[changeKey{op: metadata.AttributeDocusignUserOperationCREATE}]++
		case convert.OperationUpdate:
			c.changes[changeKey{op: metadata.AttributeDocusignUserOperationUPDATE}]++
		}
	}
}

// result is the event's result as DocuSign sent it: the body's, the attribute being upper-cased.
func result(lr plog.LogRecord) string {
	if lr.Body().Type() == pcommon.ValueTypeMap {
		if v, ok := lr.Body().Map().Get("result"); ok {
			return v.AsString()
		}
		return ""
	}
	return str(lr.Attributes(), convert.AttrXDMEventOutcome)
}

func str(m pcommon.Map, key string) string {
	if v, ok := m.Get(key); ok {
		return v.AsString()
	}
	return ""
}

// Gauges are the current values of the gauges; a nil field is not reported.
type Gauges struct {
	Lag   *float64         // seconds since Monitor was last caught up; nil without Monitor
	Users map[string]int64 // users by status; nil without the users inventory
}

// Meter keeps the cumulative sums and builds the metrics. Safe for concurrent use.
type Meter struct {
	mu       sync.Mutex
	mb       *metadata.MetricsBuilder
	resource pcommon.Resource
	totals   Counts
}

// New returns a meter whose metrics carry resource.
func New(cfg metadata.MetricsBuilderConfig, set receiver.Settings, resource pcommon.Resource, start time.Time) *Meter {
	return &Meter{
		mb:       metadata.NewMetricsBuilder(cfg, set, metadata.WithStartTime(pcommon.NewTimestampFromTime(start))),
		resource: resource,
		totals:   Counts{events: map[eventKey]int64{}, alerts: map[alertKey]int64{}, changes: map[changeKey]int64{}},
	}
}

// Build returns the metrics as they would be with delta added, without adding it; commit with
// Commit once they were consumed. Callers serialise Build and Commit (see Lock).
func (m *Meter) Build(now time.Time, delta Counts, g Gauges) pmetric.Metrics {
	ts := pcommon.NewTimestampFromTime(now)
	for k, v := range merged(m.totals.events, delta.events, otherEvent) {
		m.mb.RecordDocusignMonitorEventsDataPoint(ts, v, k.object, k.action, k.result)
	}
	for k, v := range merged(m.totals.alerts, delta.alerts, otherAlert) {
		m.mb.RecordDocusignMonitorAlertsDataPoint(ts, v, k.name, k.severity)
	}
	for k, v := range merged(m.totals.changes, delta.changes, otherChange) {
		m.mb.RecordDocusignUsersChangesDataPoint(ts, v, k.op, k.field)
	}
	if g.Lag != nil {
		m.mb.RecordDocusignMonitorLagDataPoint(ts, *g.Lag)
	}
	for status, n := range g.Users {
		m.mb.RecordDocusignUsersDataPoint(ts, n, status)
	}
	res := pcommon.NewResource()
	m.resource.CopyTo(res)
	return m.mb.Emit(metadata.WithResource(res))
}

// Commit adds delta to the sums, each metric bounded to MaxSeries attribute sets.
func (m *Meter) Commit(delta Counts) {
	addBounded(m.totals.events, delta.events, otherEvent)
	addBounded(m.totals.alerts, delta.alerts, otherAlert)
	addBounded(m.totals.changes, delta.changes, otherChange)
}

// Lock serialises a Build, its consumption and its Commit: an emission never lacks a delta another
// one already reported, so a cumulative sum never goes down.
func (m *Meter) Lock()   { m.mu.Lock() }
func (m *Meter) Unlock() { m.mu.Unlock() }

func merged[K comparable](totals, delta map[K]int64, other K) map[K]int64 {
	if len(delta) == 0 {
		return totals
	}
	out := maps.Clone(totals)
	addBounded(out, delta, other)
	return out
}

func addBounded[K comparable](totals, delta map[K]int64, other K) {
	for k, v := range delta {
		if _, known := totals[k]; !known && len(totals) >= MaxSeries-1 {
			k = other
		}
		totals[k] += v
	}
}
