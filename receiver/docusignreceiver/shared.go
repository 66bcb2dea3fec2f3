// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/receiver"
)

// running holds the receiver of each configuration while a pipeline has a handle on it: the
// collector creates one component per pipeline type, and both must reach the same pollers.
var running = struct {
	sync.Mutex
	byConfig map[*Config]*docusignReceiver
}{byConfig: map[*Config]*docusignReceiver{}}

// attach returns a handle on cfg's receiver, creating it for the first pipeline; wire connects the
// pipeline's consumer. Every pipeline is created before any is started.
func attach(set receiver.Settings, cfg *Config, wire func(*docusignReceiver)) (*handle, error) {
	running.Lock()
	defer running.Unlock()
	r, ok := running.byConfig[cfg]
	if !ok {
		var err error
		if r, err = newDocusignReceiver(set, cfg); err != nil {
			return nil, err
		}
		running.byConfig[cfg] = r
	}
	wire(r)
	return &handle{r: r}, nil
}

// handle is one pipeline's receiver: the first Start starts the sources, the last Shutdown stops them.
type handle struct {
	r       *docusignReceiver
	started bool
}

func (h *handle) Start(ctx context.Context, host component.Host) error {
	if h.started { // a second Start would orphan the running sources
		return errors.New("docusign receiver: already started")
	}
	if err := h.r.acquire(ctx, host); err != nil {
		return err
	}
	h.started = true
	return nil
}

func (h *handle) Shutdown(ctx context.Context) error {
	if !h.started {
		return nil
	}
	h.started = false
	return h.r.release(ctx)
}

// acquire starts the sources for the first handle.
func (r *docusignReceiver) acquire(ctx context.Context, host component.Host) error {
	r.handlesMu.Lock()
	defer r.handlesMu.Unlock()
	if r.handles == 0 {
		if err := r.start(ctx, host); err != nil {
			return err
		}
	}
	r.handles++
	return nil
}

// release stops the sources with the last handle, and forgets the receiver.
func (r *docusignReceiver) release(ctx context.Context) error {
	r.handlesMu.Lock()
	defer r.handlesMu.Unlock()
	r.handles--
	if r.handles > 0 {
		return nil
	}
	running.Lock()
	if running.byConfig[r.cfg] == r {
		delete(running.byConfig, r.cfg)
	}
	running.Unlock()
	return r.shutdown(ctx)
}
