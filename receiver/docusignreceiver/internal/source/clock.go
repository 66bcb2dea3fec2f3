// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"context"
	"time"
)

// Clock is the time a source reads and waits on; tests inject their own.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends; false means ctx ended.
	Sleep(ctx context.Context, d time.Duration) bool
}

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
