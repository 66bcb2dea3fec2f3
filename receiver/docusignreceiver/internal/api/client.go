// Package api performs single DocuSign API requests: it classifies failures, reads rate-limit headers
// and paces requests so the account's hourly budget is never exhausted. Retrying is the caller's job.
package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxBodyBytes bounds one response; a 2,000-event Monitor page is a few MiB.
const maxBodyBytes = 256 << 20

// Response is a successful (2xx) API response.
type Response struct {
	Body       []byte
	TraceToken string
	Header     http.Header

	buf *[]byte // Body's pooled backing array
}

// Release hands Body's memory back for the next response; Body must not be used afterwards.
// Not calling it is safe: the garbage collector takes the memory instead.
func (r *Response) Release() {
	releaseBuffer(r.buf, r.Body)
	r.buf, r.Body = nil, nil
}

// releaseBuffer returns a body's pooled backing array, if it has one, keeping what it grew to.
func releaseBuffer(buf *[]byte, body []byte) {
	if buf != nil {
		*buf = body[:0]
		bodyPool.Put(buf)
	}
}

// bodyPool recycles page-sized buffers: a 2,000-event page is megabytes, read every round trip.
var bodyPool = bufferPool{kept: make(chan *[]byte, keptBuffers)}

// bufferPool keeps the last few released buffers through garbage collections (a sync.Pool alone
// is emptied by every other one, and a drain collects every page or two), the rest in a sync.Pool.
type bufferPool struct {
	kept chan *[]byte
	pool sync.Pool
}

// keptBuffers covers a drain: one body being read while the one before it is converted.
const keptBuffers = 2

// keptMaxBytes keeps an outsized body's buffer out of the long-lived set.
const keptMaxBytes = 16 << 20

func (p *bufferPool) Get() *[]byte {
	select {
	case b := <-p.kept:
		return b
	default:
	}
	if b, ok := p.pool.Get().(*[]byte); ok {
		return b
	}
	return new([]byte)
}

func (p *bufferPool) Put(b *[]byte) {
	if cap(*b) <= keptMaxBytes {
		select {
		case p.kept <- b:
			return
		default:
		}
	}
	p.pool.Put(b)
}

// Stream is a successful (2xx) response whose body is read on demand: Peek reads only as much as the
// caller needs to act early (a page's endCursor comes first), ReadAll the rest. Call ReadAll or Close
// exactly once; a Stream is not safe for concurrent use.
type Stream struct {
	TraceToken string
	Header     http.Header

	ctx     context.Context
	op      string
	resp    *http.Response
	buf     *[]byte // body's pooled backing array, taken at the first read
	body    []byte
	readErr error // what ended the body early
	ended   bool  // EOF, a read error, or more than maxBodyBytes
	closed  bool
}

// Peek reads until enough(body so far) is true or the body ends, and returns the body so far (valid
// until ReadAll or Close). It reads into a small buffer: a peeked response holds little memory
// until ReadAll. A failed read ends the body; ReadAll reports it.
func (s *Stream) Peek(enough func(prefix []byte) bool) []byte {
	for !s.closed && !enough(s.body) && !s.ended {
		s.readSome(false)
	}
	return s.body
}

// ReadAll reads the rest of the body and closes the response. A body cut short or larger than
// maxBodyBytes is an *Error (cut short: temporary). Release the Response's body when done.
func (s *Stream) ReadAll() (Response, error) {
	if s.closed {
		return Response{}, &Error{Op: s.op, Err: errors.New("response already closed")}
	}
	if err := s.finish(); err != nil {
		s.Close()
		return Response{}, err
	}
	_ = s.resp.Body.Close()
	r := Response{Body: s.body, TraceToken: s.TraceToken, Header: s.Header, buf: s.buf}
	s.buf, s.body, s.closed = nil, nil, true
	return r, nil
}

// finish reads to the end of the body and classifies what stopped it early.
func (s *Stream) finish() error {
	for !s.ended {
		s.readSome(true)
	}
	status, n := s.resp.StatusCode, len(s.body)
	switch {
	case s.readErr != nil && s.ctx.Err() != nil:
		return s.ctx.Err()
	case s.readErr != nil:
		return &Error{Op: s.op, StatusCode: status, TraceToken: s.TraceToken,
			Err: fmt.Errorf("response body cut short after %d bytes: %w", n, s.readErr), temporary: true}
	case n > maxBodyBytes:
		return &Error{Op: s.op, StatusCode: status, TraceToken: s.TraceToken,
			Err: fmt.Errorf("response body larger than %d bytes", maxBodyBytes)}
	}
	return nil
}

// Close abandons the rest of the body and frees what was read. It does nothing after ReadAll.
func (s *Stream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	_ = s.resp.Body.Close()
	releaseBuffer(s.buf, s.body)
	s.buf, s.body = nil, nil
}

// peekBytes is the buffer Peek starts with; a page's endCursor is in its first hundred bytes.
const peekBytes = 1 << 10

// readSome does one Read into the body. The whole body goes into a pooled buffer sized from
// Content-Length, taken at the first read for it (what Peek read is copied over).
func (s *Stream) readSome(whole bool) {
	switch {
	case s.buf == nil && whole:
		s.buf = bodyPool.Get()
		b := (*s.buf)[:0]
		if n := s.resp.ContentLength; n > 0 && n <= maxBodyBytes && int(n)+1 > cap(b) {
			b = make([]byte, 0, n+1) // +1 so the final read sees EOF without growing
		}
		s.body = append(b, s.body...)
	case s.body == nil:
		s.body = make([]byte, 0, peekBytes)
	}
	b := s.body
	if len(b) == cap(b) {
		b = append(b, 0)[:len(b)]
	}
	n, err := s.resp.Body.Read(b[len(b):cap(b)])
	s.body = b[:len(b)+n]
	switch {
	case err == io.EOF:
		s.ended = true
	case err != nil:
		s.readErr, s.ended = err, true
	case len(s.body) > maxBodyBytes:
		s.ended = true
	}
}

// Client sends GET requests through an authenticated http.Client.
type Client struct {
	http   *http.Client
	pacer  pacer
	now    func() time.Time
	onDone func(op string, status int, header http.Header)
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

// New returns a Client that sends requests with httpClient, which must add the bearer token.
func New(httpClient *http.Client, opts ...Option) *Client {
	c := &Client{http: httpClient, now: time.Now}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Get fetches rawURL. op names the operation in errors ("monitor stream", "users list").
// A non-2xx status, a network failure or a body cut short returns an *Error.
func (c *Client) Get(ctx context.Context, op, rawURL string) (Response, error) {
	s, err := c.Open(ctx, op, rawURL)
	if err != nil {
		return Response{}, err
	}
	return s.ReadAll()
}

// Open sends the GET and returns once a 2xx status and its headers have arrived, before the body
// is read. Failures are those of Get; a non-2xx response is read and closed here.
func (c *Client) Open(ctx context.Context, op, rawURL string) (*Stream, error) {
	if err := c.pacer.wait(ctx, c.now); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return nil, &Error{Op: op, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, 0, nil)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Op: op, Err: redactURLError(err), temporary: true}
	}
	if resp.StatusCode != http.StatusTooManyRequests { // a 429's Retry-After, not its budget headers, says when to go on
		c.pacer.update(resp.Header)
	}
	c.observe(op, resp.StatusCode, resp.Header)
	s := &Stream{TraceToken: resp.Header.Get("X-DocuSign-TraceToken"), Header: resp.Header, ctx: ctx, op: op, resp: resp}
	if resp.StatusCode/100 == 2 {
		return s, nil
	}
	defer s.Close()
	if err := s.finish(); err != nil {
		return nil, err
	}
	e := newStatusError(op, resp, s.TraceToken, s.body, c.now())
	if e.StatusCode == http.StatusTooManyRequests || e.rateLimited() {
		c.pacer.block(c.now().Add(e.RetryAfter))
	}
	return nil, e
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

// pacer spreads requests out when the hourly budget runs low and holds them after a 429.
type pacer struct {
	mu        sync.Mutex
	limit     int
	remaining int
	reset     time.Time
	blocked   time.Time
	known     bool
}

// lowWater is the fraction of the hourly budget below which requests are spread until the reset.
const lowWater = 10

func (p *pacer) update(h http.Header) {
	limit, errL := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	reset, errS := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
	if errL != nil || errR != nil || errS != nil || limit <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.limit, p.remaining, p.reset, p.known = limit, remaining, time.Unix(reset, 0), true
}

func (p *pacer) block(until time.Time) {
	p.mu.Lock()
	if until.After(p.blocked) {
		p.blocked = until
	}
	p.mu.Unlock()
}

// delay is how long the next request should wait.
func (p *pacer) delay(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	var d time.Duration
	if p.blocked.After(now) {
		d = p.blocked.Sub(now)
	}
	if p.known && p.reset.After(now) && p.remaining*lowWater < p.limit {
		// Spread what is left evenly over the time to the reset, instead of hitting the wall.
		spread := p.reset.Sub(now) / time.Duration(p.remaining+1)
		d = max(d, spread)
		if p.remaining > 0 {
			p.remaining--
		}
	}
	return d
}

func (p *pacer) wait(ctx context.Context, now func() time.Time) error {
	d := p.delay(now())
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

// RateLimit returns the last reported X-RateLimit-Remaining, ok=false when none was seen yet.
func (c *Client) RateLimit() (remaining int, ok bool) {
	c.pacer.mu.Lock()
	defer c.pacer.mu.Unlock()
	return c.pacer.remaining, c.pacer.known
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
