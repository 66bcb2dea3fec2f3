// Package api performs single DocuSign API requests: it classifies failures, reads rate-limit headers
// and paces requests so the account's hourly budget is never exhausted, and bounds what a server can
// make it wait for or hold in memory. Retrying is the caller's job.
package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/retryafter"
)

const (
	traceTokenHeader   = "X-DocuSign-TraceToken"
	maxTraceTokenBytes = 100
)

// Client sends GET requests through an authenticated http.Client.
type Client struct {
	http    *http.Client
	pacer   pacer
	now     func() time.Time
	timeout time.Duration
	logger  *zap.Logger
	onDone  func(op string, status int, header http.Header)
}

// Option customises a Client.
type Option func(*Client)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithObserver is called after every request with the operation, the HTTP status (0 when no response
// arrived) and the response headers, for telemetry.
func WithObserver(fn func(op string, status int, header http.Header)) Option {
	return func(c *Client) { c.onDone = fn }
}

// WithLogger receives a warning whenever a wait DocuSign asks for is cut to retryafter.Max; nil logs nothing.
func WithLogger(l *zap.Logger) Option { return func(c *Client) { c.logger = l } }

// WithTimeout bounds how long one request may wait on the network: from sending until the response
// headers arrive, plus the time spent inside Stream.Peek and Stream.ReadAll. A Stream parked between
// reads does not use it up. When it runs out the request fails with a temporary *Error. It replaces
// the http.Client's own Timeout, which would also count the parked time.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a Client that sends requests with httpClient, which must add the bearer token. Give
// httpClient no Timeout and use WithTimeout instead (with WithTimeout, New drops it from a copy).
func New(httpClient *http.Client, opts ...Option) *Client {
	c := &Client{http: httpClient, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	if c.logger == nil {
		c.logger = zap.NewNop()
	}
	if c.timeout > 0 && httpClient.Timeout != 0 {
		untimed := *httpClient
		untimed.Timeout = 0
		c.http = &untimed
	}
	return c
}

// Get fetches rawURL. op names the operation in errors ("monitor stream", "users list").
// A non-2xx status, a network failure or a body cut short or over MaxPageBytes returns an *Error.
func (c *Client) Get(ctx context.Context, op, rawURL string) (Response, error) {
	s, err := c.Open(ctx, op, rawURL)
	if err != nil {
		return Response{}, err
	}
	return s.ReadAll(nil)
}

// Open sends the GET and returns once a 2xx status and its headers have arrived, before the body
// is read. Failures are those of Get; a non-2xx response is read and closed here.
func (c *Client) Open(ctx context.Context, op, rawURL string) (*Stream, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	s := &Stream{ctx: ctx, op: op, budget: startBudget(ctx, c.timeout)}
	req, err := http.NewRequestWithContext(s.budget.ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		s.budget.end()
		return nil, &Error{Op: op, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, 0, nil)
		s.budget.end()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case s.budget.spent():
			return nil, s.timedOut()
		}
		return nil, &Error{Op: op, Err: redactURLError(err), temporary: true}
	}
	s.resp, s.Header = resp, resp.Header
	s.TraceToken = redact.Line(resp.Header.Get(traceTokenHeader), maxTraceTokenBytes)
	if resp.StatusCode != http.StatusTooManyRequests { // a 429's Retry-After, not its budget headers, says when to go on
		if c.pacer.update(resp.Header, c.now()) {
			c.logger.Warn("X-RateLimit-Reset lies more than max_wait ahead (a skewed clock, or milliseconds?); pacing as if the budget resets after max_wait",
				zap.String("op", op), zap.String("value", redact.Line(resp.Header.Get("X-RateLimit-Reset"), 32)),
				zap.Duration("max_wait", retryafter.Max))
		}
	}
	c.observe(op, resp.StatusCode, resp.Header)
	if resp.StatusCode/100 == 2 {
		s.budget.pause()
		return s, nil
	}
	defer s.Close()
	return nil, c.statusError(s)
}

// statusError builds the error of a non-2xx response from its status and headers first, so a body
// that fails to arrive loses only its text, then reads at most maxErrorBodyBytes of the body.
func (c *Client) statusError(s *Stream) error {
	e := &Error{Op: s.op, StatusCode: s.resp.StatusCode, TraceToken: s.TraceToken}
	if e.StatusCode == http.StatusTooManyRequests {
		c.hold(e, s.Header)
	}
	for !s.ended() && len(s.body) < maxErrorBodyBytes {
		s.readSome(peekBytes, maxErrorBodyBytes)
	}
	if err := s.readError(int64(len(s.body))); err != nil {
		var readErr *Error
		if !errors.As(err, &readErr) {
			return err // the caller's context ended
		}
		e.Err = readErr.Err
		return e
	}
	e.decode(s.body)
	if e.rateLimited() {
		c.hold(e, s.Header)
	}
	return e
}

// hold sets how long DocuSign asked us to wait, at most retryafter.Max, and holds every request that long.
func (c *Client) hold(e *Error, h http.Header) {
	now := c.now()
	d, clamped := serverWait(h, now)
	if clamped {
		c.logger.Warn("DocuSign asked to wait longer than max_wait; waiting max_wait instead",
			zap.String("op", e.Op), zap.Int("status", e.StatusCode),
			zap.String("retry_after", redact.Line(h.Get("Retry-After"), 64)),
			zap.String("rate_limit_reset", redact.Line(h.Get("X-RateLimit-Reset"), 32)),
			zap.Duration("max_wait", retryafter.Max))
	}
	e.RetryAfter = d
	c.pacer.block(now.Add(d))
}

// wait holds the request as the pacer says; the caller's context ends it early.
func (c *Client) wait(ctx context.Context) error {
	d := c.pacer.delay(c.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (c *Client) observe(op string, status int, h http.Header) {
	if c.onDone != nil {
		c.onDone(op, status, h)
	}
}

// redactURLError drops the query string from a *url.Error: cursors are harmless, but keep lines short.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}

// RateLimit returns the last reported X-RateLimit-Remaining, ok=false when none was seen yet.
func (c *Client) RateLimit() (remaining int, ok bool) {
	c.pacer.mu.Lock()
	defer c.pacer.mu.Unlock()
	return int(c.pacer.remaining), c.pacer.known
}

// MonitorStreamURL builds the Monitor v2 stream request; an empty cursor asks for the last seven days.
func MonitorStreamURL(base, cursor string, limit int) string {
	return strings.TrimRight(base, "/") + "/api/v2.0/datasets/monitor/stream?" + streamQuery(cursor, limit)
}

// OrganizationStreamURL builds the newer stream request, GET {api}/v1/organizations/{org}/stream.
func OrganizationStreamURL(base, organizationID, cursor string, limit int) string {
	return strings.TrimRight(base, "/") + "/v1/organizations/" + url.PathEscape(organizationID) + "/stream?" + streamQuery(cursor, limit)
}

// streamQuery is the paging query both streams take; no cursor means "seven days ago".
func streamQuery(cursor string, limit int) string {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	q.Set("limit", strconv.Itoa(limit))
	return q.Encode()
}

// UsersQuery is one Admin API organisation users listing request.
type UsersQuery struct {
	OrganizationID, AccountID string
	Start, Take               int
	LastModifiedSince         time.Time // zero: full listing
	IncludeGroups             bool
}

// UsersURL builds GET {admin}/v2/organizations/{org}/users.
func UsersURL(base string, q UsersQuery) string {
	v := url.Values{}
	v.Set("account_id", q.AccountID)
	v.Set("start", strconv.Itoa(q.Start))
	v.Set("take", strconv.Itoa(q.Take))
	if !q.LastModifiedSince.IsZero() {
		v.Set("last_modified_since", q.LastModifiedSince.UTC().Format("2006-01-02T15:04:05Z07:00"))
	}
	if q.IncludeGroups {
		v.Set("include_ds_groups", "true")
	}
	return strings.TrimRight(base, "/") + "/v2/organizations/" + url.PathEscape(q.OrganizationID) + "/users?" + v.Encode()
}
