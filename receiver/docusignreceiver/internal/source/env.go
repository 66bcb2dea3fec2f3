// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/metadata"
)

// Env is what the receiver shares among its sources; Deps cuts one source's share out of it.
type Env struct {
	Client    *api.Client
	Store     *checkpoint.Store
	Next      consumer.Logs
	Obs       *receiverhelper.ObsReport // nil: batches are not log records of a pipeline (metrics only)
	Telemetry *metadata.TelemetryBuilder
	Health    *Health
	Logger    *zap.Logger
	Clock     Clock // nil: SystemClock
	Tap       Tap   // nil: none
	NewBatch  func() (plog.Logs, plog.LogRecordSlice)
	// Identities is the users inventory, when one is kept (users enabled, and enrichment or profiles on).
	Identities *identity.Inventory
}

// Deps returns what the source named name, polling every interval, is handed.
func (e Env) Deps(name string, interval time.Duration) Deps {
	clock := e.Clock
	if clock == nil {
		clock = SystemClock
	}
	logger := e.Logger.With(zap.String("source", name))
	telemetry := NewTelemetry(e.Telemetry, name)
	health := func(part string, err error) {
		if part != "" {
			part = name + " " + part
		} else {
			part = name
		}
		e.Health.Report(part, err)
	}
	return Deps{
		Client: e.Client,
		Store:  e.Store.Namespace(name),
		Deliver: &Deliverer{
			source: name, next: e.Next, obs: e.Obs, telemetry: telemetry, logger: logger, clock: clock, tap: e.Tap,
			health: func(err error) { health("", err) }, maxWait: interval,
		},
		Telemetry:  telemetry,
		Health:     health,
		Logger:     logger,
		Clock:      clock,
		NewBatch:   e.NewBatch,
		Identities: e.Identities,
	}
}
