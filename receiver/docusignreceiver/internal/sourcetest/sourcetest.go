// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package sourcetest builds the environment a source runs in, for the tests of the sources and of
// their machinery: nop telemetry, a store without storage, records to the consumer the test gives.
package sourcetest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sourcetest"

import (
	"testing"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

// Env returns an environment whose API calls go through client and whose records go to next.
func Env(t testing.TB, client *api.Client, next consumer.Logs) source.Env {
	t.Helper()
	set := receivertest.NewNopSettings(metadata.Type)
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{ReceiverID: set.ID, Transport: "https", ReceiverCreateSettings: set})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tb.Shutdown)
	return source.Env{
		Client:    client,
		Store:     checkpoint.NewStore(nil),
		Next:      next,
		Obs:       obs,
		Telemetry: tb,
		Health:    source.NewHealth(nil),
		Logger:    zap.NewNop(),
		NewBatch:  NewBatch,
	}
}

// NewBatch returns an empty batch with one resource and scope, and its record slice.
func NewBatch() (plog.Logs, plog.LogRecordSlice) {
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	return logs, records
}
