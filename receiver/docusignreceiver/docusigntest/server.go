// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Default identities: the ids of the shared samples, so sample records and generated data agree.
const (
	DefaultIntegrationKey = "f1e2d3c4-3333-4444-8555-666677778888"
	DefaultUserID         = "7d9b0f1e-2222-4333-8444-555566667777"
	DefaultOrganizationID = "c0ffee00-1111-4222-8333-444455556666"
	DefaultAccountID      = "5a1c2d3e-0000-4b5c-8d9e-112233445566"
)

// Rate-limit header defaults (DocuSign: 3,000 per hour per account, a burst limit per 30 s).
const (
	DefaultRateLimit  = 3000
	DefaultBurstLimit = 500
	burstWindow       = 30 * time.Second
)

// Options configure a Server; the zero value is a working server with realistic defaults.
type Options struct {
	// IntegrationKey, UserID, OrganizationID, AccountID default to the Default* constants.
	IntegrationKey, UserID, OrganizationID, AccountID string
	// PrivateKey is the app's RSA key; nil uses a 2048-bit key generated once per process.
	PrivateKey *rsa.PrivateKey
	// Now is the server clock (token validity, retention, rate windows, user modified times); nil → time.Now.
	Now func() time.Time
	// Seed makes generated events and users deterministic.
	Seed int64
	// Scopes the consented app may be granted; nil → signature impersonation user_read organization_read.
	Scopes []string
	// TokenLifetime is the access tokens' expires_in; 0 → 1h.
	TokenLifetime time.Duration
	// Listener to serve on instead of a fresh 127.0.0.1 port; the server takes ownership.
	Listener net.Listener
	// RateLimit and BurstLimit are the advertised limits; 0 → DefaultRateLimit, DefaultBurstLimit.
	RateLimit, BurstLimit int
	// UnknownUserShare is the share, in [0, 1], of the user ids generated Monitor events name
	// (actor and target alike) that are not users of the organisation; the others are drawn from the
	// users (AddUsers, SetUser) when there are any. 0 (default): every one is a user. Without users,
	// events name a fixed pool of 40 ids, the first 40 AddUsers would create. NewServer panics outside [0, 1].
	UnknownUserShare float64
	// EnforceRateLimit answers 429 once a window is used up; off by default so long benchmarks
	// never trip it (the headers are sent either way).
	EnforceRateLimit bool
	// Environment is the DocuSign environment simulated, EnvironmentDemo (default) or
	// EnvironmentProduction: the token endpoint accepts its real OAuth host as aud (RealAudience)
	// and refuses the other environment's. NewServer panics on any other value.
	Environment string
}

// The DocuSign environments a Server can simulate.
const (
	EnvironmentDemo       = "demo"
	EnvironmentProduction = "production"
)

// oauthHosts are the real JWT audiences, DocuSign's OAuth hosts, per environment.
var oauthHosts = map[string]string{
	EnvironmentDemo:       "account-d.docusign.com",
	EnvironmentProduction: "account.docusign.com",
}

// Server is a running fake DocuSign. All methods are safe for concurrent use while it serves.
type Server struct {
	opts   Options
	key    *rsa.PrivateKey
	http   *httptest.Server
	host   string // bare host:port: the expected JWT audience
	mux    *http.ServeMux
	events *eventGenerator
	closed chan struct{} // closed by Close: ends injected waits so Close never waits on them
	once   sync.Once

	monitor monitorStore

	elsewhere *elsewhere     // the other host hostile redirects point to
	inflight  sync.WaitGroup // hijacked hostile answers, which httptest's Close does not wait for

	mu               sync.Mutex // guards everything below
	tokens           map[string]issuedToken
	consent          bool // consent_required switch
	monitorAccess    MonitorAccess
	adminAccess      AdminAccess
	userInfoAccounts []userInfoAccount // accounts userinfo lists after the default one
	lastClaims       map[string]any
	users            userStore
	faults           faultState
	hostile          hostileState
	rate             rateState
	stats            Stats
}

// NewServer starts a fake DocuSign on 127.0.0.1 (or opts.Listener). Close it when done.
func NewServer(opts Options) *Server {
	opts.IntegrationKey = cmp.Or(opts.IntegrationKey, DefaultIntegrationKey)
	opts.UserID = cmp.Or(opts.UserID, DefaultUserID)
	opts.OrganizationID = cmp.Or(opts.OrganizationID, DefaultOrganizationID)
	opts.AccountID = cmp.Or(opts.AccountID, DefaultAccountID)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Scopes == nil {
		opts.Scopes = []string{"signature", "impersonation", "user_read", "organization_read"}
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = time.Hour
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = DefaultRateLimit
	}
	if opts.BurstLimit <= 0 {
		opts.BurstLimit = DefaultBurstLimit
	}
	opts.Environment = cmp.Or(opts.Environment, EnvironmentDemo)
	if _, ok := oauthHosts[opts.Environment]; !ok {
		panic(fmt.Sprintf("docusigntest: Options.Environment %q is neither %q nor %q", opts.Environment, EnvironmentDemo, EnvironmentProduction))
	}
	if !(opts.UnknownUserShare >= 0 && opts.UnknownUserShare <= 1) { // NaN fails both
		panic(fmt.Sprintf("docusigntest: Options.UnknownUserShare %v is not between 0 and 1", opts.UnknownUserShare))
	}
	s := &Server{
		opts:   opts,
		key:    opts.PrivateKey,
		tokens: make(map[string]issuedToken),
		closed: make(chan struct{}),
		events: newEventGenerator(opts.Seed, opts.AccountID, opts.OrganizationID, opts.IntegrationKey, opts.UserID),
	}
	if s.key == nil {
		s.key = processKey()
	}
	s.users.groupsEntitlement = true
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/oauth/token", s.handleToken)
	s.mux.HandleFunc("/oauth/userinfo", s.handleUserInfo)
	s.mux.HandleFunc("/oauth/auth", s.handleConsentPage)
	s.mux.HandleFunc("/api/v2.0/datasets/monitor/stream", s.handleMonitorStream)
	s.mux.HandleFunc("/v1/organizations/{org}/stream", s.handleOrganizationStream)
	s.mux.HandleFunc("/management/v2/organizations/{org}/users", s.handleUsers)
	s.mux.HandleFunc("/management/v2.1/organizations/{org}/users/{user}/dsprofile", s.handleProfiles)
	s.mux.HandleFunc("/management/v2.1/organizations/{org}/users/dsprofile", s.handleProfiles)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, "RESOURCE_NOT_FOUND", "no such endpoint: "+r.URL.Path)
	})

	s.http = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	if opts.Listener != nil {
		_ = s.http.Listener.Close()
		s.http.Listener = opts.Listener
	}
	s.http.Start()
	u, _ := url.Parse(s.http.URL)
	s.host = u.Host
	s.elsewhere = startElsewhere()
	return s
}

// URL is the base of every endpoint: auth_endpoint and the Monitor endpoint; users live under URL()+"/management".
func (s *Server) URL() string { return s.http.URL }

// Audience is the JWT aud a client pointed at URL() signs by default: URL() without the scheme.
func (s *Server) Audience() string { return s.host }

// RealAudience is the simulated environment's real OAuth host (account-d.docusign.com for demo,
// account.docusign.com for production), which the token endpoint accepts too, so an official SDK
// reaching the server through a TLS front authenticates.
func (s *Server) RealAudience() string { return oauthHosts[s.opts.Environment] }

// Environment is the simulated DocuSign environment, EnvironmentDemo or EnvironmentProduction.
func (s *Server) Environment() string { return s.opts.Environment }

// Close stops the server and waits for in-flight requests (injected waits and endless bodies are cut short).
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.http.Close()
	s.elsewhere.http.Close()
	s.inflight.Wait()
}

// IntegrationKey is the app's client id (the assertion's iss).
func (s *Server) IntegrationKey() string { return s.opts.IntegrationKey }

// UserID is the impersonated admin's GUID (the assertion's sub).
func (s *Server) UserID() string { return s.opts.UserID }

// OrganizationID is the only organisation the Admin API knows.
func (s *Server) OrganizationID() string { return s.opts.OrganizationID }

// AccountID is the user's default account.
func (s *Server) AccountID() string { return s.opts.AccountID }

func (s *Server) now() time.Time { return s.opts.Now() }

// count applies fn to the stats under the lock.
func (s *Server) count(fn func(*Stats)) {
	s.mu.Lock()
	fn(&s.stats)
	s.mu.Unlock()
}

// isAPI tells the data endpoints (rate-limited, subject to the API faults) from OAuth and the rest.
func isAPI(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/management/") || strings.HasPrefix(path, "/v1/")
}

// serve wraps every endpoint: trace token, Date, latency, faults, rate-limit headers and status counts.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-DocuSign-TraceToken", randomGUID())
	// Date from the server clock, not net/http's wall clock, so a client measures its skew against Options.Now.
	now := s.now()
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	api := isAPI(r.URL.Path)

	s.mu.Lock()
	s.stats.Requests++
	latency := s.faults.latency
	s.mu.Unlock()
	if latency > 0 {
		// The latency is the time to the first byte: the response is prepared meanwhile, as a real
		// API's processing is part of its round trip, so pages × latency is the true floor of a drain.
		lw := &lateWriter{ResponseWriter: w, due: time.Now().Add(latency), gone: r.Context().Done(), closed: s.closed}
		defer lw.wait() // a handler that writes nothing still answers late
		w = lw
	}

	s.mu.Lock()
	f := s.faults.take(r.URL.Path, api)
	if api && f.kind != faultReset {
		s.rate.stamp(w.Header(), now, s.opts.RateLimit, s.opts.BurstLimit)
		if f.kind == faultNone && s.opts.EnforceRateLimit && s.rate.exhausted() {
			f = fault{kind: faultRateLimit, retryAfter: s.rate.retryAfter(now)}
		}
	}
	var hostile Hostile
	if f.kind == faultNone {
		hostile = s.hostile.take(r)
	}
	s.mu.Unlock()

	switch f.kind {
	case faultNone:
		if hostile != "" {
			s.serveHostile(w, r, hostile, now)
			return
		}
		s.respond(w, false, func(rec http.ResponseWriter) { s.mux.ServeHTTP(rec, r) })
	case faultReset:
		s.count(func(st *Stats) { st.Resets++ })
		resetConnection(w)
	case faultStatus:
		s.respond(w, false, func(rec http.ResponseWriter) {
			code := "INTERNAL_SERVER_ERROR"
			if f.status == http.StatusTooManyRequests {
				rec.Header().Set("Retry-After", "1")
				code = "HOURLY_APIINVOCATION_LIMIT_EXCEEDED"
			}
			writeAPIError(rec, f.status, code, "injected fault: "+http.StatusText(f.status))
		})
	case faultRateLimit:
		s.respond(w, false, func(rec http.ResponseWriter) {
			rec.Header().Set("Retry-After", retryAfterSeconds(f.retryAfter))
			rec.Header().Set("X-RateLimit-Remaining", "0")
			rec.Header().Set("X-BurstLimit-Remaining", "0")
			writeAPIError(rec, http.StatusTooManyRequests, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
				"the API invocation limit was reached; retry after "+retryAfterSeconds(f.retryAfter)+" s")
		})
	case faultTruncate:
		s.respond(w, true, func(rec http.ResponseWriter) { s.mux.ServeHTTP(rec, r) })
	}
}

// respond lets answer write through a recorder of w, then counts the answer's status.
func (s *Server) respond(w http.ResponseWriter, truncate bool, answer func(http.ResponseWriter)) {
	rec := &recorder{ResponseWriter: w, truncate: truncate}
	answer(rec)
	s.countStatus(cmp.Or(rec.status, http.StatusOK), rec.truncated)
}

// countStatus counts one answer by status.
func (s *Server) countStatus(status int, truncated bool) {
	s.count(func(st *Stats) {
		if st.StatusCounts == nil {
			st.StatusCounts = make(map[int]int)
		}
		st.StatusCounts[status]++
		if status == http.StatusUnauthorized {
			st.Unauthorized++
		}
		if truncated {
			st.Truncated++
		}
	})
}

// lateWriter holds the response back until due; a client hanging up or Close cuts the wait short.
type lateWriter struct {
	http.ResponseWriter
	due    time.Time
	gone   <-chan struct{}
	closed <-chan struct{}
	waited bool
}

func (l *lateWriter) wait() {
	if l.waited {
		return
	}
	l.waited = true
	d := time.Until(l.due)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.gone:
	case <-l.closed:
	}
}

func (l *lateWriter) WriteHeader(code int) {
	l.wait()
	l.ResponseWriter.WriteHeader(code)
}

func (l *lateWriter) Write(b []byte) (int, error) {
	l.wait()
	return l.ResponseWriter.Write(b)
}

// Hijack lets a reset fault drop the connection, late like any answer.
func (l *lateWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	l.wait()
	return http.NewResponseController(l.ResponseWriter).Hijack()
}

func (l *lateWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// resetConnection drops the connection without a response; SO_LINGER 0 makes it a TCP RST.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // aborts the response; net/http recovers it and closes the connection
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// recorder captures the status and lets writeBody cut a body short when truncation is armed.
type recorder struct {
	http.ResponseWriter
	status    int
	truncate  bool
	truncated bool
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// writeBody sends a JSON body with an honest Content-Length: for a truncated response, that of the first half.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	if rec, ok := w.(*recorder); ok && rec.truncate && len(body) > 1 {
		body = body[:len(body)/2]
		rec.truncated = true
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := marshal(v)
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "encoding the response failed")
		return
	}
	writeBody(w, status, body)
}

// marshal encodes like DocuSign: no HTML escaping, so URLs keep their '&'.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// writeAPIError is the eSignature/Monitor error shape: {"errorCode","message"}.
func writeAPIError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"errorCode": code, "message": message})
}

// writeOAuthError is the OAuth and Admin API error shape: {"error","error_description"}.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
