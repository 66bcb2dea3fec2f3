package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"net"
	"net/http"
	"net/http/httptrace"
	"sync"
)

// maxTrackedConns bounds the tracker: our pollers keep a few connections to DocuSign's three hosts
// open at once, so the 64 most recently used hold every live one, and dead ones age out.
const maxTrackedConns = 64

// ConnTracker is an http.RoundTripper that remembers the connections its requests use, so Shutdown can
// close them all even when the transport underneath sits behind wrappers (otelhttp, confighttp's header
// and compression round trippers) that hide its CloseIdleConnections.
type ConnTracker struct {
	base http.RoundTripper

	mu    sync.Mutex
	conns map[net.Conn]uint64 // connection → when it was last used, by use count
	uses  uint64
}

// NewConnTracker wraps base (nil → http.DefaultTransport).
func NewConnTracker(base http.RoundTripper) *ConnTracker {
	if base == nil {
		base = http.DefaultTransport
	}
	return &ConnTracker{base: base, conns: make(map[net.Conn]uint64)}
}

// RoundTrip implements http.RoundTripper: it sends req through the base, noting the connection it gets.
func (t *ConnTracker) RoundTrip(req *http.Request) (*http.Response, error) {
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { t.track(info.Conn) }}
	return t.base.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
}

func (t *ConnTracker) track(c net.Conn) {
	if c == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.uses++
	t.conns[c] = t.uses
	if len(t.conns) <= maxTrackedConns {
		return
	}
	var oldest net.Conn
	for conn, used := range t.conns { // rare: only when a new connection overflows the set
		if oldest == nil || used < t.conns[oldest] {
			oldest = conn
		}
	}
	delete(t.conns, oldest)
}

// CloseAll closes every tracked connection, busy or idle, and forgets them; requests in flight on them
// fail. It also closes the base's idle connections where the base can.
func (t *ConnTracker) CloseAll() {
	t.mu.Lock()
	conns := t.conns
	t.conns = make(map[net.Conn]uint64)
	t.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
	t.CloseIdleConnections()
}

// CloseIdleConnections forwards to the base, so http.Client.CloseIdleConnections reaches it if it can.
func (t *ConnTracker) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
