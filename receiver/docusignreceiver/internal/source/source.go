// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package source is the shape every DocuSign source takes. A Source polls one DocuSign API and
// delivers what it finds; Run drives it (poll loop, backoff, panic recovery, health); a Deliverer
// hands its records to the pipeline. A source is handed everything it needs in Deps and never sees
// the receiver.
package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"
)

// Source is one DocuSign source: Monitor's stream, the users inventory, and the ones to come.
type Source interface {
	// Name names the source in telemetry, health and logs: "monitor", "users".
	Name() string
	// Interval is the wait between polls once the source is caught up.
	Interval() time.Duration
	// Load restores the source's state from its checkpoints. An error means the storage could not
	// be read: Run retries it before any poll.
	Load(ctx context.Context) error
	// Poll reads what is new and delivers it.
	Poll(ctx context.Context) (Result, error)
	// Probe makes one cheap request that shows whether the source can work with these credentials.
	Probe(ctx context.Context) error
}

// MaxPagesPerPoll bounds one poll far above any real drain (a 1 M-event backlog is 500 full Monitor
// pages), so an API that never says it is done cannot hold a poll forever; the next poll goes on at
// once. A variable for tests.
var MaxPagesPerPoll = 5000

// Result is what one poll achieved besides its error.
type Result struct {
	More       bool // a per-poll page cap was reached: poll again at once
	Progressed bool // something was delivered: a failure after it starts the backoff afresh
}

// Deps is what a source is handed.
type Deps struct {
	Client    *api.Client
	Store     *checkpoint.Store // the source's own key space
	Deliver   *Deliverer
	Telemetry Telemetry
	Health    func(part string, err error) // the health of a part of the source besides its polls, e.g. "checkpoint"
	Logger    *zap.Logger
	Clock     Clock
	// NewBatch returns an empty batch with the receiver's resource and scope, and its record slice.
	NewBatch func() (plog.Logs, plog.LogRecordSlice)
	// Identities is the users inventory the users source writes and others read; nil when not kept.
	Identities *identity.Inventory
}
