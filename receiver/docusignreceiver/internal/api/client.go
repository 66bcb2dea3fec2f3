// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package api performs single DocuSign API requests: it classifies failures, paces requests by the
// rate-limit headers so the account's hourly budget is never exhausted, and bounds what a server can
// make it wait for or hold in memory. Retrying is the caller's job.
package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/headers"
)

// Client sends GET requests through an authenticated http.Client.
type Client struct {
	http    *http.Client
	pacer   pacer
	timeout time.Duration
	logger  *zap.Logger
	observe func(Outcome)
}

// Outcome is what an observer learns of one request, for telemetry.
type Outcome struct {
	Op        string         // the operation, e.g. "monitor stream"
	Status    int            // the HTTP status; 0 when no response arrived
	RateLimit headers.Budget // what the answer's rate-limit headers said; unknown when no response arrived
}

// Option customises a Client.
type Option func(*Client)

// WithObserver is called after every request, once its status and headers arrived or it failed.
func WithObserver(fn func(Outcome)) Option { return func(c *Client) { c.observe = fn } }

// WithLogger receives a warning whenever a wait DocuSign asks for is cut to headers.MaxWait; nil logs nothing.
func WithLogger(l *zap.Logger) Option { return func(c *Client) { c.logger = l } }

// WithoutSpreading keeps a low hourly budget from spreading the requests out until the reset; a 429
// still holds them. For a client that makes a handful of requests and reports the budget instead.
func WithoutSpreading() Option { return func(c *Client) { c.pacer.noSpread = true } }

// WithTimeout bounds how long one request may wait on the network: from sending until the response
// headers arrive, plus the time spent inside Stream.Peek and Stream.ReadAll. A Stream parked between
// reads does not use it up. When it runs out the request fails with an *Error that says so. It
// replaces the http.Client's own Timeout, which would also count the parked time.
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// New returns a Client that sends requests with httpClient, which must add the bearer token. Give
// httpClient no Timeout and use WithTimeout instead (with WithTimeout, New drops it from a copy).
func New(httpClient *http.Client, opts ...Option) *Client {
	c := &Client{http: httpClient}
	for _, o := range opts {
		o(c)
	}
	if c.logger == nil {
		c.logger = zap.NewNop()
	}
	if c.observe == nil {
		c.observe = func(Outcome) {}
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
	if err := c.pacer.wait(ctx); err != nil {
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
		c.observe(Outcome{Op: op})
		s.budget.end()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case s.budget.spent():
			return nil, s.timedOut()
		}
		return nil, &Error{Op: op, Err: redactURLError(err)}
	}
	s.resp, s.Header = resp, resp.Header
	s.TraceToken = headers.TraceToken(resp.Header)
	rateLimit := headers.RateLimit(resp.Header, time.Now())
	if resp.StatusCode != http.StatusTooManyRequests { // a 429's Retry-After, not its budget headers, says when to go on
		if c.pacer.update(rateLimit) {
			c.logger.Warn("X-RateLimit-Reset lies more than max_wait ahead (a skewed clock, or milliseconds?); pacing as if the budget resets after max_wait",
				zap.String("op", op), zap.String("value", headers.Quote(resp.Header, headers.RateLimitResetKey)),
				zap.Duration("max_wait", headers.MaxWait))
		}
	}
	c.observe(Outcome{Op: op, Status: resp.StatusCode, RateLimit: rateLimit})
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

// hold sets how long DocuSign asked us to wait, at most headers.MaxWait, and holds every request that long.
func (c *Client) hold(e *Error, h http.Header) {
	now := time.Now()
	d, clamped := serverWait(h, now)
	if clamped {
		c.logger.Warn("DocuSign asked to wait longer than max_wait; waiting max_wait instead",
			zap.String("op", e.Op), zap.Int("status", e.StatusCode),
			zap.String("retry_after", headers.Quote(h, headers.RetryAfterKey)),
			zap.String("rate_limit_reset", headers.Quote(h, headers.RateLimitResetKey)),
			zap.Duration("max_wait", headers.MaxWait))
	}
	e.RetryAfter = d
	c.pacer.block(now.Add(d))
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
