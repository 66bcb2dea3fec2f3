// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"net"
	"net/http"
	"net/http/httptrace"
	"reflect"
	"sync"
	"unsafe"
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

// CloseIdleConnections closes the idle connections of the base and of every round tripper it wraps.
// A connection no request ever got is not tracked: a dial that completes after its request was
// cancelled parks it in the innermost transport's pool, behind wrappers that do not forward this call.
func (t *ConnTracker) CloseIdleConnections() { closeIdleBehind(t.base, 0) }

// maxWrapDepth bounds the walk down a chain of wrapping round trippers.
const maxWrapDepth = 8

var roundTripperType = reflect.TypeFor[http.RoundTripper]()

// closeIdleBehind calls CloseIdleConnections on rt if it has it, else on the round trippers held in
// its struct fields (exported or not: otelhttp and confighttp keep theirs unexported), recursively.
func closeIdleBehind(rt http.RoundTripper, depth int) {
	if rt == nil || depth > maxWrapDepth {
		return
	}
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
		return
	}
	v := reflect.ValueOf(rt)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	if !v.CanAddr() { // a wrapper held by value: copy it to reach its fields
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		v = c
	}
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type() != roundTripperType {
			continue
		}
		inner, _ := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(http.RoundTripper)
		closeIdleBehind(inner, depth+1)
	}
}
