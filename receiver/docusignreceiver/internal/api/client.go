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
	if r.buf != nil {
		*r.buf = r.Body[:0]
		bodyPool.Put(r.buf)
		r.buf, r.Body = nil, nil
	}
}

// bodyPool recycles page-sized buffers: a 2,000-event page is megabytes, read every round trip.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

// readBody reads at most limit+1 bytes into a pooled buffer sized from Content-Length when known.
func readBody(resp *http.Response, limit int) (*[]byte, []byte, error) {
	bp := bodyPool.Get().(*[]byte)
	b := (*bp)[:0]
	if n := resp.ContentLength; n > 0 && n <= int64(limit) && int(n)+1 > cap(b) {
		b = make([]byte, 0, n+1) // +1 so the final read sees EOF without growing
	}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := resp.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return bp, b, nil
		}
		if err != nil {
			return bp, b, err
		}
		if len(b) > limit {
			return bp, b, nil
		}
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
	if err := c.pacer.wait(ctx, c.now); err != nil {
		return Response{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, http.NoBody)
	if err != nil {
		return Response{}, &Error{Op: op, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.observe(op, 0, nil)
		if ctx.Err() != nil {
			return Response{}, ctx.Err()
		}
		return Response{}, &Error{Op: op, Err: redactURLError(err), temporary: true}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests { // a 429's Retry-After, not its budget headers, says when to go on
		c.pacer.update(resp.Header)
	}
	c.observe(op, resp.StatusCode, resp.Header)
	trace := resp.Header.Get("X-DocuSign-TraceToken")

	bp, body, readErr := readBody(resp, maxBodyBytes)
	if readErr != nil {
		if ctx.Err() != nil {
			return Response{}, ctx.Err()
		}
		return Response{}, &Error{Op: op, StatusCode: resp.StatusCode, TraceToken: trace,
			Err: fmt.Errorf("response body cut short after %d bytes: %w", len(body), readErr), temporary: true}
	}
	if len(body) > maxBodyBytes {
		return Response{}, &Error{Op: op, StatusCode: resp.StatusCode, TraceToken: trace,
			Err: fmt.Errorf("response body larger than %d bytes", maxBodyBytes)}
	}
	if resp.StatusCode/100 != 2 {
		e := newStatusError(op, resp, trace, body, c.now())
		if e.StatusCode == http.StatusTooManyRequests || e.rateLimited() {
			c.pacer.block(c.now().Add(e.RetryAfter))
		}
		return Response{}, e
	}
	return Response{Body: body, TraceToken: trace, Header: resp.Header, buf: bp}, nil
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
