// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
)

// CheckpointWriter writes a source's checkpoint and keeps its health: an error while writes fail (a
// full disk goes noticed before a restart replays), OK once a write succeeds again.
type CheckpointWriter struct {
	deps    Deps
	lost    string // what a restart would do without the write, for the log and the status
	failing bool
}

// NewCheckpointWriter writes to deps.Store; lost says what a restart would do if a write failed.
func NewCheckpointWriter(deps Deps, lost string) *CheckpointWriter {
	return &CheckpointWriter{deps: deps, lost: lost}
}

// Write writes ops in one batch. A failure is logged and reported, not returned: what a failed
// write did not store, the next one stores.
func (w *CheckpointWriter) Write(ctx context.Context, ops ...checkpoint.Op) {
	err := w.deps.Store.Write(ctx, ops...)
	switch {
	case err != nil:
		w.deps.Logger.Error("Checkpoint not saved; "+w.lost, zap.Error(err))
		w.failing = true
		w.deps.Health("checkpoint", fmt.Errorf("checkpoint not saved, %s: %w", w.lost, err))
	case w.failing:
		w.failing = false
		w.deps.Health("checkpoint", nil)
	}
}
