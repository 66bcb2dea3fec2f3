// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package sources // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sources"

import (
	"sync"
	"time"
)

// StreamState says whether Monitor is caught up with its stream, and since when it last was, for the
// docusign.monitor.lag metric. Safe for concurrent use.
type StreamState struct {
	mu       sync.Mutex
	caughtUp bool
	last     time.Time // when a poll last found the stream complete; zero: never
	since    time.Time // when the state began: the lag of a stream never caught up counts from here
}

// NewStreamState returns the state of a receiver started at start.
func NewStreamState(start time.Time) *StreamState { return &StreamState{since: start} }

// Lag is 0 while caught up, else the seconds since Monitor last was (or since the start).
func (s *StreamState) Lag(now time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.caughtUp {
		return 0
	}
	from := s.since
	if s.last.After(from) {
		from = s.last
	}
	return max(now.Sub(from).Seconds(), 0)
}

func (s *StreamState) restore(last time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if last.After(s.last) {
		s.last = last
	}
	s.mu.Unlock()
}

func (s *StreamState) caughtUpAt(at time.Time) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.caughtUp, s.last = true, at
	s.mu.Unlock()
}

func (s *StreamState) behind() {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.caughtUp = false
	s.mu.Unlock()
}
