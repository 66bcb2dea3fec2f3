// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package meter

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func monitorRecord(lrs plog.LogRecordSlice, object, action, result string, alert ...string) {
	lr := lrs.AppendEmpty()
	lr.SetEventName(convert.EventNameMonitor)
	lr.Attributes().PutStr(convert.AttrXDMTargetResourceType, object)
	lr.Attributes().PutStr(convert.AttrXDMEventOriginalEventType, action)
	lr.Attributes().PutStr(convert.AttrXDMEventOutcome, "UPPER-CASED, NOT USED")
	lr.Body().SetEmptyMap().PutStr("result", result)
	if len(alert) == 2 {
		lr.Attributes().PutStr(convert.AttrXDMAlertName, alert[0])
		lr.Attributes().PutStr(convert.AttrXDMAlertSeverity, alert[1])
	}
}

func userRecord(lrs plog.LogRecordSlice, op string, changed ...string) {
	lr := lrs.AppendEmpty()
	lr.SetEventName(convert.EventNameAdminUser)
	lr.Attributes().PutStr(convert.AttrXDMEventOperation, op)
	lr.Attributes().PutStr(convert.AttrUserEmail, "ada@example.com")
	if changed != nil {
		s := lr.Attributes().PutEmptySlice(convert.AttrDocuSignUserChanged)
		for _, c := range changed {
			s.AppendEmpty().SetStr(c)
		}
	}
}

// points returns each data point of metric name as "attr,attr=value".
func points(md pmetric.Metrics, name string) map[string]float64 {
	out := map[string]float64{}
	for _, rm := range md.ResourceMetrics().All() {
		for _, sm := range rm.ScopeMetrics().All() {
			for _, m := range sm.Metrics().All() {
				if m.Name() != name {
					continue
				}
				dps := pmetric.NewNumberDataPointSlice()
				if m.Type() == pmetric.MetricTypeSum {
					dps = m.Sum().DataPoints()
				} else {
					dps = m.Gauge().DataPoints()
				}
				for _, dp := range dps.All() {
					key := ""
					for _, v := range dp.Attributes().All() {
						key += v.AsString() + ","
					}
					if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
						out[key] = float64(dp.IntValue())
					} else {
						out[key] = dp.DoubleValue()
					}
				}
			}
		}
	}
	return out
}

func newMeter() *Meter {
	res := pcommon.NewResource()
	res.Attributes().PutStr("docusign.organization.id", "org-1")
	return New(metadata.NewDefaultMetricsBuilderConfig(), receivertest.NewNopSettings(metadata.Type), res, time.Now())
}

func TestCountsWhatTheRecordsSay(t *testing.T) {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	monitorRecord(lrs, "Envelope", "Voided", "Success")
	monitorRecord(lrs, "Envelope", "Voided", "Success")
	monitorRecord(lrs, "User", "Login", "Failed")
	monitorRecord(lrs, "Alert", "TooManyLoginFailures", "", "TooManyLoginFailures", "High")
	userRecord(lrs, convert.OperationCreate)
	userRecord(lrs, convert.OperationUpdate)
	userRecord(lrs, convert.OperationSnapshot)
	userRecord(lrs, convert.OperationUpdate, convert.AttrDocuSignUserTwoStepRequired, convert.AttrDocuSignUserIsOrganizationAdmin)

	m := newMeter()
	lag := 12.5
	md := m.Build(time.Now(), Count(ld), Gauges{Lag: &lag, Users: map[string]int64{"active": 3}})
	assert.Equal(t, map[string]float64{"Envelope,Voided,Success,": 2, "User,Login,Failed,": 1, "Alert,TooManyLoginFailures,,": 1},
		points(md, "docusign.monitor.events"), "result as DocuSign sent it, from the body")
	assert.Equal(t, map[string]float64{"TooManyLoginFailures,High,": 1}, points(md, "docusign.monitor.alerts"))
	assert.Equal(t, map[string]float64{"CREATE,,": 1, "UPDATE,,": 1,
		"UPDATE," + convert.AttrDocuSignUserTwoStepRequired + ",": 1, "UPDATE," + convert.AttrDocuSignUserIsOrganizationAdmin + ",": 1},
		points(md, "docusign.users.changes"), "a SNAPSHOT is no change; a profile change counts each field")
	assert.Equal(t, map[string]float64{"": 12.5}, points(md, "docusign.monitor.lag"))
	assert.Equal(t, map[string]float64{"active,": 3}, points(md, "docusign.users"))
	assert.Equal(t, "org-1", md.ResourceMetrics().At(0).Resource().Attributes().AsRaw()["docusign.organization.id"])

	again := m.Build(time.Now(), Counts{}, Gauges{})
	assert.Empty(t, points(again, "docusign.monitor.events"), "Build does not keep what it was given")
	m.Commit(Count(ld))
	m.Commit(Count(ld))
	assert.Equal(t, float64(4), points(m.Build(time.Now(), Counts{}, Gauges{}), "docusign.monitor.events")["Envelope,Voided,Success,"], "cumulative")
	assert.Empty(t, points(again, "docusign.monitor.lag"), "no Monitor, no lag")
}

func TestHostileVocabularyIsBounded(t *testing.T) {
	m := newMeter()
	for i := range 3 * MaxSeries {
		ld := plog.NewLogs()
		monitorRecord(ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords(), fmt.Sprintf("Object%d", i), "Created", "Success")
		m.Commit(Count(ld))
	}
	got := points(m.Build(time.Now(), Counts{}, Gauges{}), "docusign.monitor.events")
	assert.Len(t, got, MaxSeries)
	var total float64
	for _, v := range got {
		total += v
	}
	assert.Equal(t, float64(3*MaxSeries), total, "nothing lost: the rest counted as other")
	assert.Equal(t, float64(2*MaxSeries+1), got["_other,_other,_other,"])
}
