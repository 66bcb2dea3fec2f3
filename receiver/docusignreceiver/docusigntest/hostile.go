// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Hostile mode: every way DocuSign, or a proxy between it and a client, can misbehave, each switchable
// on its own (ArmHostile), drawn at random (SetChaos) or, for hostile records, placed in the stream
// (AppendHostileMonitorEvents). Hostile faults never combine with the classic ones (faults.go) on one
// request: FailNext, RateLimitNext, TruncateNext, ResetNext and an enforced rate limit go first.

// Hostile is one kind of hostile behaviour; its value is the name the simulator's -chaos-kinds takes.
type Hostile string

// Garbage rate-limit headers on an otherwise normal API answer. The real counts stay on the other
// headers, so with a small Options.RateLimit a client paces against the garbage.
const (
	// HostileRateRemainingNegative sends X-RateLimit-Remaining: -1 with a reset 2 s ahead: probes the
	// pacer's arithmetic (a division by remaining+1 = 0 killed the process).
	HostileRateRemainingNegative Hostile = "rate-remaining-negative"
	// HostileRateNonNumeric sends words and an HTTP date in every rate-limit header: probes parsing
	// that falls back to "unknown" instead of zero.
	HostileRateNonNumeric Hostile = "rate-non-numeric"
	// HostileRateHuge sends 99999999999999999999 (beyond int64) in every rate-limit header: probes
	// overflow-safe parsing.
	HostileRateHuge Hostile = "rate-huge"
	// HostileRateResetMillis sends X-RateLimit-Reset in Unix milliseconds: probes that a reset
	// tens of thousands of years ahead is clamped, not slept.
	HostileRateResetMillis Hostile = "rate-reset-millis"
	// HostileRateResetYear sends an X-RateLimit-Reset a year ahead: probes the clamp of pacing waits.
	HostileRateResetYear Hostile = "rate-reset-year"
	// HostileRateResetPast sends X-RateLimit-Remaining: 0 with a reset an hour ago (a skewed clock):
	// probes that a past reset means "go on", not a negative or endless wait.
	HostileRateResetPast Hostile = "rate-reset-past"
)

// Hostile 429s on API requests (HOURLY_APIINVOCATION_LIMIT_EXCEEDED, X-RateLimit-Remaining: 0).
const (
	// Hostile429RetryAfterYear sends Retry-After: 31536000 (a year): probes the clamp of server-told
	// waits (a correct client still waits up to its clamp, so ChaosKinds leaves it out).
	Hostile429RetryAfterYear Hostile = "429-retry-after-year"
	// Hostile429RetryAfterOverflow sends Retry-After: 10000000000, which overflows a time.Duration
	// in nanoseconds: probes overflow-safe parsing (a negative wait must not mean "no wait").
	Hostile429RetryAfterOverflow Hostile = "429-retry-after-overflow"
	// Hostile429RetryAfterDate sends Retry-After as an HTTP date in the year 9999: probes the date
	// form and its clamp.
	Hostile429RetryAfterDate Hostile = "429-retry-after-date"
	// Hostile429ShortBody sends a 429 with Retry-After: 1 whose body stops short of its
	// Content-Length before the connection closes: probes that status and headers are read before
	// the body, so the Retry-After is not lost to the read error.
	Hostile429ShortBody Hostile = "429-short-body"
)

// Redirects, on every endpoint (the token endpoint included). The elsewhere host answers 503 and
// records every request it gets (ElsewhereRequests), so a test can prove no secret went there.
const (
	// HostileRedirect307Elsewhere answers 307 to the same path and query on another host
	// (ElsewhereURL): probes that the assertion and the bearer token never follow a redirect off host.
	HostileRedirect307Elsewhere Hostile = "redirect-307-elsewhere"
	// HostileRedirect308Elsewhere is HostileRedirect307Elsewhere with a permanent 308.
	HostileRedirect308Elsewhere Hostile = "redirect-308-elsewhere"
	// HostileRedirectSameHost answers 307 to the very same URL on this server, which a client may
	// follow: probes that a harmless redirect costs at most a retry.
	HostileRedirectSameHost Hostile = "redirect-same-host"
)

// Bodies. All but HostileOversizedPage apply to every endpoint.
const (
	// HostileEndlessBody answers 200 with JSON-looking bytes that never end, until the client hangs up
	// or Close: probes the body cap (PageCap) and that a capped read is an error, not a page.
	HostileEndlessBody Hostile = "endless-body"
	// HostileOversizedPage pads every event of a Monitor page holding two or more events (a "padding"
	// field) so the body exceeds PageCap; a one-event page is served as is: probes that a client
	// asks again with a smaller limit, down to 1, instead of retrying the same page forever. Applies to
	// the Monitor streams only.
	HostileOversizedPage Hostile = "oversized-page"
	// HostileBareContentLength sends the real answer with Content-Length: BareContentLength, then
	// closes the connection: probes that nothing is allocated from Content-Length beyond the cap and
	// that the short body is an error.
	HostileBareContentLength Hostile = "bare-content-length"
	// HostileSlowBody sends the real answer's body in pieces spread over HostileTiming.SlowBody:
	// probes read timeouts that cut an active, healthy transfer.
	HostileSlowBody Hostile = "slow-body"
	// HostileSlowHeaders waits HostileTiming.SlowHeaders before the status line of the real answer:
	// probes the response-header timeout.
	HostileSlowHeaders Hostile = "slow-headers"
)

// Error pages that echo every request header, the Authorization header included, as a misconfigured
// proxy does: probe that no quoted snippet of a body puts the bearer token into a log or status.
const (
	// HostileEchoHTML403 answers 403 with an HTML page listing the request headers.
	HostileEchoHTML403 Hostile = "echo-html-403"
	// HostileEchoHTML502 answers 502 with an HTML page listing the request headers.
	HostileEchoHTML502 Hostile = "echo-html-502"
	// HostileEchoJSON500 answers 500 with DocuSign's JSON error whose message lists the request headers.
	HostileEchoJSON500 Hostile = "echo-json-500"
	// HostileEchoHTML200 answers 200 with an HTML page (a captive portal) listing the request headers.
	HostileEchoHTML200 Hostile = "echo-html-200"
)

// Hostile records: stream positions (AppendHostileMonitorEvents), not faults. A client must deliver
// each of them (or, for the oversized ones, skip it and say so) without failing its page.
const (
	// HostileEventBadCoordinates are events whose ipAddressLocation and flattened latitude/longitude
	// hold "NaN", "Infinity", out-of-range values and 1e400, as strings and as numbers: probes that no
	// non-finite or impossible value reaches geo attributes, and that the record is flagged, not dropped.
	HostileEventBadCoordinates Hostile = "event-bad-coordinates"
	// HostileEventDeepNesting are events with a value nested HostileNestingDepth levels deep (valid
	// JSON): probes per-event recovery from a decoder's depth limit.
	HostileEventDeepNesting Hostile = "event-deep-nesting"
	// HostileEventMalformed are events that are not JSON (an unquoted word, a missing colon) but keep
	// their brackets and quotes balanced: probes per-event recovery, keeping the raw text.
	HostileEventMalformed Hostile = "event-malformed"
	// HostileEventOversized are events padded past PageCap, alone on a page even at limit=1, with
	// endCursor before the data as DocuSign sends it: probes that one such event is skipped, logged with
	// its position and counted, and the stream goes on.
	HostileEventOversized Hostile = "event-oversized"
	// HostileEventOversizedCursorLast is HostileEventOversized on a page whose endCursor comes after the
	// data, so it is only reachable by reading past the cap.
	HostileEventOversizedCursorLast Hostile = "event-oversized-cursor-last"
)

// Non-advancing Monitor cursors, on pages with data (a caught-up page is left alone). They re-serve
// data, so a correct client sees duplicates it must tolerate, and a loop it must break.
const (
	// HostileCursorEcho answers a page with data whose endCursor is the cursor sent (or, when none was
	// sent, the opaque cursor of the same position): probes "endCursor equal to the cursor sent" on a
	// non-empty page.
	HostileCursorEcho Hostile = "cursor-echo"
	// HostileCursorMissing answers a page with data and no endCursor key: probes that a missing cursor
	// never replaces a good one.
	HostileCursorMissing Hostile = "cursor-missing"
	// HostileCursorNull answers a page with data and "endCursor": null.
	HostileCursorNull Hostile = "cursor-null"
	// HostileCursorCycle serves the page at cursor A normally, with endCursor B, and plants a link
	// back: the next request sent with B, armed or not, gets the page at B with endCursor A
	// (A→B→A). Each armed request plants one cycle (a request that closes one uses up no arming):
	// probes cycle detection within a poll.
	HostileCursorCycle Hostile = "cursor-cycle"
)

// Admin users paging links.
const (
	// HostileUsersNextBack sets paging.next of a page past the first to the page before it (A→B→A),
	// on the last page too; a first-page request is not affected and does not use up an arming.
	HostileUsersNextBack Hostile = "users-next-back"
	// HostileUsersNextSelf sets paging.next to the page itself.
	HostileUsersNextSelf Hostile = "users-next-self"
	// HostileUsersNextOffHost sets paging.next to the right page on the elsewhere host: probes that a
	// client never sends its bearer token to a host named by a response.
	HostileUsersNextOffHost Hostile = "users-next-off-host"
)

// Token endpoint faults (POST /oauth/token).
const (
	// HostileToken429 answers 429 with Retry-After: 2 and an OAuth error body: probes that the token
	// client carries and honours Retry-After.
	HostileToken429 Hostile = "token-429"
	// HostileToken503 answers 503 with a load balancer's HTML page: probes a non-JSON token error.
	HostileToken503 Hostile = "token-503"
	// HostileTokenRedirect answers 307 to /oauth/token on the elsewhere host: probes that the
	// assertion is never re-posted to another host.
	HostileTokenRedirect Hostile = "token-redirect"
	// HostileTokenEchoAssertion answers invalid_grant with an error_description quoting the assertion:
	// probes that token errors are redacted before they reach a log or status.
	HostileTokenEchoAssertion Hostile = "token-echo-assertion"
)

const (
	// PageCap is the body size a client is expected to read at most (32 MiB); oversized bodies exceed it.
	PageCap = 32 << 20
	// OversizedBody is the size an oversized page or event reaches, 1 MiB past PageCap.
	OversizedBody = PageCap + 1<<20
	// BareContentLength is the Content-Length HostileBareContentLength declares (1 GiB).
	BareContentLength = 1 << 30
	// HostileNestingDepth is how deep HostileEventDeepNesting nests (more than 512).
	HostileNestingDepth = 600
)

// hostileScope says which requests a kind applies to.
type hostileScope int

const (
	scopeAll     hostileScope = iota // every endpoint
	scopeAPI                         // the Monitor streams and the Admin API (users listing, profiles)
	scopeMonitor                     // the Monitor streams
	scopeUsers                       // the users listing
	scopeToken                       // the token endpoint
	scopeData                        // not a fault: a stream position
)

// hostileKind is one row of the table of kinds.
type hostileKind struct {
	kind  Hostile
	scope hostileScope
	chaos bool // a correct client recovers without losing data, so SetChaos may draw it
	slow  bool // ... but only after a server-told wait it clamps (up to an hour): not in ChaosKinds
}

var hostileKinds = []hostileKind{
	{HostileRateRemainingNegative, scopeAPI, true, false},
	{HostileRateNonNumeric, scopeAPI, true, false},
	{HostileRateHuge, scopeAPI, true, false},
	{HostileRateResetMillis, scopeAPI, true, false},
	{HostileRateResetYear, scopeAPI, true, false},
	{HostileRateResetPast, scopeAPI, true, false},
	{Hostile429RetryAfterYear, scopeAPI, true, true},
	{Hostile429RetryAfterOverflow, scopeAPI, true, true},
	{Hostile429RetryAfterDate, scopeAPI, true, true},
	{Hostile429ShortBody, scopeAPI, true, false},
	{HostileRedirect307Elsewhere, scopeAll, true, false},
	{HostileRedirect308Elsewhere, scopeAll, true, false},
	{HostileRedirectSameHost, scopeAll, true, false},
	{HostileEndlessBody, scopeAll, true, false},
	{HostileOversizedPage, scopeMonitor, true, false},
	{HostileBareContentLength, scopeAll, true, false},
	{HostileSlowBody, scopeAll, true, false},
	{HostileSlowHeaders, scopeAll, true, false},
	{HostileEchoHTML403, scopeAll, true, false},
	{HostileEchoHTML502, scopeAll, true, false},
	{HostileEchoJSON500, scopeAll, true, false},
	{HostileEchoHTML200, scopeAll, true, false},
	{HostileEventBadCoordinates, scopeData, false, false},
	{HostileEventDeepNesting, scopeData, false, false},
	{HostileEventMalformed, scopeData, false, false},
	{HostileEventOversized, scopeData, false, false},
	{HostileEventOversizedCursorLast, scopeData, false, false},
	{HostileCursorEcho, scopeMonitor, true, false},
	{HostileCursorMissing, scopeMonitor, true, false},
	{HostileCursorNull, scopeMonitor, true, false},
	{HostileCursorCycle, scopeMonitor, true, false},
	{HostileUsersNextBack, scopeUsers, true, false},
	{HostileUsersNextSelf, scopeUsers, true, false},
	{HostileUsersNextOffHost, scopeUsers, true, false},
	{HostileToken429, scopeToken, true, false},
	{HostileToken503, scopeToken, true, false},
	{HostileTokenRedirect, scopeToken, true, false},
	{HostileTokenEchoAssertion, scopeToken, true, false},
}

func lookupKind(kind Hostile) (hostileKind, bool) {
	i := slices.IndexFunc(hostileKinds, func(k hostileKind) bool { return k.kind == kind })
	if i < 0 {
		return hostileKind{}, false
	}
	return hostileKinds[i], true
}

// HostileKinds returns every kind, faults and records, in the order of their documentation.
func HostileKinds() []Hostile {
	out := make([]Hostile, len(hostileKinds))
	for i, k := range hostileKinds {
		out[i] = k.kind
	}
	return out
}

// ChaosKinds returns the kinds chaos draws by default: every fault a correct client recovers from
// without losing data and without waiting out a clamped server-told wait (the Retry-After 429s are
// allowed in Chaos.Kinds but not drawn by default).
func ChaosKinds() []Hostile {
	var out []Hostile
	for _, k := range hostileKinds {
		if k.chaos && !k.slow {
			out = append(out, k.kind)
		}
	}
	return out
}

// ParseHostileKinds reads a comma-separated list of kind names, e.g. "rate-huge,cursor-echo".
func ParseHostileKinds(list string) ([]Hostile, error) {
	var kinds []Hostile
	var errs []error
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, ok := lookupKind(Hostile(name)); !ok {
			errs = append(errs, fmt.Errorf("no hostile kind %q", name))
			continue
		}
		kinds = append(kinds, Hostile(name))
	}
	return kinds, errors.Join(errs...)
}

// HostileTiming tunes the slow kinds; a zero field takes its default.
type HostileTiming struct {
	// SlowHeaders is HostileSlowHeaders' wait before the status line; 0 → 2 s.
	SlowHeaders time.Duration
	// SlowBody is the time HostileSlowBody spreads its body over; 0 → 2 s.
	SlowBody time.Duration
}

const defaultHostileWait = 2 * time.Second

// SetHostileTiming sets the durations of the slow kinds.
func (s *Server) SetHostileTiming(t HostileTiming) {
	s.mu.Lock()
	s.hostile.timing = t
	s.mu.Unlock()
}

// Chaos draws hostile faults at random.
type Chaos struct {
	// Rate is the probability that a request gets a fault, in [0, 1]; 0 turns chaos off.
	Rate float64
	// Seed seeds the draws (the sequence also depends on the order requests arrive in).
	Seed int64
	// Kinds are the faults drawn from, uniformly among those that apply to the request; nil → ChaosKinds().
	// Records and HostileEventOversized* are refused: they are data, not faults.
	Kinds []Hostile
}

// SetChaos switches chaos mode: from now on each request gets, with probability c.Rate, one fault
// drawn from c.Kinds that apply to it (requests already armed by ArmHostile, or hit by a classic
// fault, get theirs instead). Chaos{} turns it off.
func (s *Server) SetChaos(c Chaos) error {
	if !(c.Rate >= 0 && c.Rate <= 1) { // also refuses NaN
		return fmt.Errorf("chaos rate %v is not between 0 and 1", c.Rate)
	}
	if c.Kinds == nil {
		c.Kinds = ChaosKinds()
	}
	var errs []error
	for _, kind := range c.Kinds {
		switch k, ok := lookupKind(kind); {
		case !ok:
			errs = append(errs, fmt.Errorf("chaos kind %q: unknown", kind))
		case !k.chaos:
			errs = append(errs, fmt.Errorf("chaos kind %q: a record, not a fault; add it with AppendHostileMonitorEvents", kind))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	c.Kinds = slices.Clone(c.Kinds)
	s.mu.Lock()
	s.hostile.chaos = c
	s.hostile.rng = rand.New(rand.NewPCG(uint64(c.Seed), 0x6861_6f73)) //nolint:gosec // test data, not secrets
	s.mu.Unlock()
	return nil
}

// ArmHostile makes the next n requests that kind applies to (see its documentation) get it. Rules
// queue in arming order; a request gets the first rule that applies. A request uses up an arming even
// when the endpoint then refuses it (401, a bad cursor) or, for a page kind, the page has no data.
// It panics for a record kind.
func (s *Server) ArmHostile(kind Hostile, n int) { s.ArmHostileAt("/", kind, n) }

// ArmHostileAt is ArmHostile for requests whose path also starts with prefix, e.g.
// ArmHostileAt("/oauth/token", HostileRedirect308Elsewhere, 1).
func (s *Server) ArmHostileAt(prefix string, kind Hostile, n int) {
	k, ok := lookupKind(kind)
	if !ok || k.scope == scopeData {
		panic(fmt.Sprintf("docusigntest: ArmHostile(%q): not a fault kind", kind))
	}
	if n <= 0 {
		return
	}
	s.mu.Lock()
	s.hostile.armed = append(s.hostile.armed, armedRule{kind: k, prefix: prefix, remaining: n})
	s.mu.Unlock()
}

// DisarmHostile drops every armed rule and turns chaos off; records stay in the stream.
func (s *Server) DisarmHostile() {
	s.mu.Lock()
	s.hostile.armed = nil
	s.hostile.chaos = Chaos{}
	clear(s.hostile.cycleBack)
	s.mu.Unlock()
}

type armedRule struct {
	kind      hostileKind
	prefix    string
	remaining int
}

// maxPlantedCycles bounds the cursor cycles waiting for their link back to be requested.
const maxPlantedCycles = 1024

// hostileState is hostile mode's switches, guarded by Server.mu.
type hostileState struct {
	armed     []armedRule
	chaos     Chaos
	rng       *rand.Rand
	timing    HostileTiming
	cycleBack map[string]string // endCursor planted by HostileCursorCycle → the cursor it leads back to
}

// take picks the hostile kind of request r: the first armed rule that applies, else a chaos draw.
func (h *hostileState) take(r *http.Request) Hostile {
	for i := range h.armed {
		rule := &h.armed[i]
		if !strings.HasPrefix(r.URL.Path, rule.prefix) || !h.applies(rule.kind, r) {
			continue
		}
		kind := rule.kind.kind
		if rule.remaining--; rule.remaining == 0 {
			h.armed = slices.Delete(h.armed, i, i+1)
		}
		return kind
	}
	if h.chaos.Rate <= 0 {
		return ""
	}
	var candidates []Hostile
	for _, kind := range h.chaos.Kinds {
		if k, _ := lookupKind(kind); h.applies(k, r) {
			candidates = append(candidates, kind)
		}
	}
	if len(candidates) == 0 || h.rng.Float64() >= h.chaos.Rate {
		return ""
	}
	return candidates[h.rng.IntN(len(candidates))]
}

// applies tells whether kind can be served to r.
func (h *hostileState) applies(k hostileKind, r *http.Request) bool {
	path := r.URL.Path
	if k.kind == HostileCursorCycle { // a request whose cursor leads back closes a cycle; it plants none
		if _, planted := h.cycleBack[r.URL.Query().Get("cursor")]; planted {
			return false
		}
	}
	switch k.scope {
	case scopeAll:
		return true
	case scopeAPI:
		return isAPI(path)
	case scopeMonitor:
		return isMonitorStream(path)
	case scopeUsers:
		if !isUsersListing(path) {
			return false
		}
		if k.kind == HostileUsersNextBack { // only a page past the first has an earlier one
			start := r.URL.Query().Get("start")
			return start != "" && strings.TrimLeft(start, "0") != ""
		}
		return true
	case scopeToken:
		return path == "/oauth/token"
	}
	return false
}

func isMonitorStream(path string) bool {
	return path == "/api/v2.0/datasets/monitor/stream" ||
		(strings.HasPrefix(path, "/v1/organizations/") && strings.HasSuffix(path, "/stream"))
}

func isUsersListing(path string) bool {
	return strings.HasPrefix(path, "/management/") && strings.HasSuffix(path, "/users")
}

// hostileKey carries the kind a handler must apply itself (pages, cursors, paging links).
type hostileKey struct{}

func withHostile(r *http.Request, kind Hostile) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), hostileKey{}, kind))
}

func hostileOf(r *http.Request) Hostile {
	kind, _ := r.Context().Value(hostileKey{}).(Hostile)
	return kind
}

// countHostile counts one hostile fault served, or one hostile record sent.
func (st *Stats) countHostile(kind Hostile, n int) {
	if st.Hostile == nil {
		st.Hostile = make(map[Hostile]int)
	}
	st.Hostile[kind] += n
}

// AppendHostileMonitorEvents appends n hostile records of a record kind (HostileEvent*) to the
// Monitor stream, timestamped at Now() or just after the newest event. Their eventIds are in
// MonitorEventIDs; a record served counts in Stats.Hostile each time it is sent.
func (s *Server) AppendHostileMonitorEvents(kind Hostile, n int) error {
	if k, ok := lookupKind(kind); !ok || k.scope != scopeData {
		return fmt.Errorf("%q is not a hostile record kind", kind)
	}
	now := toTicks(s.now())
	st := &s.monitor
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.raw == nil {
		st.raw = make(map[int]rawEvent)
	}
	for i := range n {
		ticks := now
		if last := len(st.ticks); last > 0 {
			ticks = max(ticks, st.ticks[last-1]+1)
		}
		pos := len(st.ticks)
		st.raw[pos] = rawEvent{body: s.hostileEvent(kind, pos, ticks, i), id: s.events.eventID(pos), kind: kind}
		st.ticks = append(st.ticks, ticks)
	}
	return nil
}
