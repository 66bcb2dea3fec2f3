// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package source // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

import (
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// Health reports the receiver's status from every part of every source: a recoverable error while
// any part fails, OK once all of them succeed again.
type Health struct {
	host    component.Host
	mu      sync.Mutex
	failing map[string]error
}

// NewHealth reports to host; a nil host (tests, before Start) makes Report a no-op.
func NewHealth(host component.Host) *Health {
	return &Health{host: host, failing: map[string]error{}}
}

// Report records whether the last attempt of part (e.g. "monitor", "monitor checkpoint") worked.
func (h *Health) Report(part string, err error) {
	if h == nil || h.host == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if err != nil {
		h.failing[part] = err
		componentstatus.ReportStatus(h.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("%s: %w", part, err)))
		return
	}
	delete(h.failing, part)
	if len(h.failing) == 0 {
		componentstatus.ReportStatus(h.host, componentstatus.NewEvent(componentstatus.StatusOK))
	}
}
