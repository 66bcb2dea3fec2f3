package docusignreceiver

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
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
)

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

// newStreamPoller drains s over real HTTP through the api client.
func newStreamPoller(t *testing.T, s *pagedStream, next *consumertest.LogsSink) *monitorPoller {
	t.Helper()
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	client := api.New(&http.Client{Transport: transport})
	p := newTestMonitorPoller(t, httpFetcher{client: client, pageURL: func(c string, _ int) string {
		return srv.URL + "/stream?cursor=" + url.QueryEscape(c)
	}}, next)
	p.state.Cursor = "c0"
	return p
}

func TestMonitorRequestsNextPageFromTheTopOfTheBody(t *testing.T) {
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
	sink := new(consumertest.LogsSink)
	p := newStreamPoller(t, s, sink)

	_, err := p.drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"e0", "e1", "e2"}, eventIDs(sink.AllLogs()))
	assert.Equal(t, "c3", p.state.Cursor)
	mu.Lock()
	defer mu.Unlock()
	for _, c := range []string{"c0", "c1", "c2"} {
		assert.True(t, early[c], "the request after %s went out before its body was complete", c)
	}
	assert.Equal(t, []string{"c0", "c1", "c2", "c3"}, s.requests(), "the caught-up page ends the chain")
}

func TestMonitorEndCursorAfterTheEventsStillChains(t *testing.T) {
	s := &pagedStream{pages: 4, cursorFirst: false}
	sink := new(consumertest.LogsSink)
	p := newStreamPoller(t, s, sink)

	_, err := p.drain(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"e0", "e1", "e2", "e3"}, eventIDs(sink.AllLogs()))
	assert.Equal(t, []string{"c0", "c1", "c2", "c3", "c4"}, s.requests())
	assert.Equal(t, "c4", p.state.Cursor)
}

// blockingConsumer holds its first ConsumeLogs until released.
type blockingConsumer struct {
	consumertest.LogsSink
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingConsumer) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	first := false
	b.once.Do(func() { first = true })
	if first {
		close(b.entered)
		<-b.release
	}
	return b.LogsSink.ConsumeLogs(ctx, ld)
}

func TestMonitorPipelineHoldsBoundedPagesWhileConsumeIsSlow(t *testing.T) {
	s := &pagedStream{pages: 20, cursorFirst: true}
	srv := httptest.NewServer(s)
	defer srv.Close()
	transport := &http.Transport{}
	defer transport.CloseIdleConnections()
	sink := &blockingConsumer{entered: make(chan struct{}), release: make(chan struct{})}
	p := newTestMonitorPoller(t, httpFetcher{client: api.New(&http.Client{Transport: transport}), pageURL: func(c string, _ int) string {
		return srv.URL + "/stream?cursor=" + url.QueryEscape(c)
	}}, new(consumertest.LogsSink))
	p.r.next = sink
	p.state.Cursor = "c0"

	done := make(chan error, 1)
	go func() { _, err := p.drain(context.Background()); done <- err }()
	<-sink.entered
	// Page 1 consuming, page 2 converted, page 3 read, page 4 opened with its body unread: no more.
	require.Eventually(t, func() bool { return len(s.requests()) == 4 }, 5*time.Second, 5*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, []string{"c0", "c1", "c2", "c3"}, s.requests(), "nothing more is fetched while the consumer is stuck")

	close(sink.release)
	require.NoError(t, <-done)
	want := make([]string, 20)
	for i := range want {
		want[i] = fmt.Sprintf("e%d", i)
	}
	assert.Equal(t, want, eventIDs(sink.AllLogs()))
}

func TestMonitorBrokenPageAfterEarlyRequestKeepsCheckpoint(t *testing.T) {
	s := &pagedStream{pages: 5, cursorFirst: true, broken: "c2"}
	sink := new(consumertest.LogsSink)
	p := newStreamPoller(t, s, sink)

	_, err := p.drain(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), `page from cursor "c2" cannot be decoded`)
	assert.Equal(t, []string{"e0", "e1"}, eventIDs(sink.AllLogs()), "nothing from or after the broken page")
	assert.Equal(t, "c2", p.state.Cursor, "the checkpoint stays at the broken page")
}

// TestConvertStageSendsNothingOnceStopped: a page that reaches the converter after the pipeline
// stopped is released, never handed on unconverted (the consumer would read records that do not exist).
func TestConvertStageSendsNothingOnceStopped(t *testing.T) {
	p := newTestMonitorPoller(t, &scriptedFetcher{}, new(consumertest.LogsSink))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := make(chan monitorPage, 1)
	released := false
	in <- monitorPage{cursor: "c0", body: []byte(`{"endCursor":"c1","data":[]}`), release: func() { released = true }}
	close(in)
	out := make(chan convertedPage, 1)
	p.convertPages(ctx, in, out)
	_, open := <-out
	assert.False(t, open, "nothing sent, channel closed")
	assert.True(t, released, "the body buffer goes back to the pool")
}
