// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package stream

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/sourcetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pagedStream is an HTTP Monitor stream of one-event pages: cursor c<i> answers event e<i> and
// endCursor c<i+1>; the last cursor answers no events and itself.
type pagedStream struct {
	pages       int
	cursorFirst bool
	// hold, when set, runs before the rest of a page's body is written (after its top was flushed).
	hold func(cursor string)
	// broken names a page whose events are cut off mid-record.
	broken string

	mu    sync.Mutex
	asked []string
	seen  map[string]chan struct{} // closed when the cursor is first requested
}

func (s *pagedStream) requested(cursor string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]chan struct{})
	}
	ch, ok := s.seen[cursor]
	if !ok {
		ch = make(chan struct{})
		s.seen[cursor] = ch
	}
	return ch
}

func (s *pagedStream) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func (s *pagedStream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cursor := r.URL.Query().Get("cursor")
	s.mu.Lock()
	s.asked = append(s.asked, cursor)
	s.mu.Unlock()
	ch := s.requested(cursor)
	select {
	case <-ch:
	default:
		close(ch)
	}
	var i int
	if _, err := fmt.Sscanf(cursor, "c%d", &i); err != nil {
		http.Error(w, "bad cursor", http.StatusBadRequest)
		return
	}
	end, events := fmt.Sprintf(`"endCursor":"c%d"`, i+1), fmt.Sprintf(`"data":[{"timestamp":"2026-10-02T14:05:%02d.0000001Z","eventId":"e%d","object":"Envelope","action":"Sent"}]`, i%60, i)
	if i >= s.pages {
		end, events = fmt.Sprintf(`"endCursor":"c%d"`, i), `"data":[]`
	}
	if cursor == s.broken {
		events = `"data":[{"timestamp":"2026-10-02T14:05:11Z","eventId":`
	}
	top, rest := "{"+end+",", events+"}"
	if !s.cursorFirst {
		top, rest = "{"+events+",", end+"}"
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(top))
	w.(http.Flusher).Flush()
	if s.hold != nil {
		s.hold(cursor)
	}
	_, _ = w.Write([]byte(rest))
}

// drainer drains a stream over real HTTP and records what was delivered.
type drainer struct {
	reader *Reader
	cursor string
	mu     sync.Mutex
	ids    []string
}

func newDrainer(t *testing.T, h http.Handler, next *consumertest.LogsSink) *drainer {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	env := sourcetest.Env(t, api.New(&http.Client{Transport: transport}), next)
	r := NewReader(Config{
		URL:      func(c string, _ int) string { return srv.URL + "/stream?cursor=" + url.QueryEscape(c) },
		PageSize: 2000,
		Deps:     env.Deps("monitor", time.Minute),
	})
	return &drainer{reader: r, cursor: "c0"}
}

// drain runs one poll, delivering each page with deliver (nil: record its ids and move on).
func (d *drainer) drain(ctx context.Context, deliver Deliver) error {
	if deliver == nil {
		deliver = func(_ context.Context, p *Page, _ func()) (bool, error) { return d.record(p), nil }
	}
	_, err := d.reader.Drain(ctx, func() string { return d.cursor }, deliver)
	return err
}

func (d *drainer) delivered() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.ids...)
}

func TestNextPageIsRequestedFromTheTopOfTheBody(t *testing.T) {
	early := make(map[string]bool)
	var mu sync.Mutex
	s := &pagedStream{pages: 3, cursorFirst: true}
	s.hold = func(cursor string) {
		var i int
		_, _ = fmt.Sscanf(cursor, "c%d", &i)
		if i >= s.pages {
			return // caught up: no next page to wait for
		}
		select { // the rest of this body waits for the next page's request
		case <-s.requested(fmt.Sprintf("c%d", i+1)):
			mu.Lock()
			early[cursor] = true
			mu.Unlock()
		case <-time.After(2 * time.Second):
		}
	}
	d := newDrainer(t, s, new(consumertest.LogsSink))
	require.NoError(t, d.drain(context.Background(), nil))
	assert.Equal(t, []string{"e0", "e1", "e2"}, d.delivered())
	assert.Equal(t, "c3", d.cursor)
	mu.Lock()
	defer mu.Unlock()
	for _, c := range []string{"c0", "c1", "c2"} {
		assert.True(t, early[c], "the request after %s went out before its body was complete", c)
	}
	assert.Equal(t, []string{"c0", "c1", "c2", "c3"}, s.requests(), "the caught-up page ends the chain")
}

func TestEndCursorAfterTheEventsStillChains(t *testing.T) {
	s := &pagedStream{pages: 4, cursorFirst: false}
	d := newDrainer(t, s, new(consumertest.LogsSink))
	require.NoError(t, d.drain(context.Background(), nil))
	assert.Equal(t, []string{"e0", "e1", "e2", "e3"}, d.delivered())
	assert.Equal(t, []string{"c0", "c1", "c2", "c3", "c4"}, s.requests())
	assert.Equal(t, "c4", d.cursor)
}

func TestPagesAheadAreBoundedWhileDeliveryIsSlow(t *testing.T) {
	s := &pagedStream{pages: 20, cursorFirst: true}
	d := newDrainer(t, s, new(consumertest.LogsSink))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	deliver := func(ctx context.Context, p *Page, stop func()) (bool, error) {
		once.Do(func() {
			close(entered)
			<-release
		})
		return d.record(p), nil
	}
	done := make(chan error, 1)
	go func() { done <- d.drain(context.Background(), deliver) }()
	<-entered
	// Page 1 delivering, page 2 converted, page 3 read, page 4 opened with its body unread: no more.
	require.Eventually(t, func() bool { return len(s.requests()) == 4 }, 5*time.Second, 5*time.Millisecond)
	select {
	case <-s.requested("c4"):
		t.Fatal("a fifth page was requested while the first is still being delivered")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-done)
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprintf("e%d", i)
	}
	assert.Equal(t, want, d.delivered())
}

// record is the default delivery, for a test's own deliver func.
func (d *drainer) record(p *Page) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ref := range p.Refs {
		d.ids = append(d.ids, ref.ID)
	}
	if p.EndCursor != "" {
		d.cursor = p.EndCursor
	}
	return false
}

func TestBrokenPageAfterEarlyRequestStopsThePass(t *testing.T) {
	s := &pagedStream{pages: 5, cursorFirst: true, broken: "c2"}
	d := newDrainer(t, s, new(consumertest.LogsSink))
	err := d.drain(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `page from cursor "c2" cannot be decoded`)
	assert.Equal(t, []string{"e0", "e1"}, d.delivered(), "nothing from or after the broken page")
	assert.Equal(t, "c2", d.cursor, "the next pass starts at the broken page")
}

// A page that is not a stream page fails the pass with the trace token and the body's first bytes.
func TestPageThatIsNotAStreamPageNamesItsStart(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-DocuSign-TraceToken", "trace-1")
		_, _ = w.Write([]byte(`<html>gateway timeout</html>`))
	})
	d := newDrainer(t, h, new(consumertest.LogsSink))
	err := d.drain(context.Background(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "trace token trace-1")
	assert.Contains(t, err.Error(), "gateway timeout", "quotes the first bytes")
	assert.Empty(t, d.delivered())
}

// A null endCursor is "none": the page is the last of the pass, and the cursor is not replaced.
func TestNullEndCursorEndsThePass(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.URL.Query().Get("cursor")
		mu.Lock()
		asked = append(asked, c)
		mu.Unlock()
		if c == "c0" {
			_, _ = w.Write([]byte(`{"endCursor":"c1","data":[{"timestamp":"2026-10-02T14:05:11.4410027Z","eventId":"e1","object":"Envelope","action":"Sent"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"endCursor":null,"data":[]}`))
	})
	d := newDrainer(t, h, new(consumertest.LogsSink))
	require.NoError(t, d.drain(context.Background(), nil))
	assert.Equal(t, []string{"e1"}, d.delivered())
	assert.Equal(t, "c1", d.cursor, "a null endCursor keeps the good cursor")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"c0", "c1"}, asked)
}

// Issue 11 defect 1: a panic in the request goroutine of the pipeline ends the pass with an error,
// not the process.
func TestPanicInTheRequestGoroutineIsAnError(t *testing.T) {
	s := &pagedStream{pages: 3, cursorFirst: true}
	d := newDrainer(t, s, new(consumertest.LogsSink))
	pageURL := d.reader.url
	d.reader.url = func(c string, limit int) string {
		if c == "c1" {
			panic("integer divide by zero")
		}
		return pageURL(c, limit)
	}
	err := d.drain(context.Background(), nil)
	var pe *source.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "integer divide by zero")
}

// A page that reaches the converter after the pipeline stopped is released, never handed on
// unconverted (delivery would read records that do not exist).
func TestConvertStageSendsNothingOnceStopped(t *testing.T) {
	d := newDrainer(t, &pagedStream{}, new(consumertest.LogsSink))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := make(chan *Page, 1)
	released := false
	in <- &Page{Cursor: "c0", body: []byte(`{"endCursor":"c1","data":[]}`), release: func() { released = true }}
	close(in)
	out := make(chan *Page, 1)
	d.reader.convertAll(ctx, in, out)
	_, open := <-out
	assert.False(t, open, "nothing sent, channel closed")
	assert.True(t, released, "the body buffer goes back to the pool")
}
