// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type faultKind int

const (
	faultNone faultKind = iota
	faultStatus
	faultRateLimit
	faultTruncate
	faultReset
)

// fault is the one injected misbehaviour a request gets.
type fault struct {
	kind       faultKind
	status     int
	retryAfter time.Duration
}

type failRule struct {
	prefix    string
	remaining int
	status    int
}

// faultState holds the armed switches; each request consumes at most one, in the order
// reset, status, rate limit, truncation.
type faultState struct {
	latency    time.Duration
	fail       []failRule
	rateLimit  int
	retryAfter time.Duration
	truncate   int
	reset      int
}

func (f *faultState) take(path string, api bool) fault {
	if api && f.reset > 0 {
		f.reset--
		return fault{kind: faultReset}
	}
	for i, rule := range f.fail {
		if strings.HasPrefix(path, rule.prefix) {
			if f.fail[i].remaining--; f.fail[i].remaining == 0 {
				f.fail = append(f.fail[:i], f.fail[i+1:]...)
			}
			return fault{kind: faultStatus, status: rule.status}
		}
	}
	if api && f.rateLimit > 0 {
		f.rateLimit--
		return fault{kind: faultRateLimit, retryAfter: f.retryAfter}
	}
	if api && f.truncate > 0 {
		f.truncate--
		return fault{kind: faultTruncate}
	}
	return fault{}
}

// SetLatency delays every request (all endpoints) by d before it is answered; 0 turns it off.
// d is the time to the first byte: the server prepares the response meanwhile, so a page whose
// encoding takes less than d is answered after exactly d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	s.faults.latency = max(d, 0)
	s.mu.Unlock()
}

// FailNext makes the next n requests whose path starts with prefix answer status with a JSON
// error body (a 429 also carries Retry-After: 1). Rules for different prefixes queue independently.
func (s *Server) FailNext(prefix string, n int, status int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.faults.fail = append(s.faults.fail, failRule{prefix: prefix, remaining: n, status: status})
	s.mu.Unlock()
}

// RateLimitNext makes the next n API requests answer 429 with Retry-After (whole seconds, rounded
// up) and X-RateLimit-Remaining: 0.
func (s *Server) RateLimitNext(n int, retryAfter time.Duration) {
	s.mu.Lock()
	s.faults.rateLimit = max(n, 0)
	s.faults.retryAfter = max(retryAfter, 0)
	s.mu.Unlock()
}

// TruncateNext makes the next n API responses send only the first half of their JSON body, with a
// Content-Length that matches what is sent, so the client's decoder fails.
func (s *Server) TruncateNext(n int) {
	s.mu.Lock()
	s.faults.truncate = max(n, 0)
	s.mu.Unlock()
}

// ResetNext makes the next n API requests end with the connection reset and no response.
func (s *Server) ResetNext(n int) {
	s.mu.Lock()
	s.faults.reset = max(n, 0)
	s.mu.Unlock()
}

// SpendRateLimit uses up n requests of the account's current hourly window (the clock hour of Now()),
// as other clients of the account would: the next API response's X-RateLimit-Remaining is n lower.
// The burst window is left alone. With Options.EnforceRateLimit a spent window answers 429.
func (s *Server) SpendRateLimit(n int) {
	if n <= 0 {
		return
	}
	now := s.now()
	s.mu.Lock()
	s.rate.roll(now)
	s.rate.used += n
	s.mu.Unlock()
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

func itoa(n int) string { return strconv.Itoa(n) }

// rateState counts API requests per clock hour (the account's hourly limit) and per 30 s burst window.
type rateState struct {
	hourStart, burstStart time.Time
	used, burstUsed       int
	limit, burst          int
}

// roll starts a new hourly or burst window when now has left the current one.
func (r *rateState) roll(now time.Time) {
	if hour := now.Truncate(time.Hour); !hour.Equal(r.hourStart) {
		r.hourStart, r.used = hour, 0
	}
	if bw := now.Truncate(burstWindow); !bw.Equal(r.burstStart) {
		r.burstStart, r.burstUsed = bw, 0
	}
}

// stamp counts one request and writes the rate-limit headers DocuSign sends on every API response.
func (r *rateState) stamp(h http.Header, now time.Time, limit, burst int) {
	r.limit, r.burst = limit, burst
	r.roll(now)
	r.used++
	r.burstUsed++
	h.Set("X-RateLimit-Limit", itoa(limit))
	h.Set("X-RateLimit-Remaining", itoa(max(limit-r.used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(r.hourStart.Add(time.Hour).Unix(), 10))
	h.Set("X-BurstLimit-Limit", itoa(burst))
	h.Set("X-BurstLimit-Remaining", itoa(max(burst-r.burstUsed, 0)))
}

func (r *rateState) exhausted() bool { return r.used > r.limit || r.burstUsed > r.burst }

func (r *rateState) retryAfter(now time.Time) time.Duration {
	if r.used > r.limit {
		return r.hourStart.Add(time.Hour).Sub(now)
	}
	return r.burstStart.Add(burstWindow).Sub(now)
}

// Stats are counters of what the server saw, for assertions.
type Stats struct {
	Requests            int             // every request, faults included
	TokensIssued        int             // successful token grants
	TokenRejected       int             // token requests answered with an OAuth error
	TokenErrors         map[string]int  // rejections by OAuth error code
	UserInfoRequests    int             // /oauth/userinfo calls
	MonitorRequests     int             // stream calls that reached the handler (not faulted away)
	MonitorEventsServed int             // events sent in stream pages
	UserRequests        int             // users listing calls that reached the handler
	ProfileRequests     int             // profile drill-down calls (by id or email) that reached the handler
	Unauthorized        int             // 401 answers
	Resets              int             // connections reset by ResetNext
	Truncated           int             // bodies cut by TruncateNext
	StatusCounts        map[int]int     // answers by HTTP status (resets excluded)
	Hostile             map[Hostile]int // hostile faults served and hostile records sent, by kind
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.TokenErrors = maps.Clone(s.stats.TokenErrors)
	st.StatusCounts = maps.Clone(s.stats.StatusCounts)
	st.Hostile = maps.Clone(s.stats.Hostile)
	return st
}
