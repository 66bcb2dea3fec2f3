// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// hidingWrapper wraps a RoundTripper without forwarding CloseIdleConnections, as otelhttp's does.
type hidingWrapper struct{ rt http.RoundTripper }

func (h hidingWrapper) RoundTrip(r *http.Request) (*http.Response, error) { return h.rt.RoundTrip(r) }

// transportGoroutines lists the goroutines of live client connections (persistConn read and write loops).
func transportGoroutines() map[string]bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	found := map[string]bool{}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte("net/http.(*persistConn).readLoop")) || bytes.Contains(g, []byte("net/http.(*persistConn).writeLoop")) {
			found[string(bytes.SplitN(g, []byte("\n"), 2)[0])] = true
		}
	}
	return found
}

func newSince(before, now map[string]bool) int {
	n := 0
	for g := range now {
		if !before[g] {
			n++
		}
	}
	return n
}

// Defect 11: connections behind a wrapper that hides CloseIdleConnections are closed at shutdown.
func TestConnTrackerClosesConnectionsBehindWrappers(t *testing.T) {
	const parallel = 3
	for name, layout := range map[string]func(*http.Transport) (http.RoundTripper, *ConnTracker){
		"tracker around the wrapper": func(tr *http.Transport) (http.RoundTripper, *ConnTracker) {
			ct := NewConnTracker(hidingWrapper{tr})
			return ct, ct
		},
		"wrapper around the tracker": func(tr *http.Transport) (http.RoundTripper, *ConnTracker) {
			ct := NewConnTracker(tr)
			return hidingWrapper{ct}, ct
		},
	} {
		t.Run(name, func(t *testing.T) {
			arrived, release := make(chan struct{}, parallel), make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/together" { // hold requests so each gets its own connection
					arrived <- struct{}{}
					<-release
				}
				_, _ = w.Write([]byte(`{"data":[]}`))
			}))
			defer srv.Close()
			before := transportGoroutines()
			ignore := goleak.IgnoreCurrent()
			inner := &http.Transport{}
			rt, tracker := layout(inner)
			client := &http.Client{Transport: rt}
			defer tracker.CloseAll() // also when an assertion fails

			get := func(path string) {
				resp, err := client.Get(srv.URL + path)
				if assert.NoError(t, err) {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			}
			var wg sync.WaitGroup
			for range parallel {
				wg.Go(func() { get("/together") })
			}
			for range parallel {
				<-arrived
			}
			close(release)
			wg.Wait()
			get("/") // reuses an idle connection

			require.Positive(t, newSince(before, transportGoroutines()), "keep-alive connections are open")
			(&http.Client{Transport: hidingWrapper{inner}}).CloseIdleConnections() // what Shutdown did: the wrapper swallows it
			time.Sleep(50 * time.Millisecond)
			require.Positive(t, newSince(before, transportGoroutines()), "the wrapper hid CloseIdleConnections")

			tracker.CloseAll()
			goleak.VerifyNone(t, ignore)
		})
	}
}

// unforwardingWrapper holds its inner round tripper in an unexported pointer-receiver struct, as
// otelhttp.Transport does.
type unforwardingWrapper struct{ next http.RoundTripper }

func (u *unforwardingWrapper) RoundTrip(r *http.Request) (*http.Response, error) {
	return u.next.RoundTrip(r)
}

// Defect 11: an idle connection the tracker never saw (a dial that finished after its request was
// cancelled) is closed too, through wrappers that do not forward CloseIdleConnections.
func TestConnTrackerClosesUntrackedIdleConnectionsBehindWrappers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) }))
	defer srv.Close()
	ignore := goleak.IgnoreCurrent()
	inner := &http.Transport{}
	tracker := NewConnTracker(&unforwardingWrapper{next: hidingWrapper{inner}})
	defer tracker.CloseAll()

	resp, err := (&http.Client{Transport: inner}).Get(srv.URL) // parks an idle connection the tracker never saw
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	require.Eventually(t, func() bool { return len(transportGoroutines()) > 0 }, time.Second, time.Millisecond)

	tracker.CloseAll()
	goleak.VerifyNone(t, ignore)
}

// The tracker keeps the most recently used connections and forgets the oldest beyond its bound.
func TestConnTrackerIsBounded(t *testing.T) {
	tracker := NewConnTracker(nil)
	var conns []net.Conn
	for range maxTrackedConns + 10 {
		a, b := net.Pipe()
		conns = append(conns, a)
		defer a.Close()
		defer b.Close()
		tracker.track(a)
	}
	tracker.track(conns[0]) // used again: now the most recent
	assert.Len(t, tracker.conns, maxTrackedConns)
	assert.Contains(t, tracker.conns, conns[0])
	assert.NotContains(t, tracker.conns, conns[1], "the least recently used is forgotten")
	assert.Contains(t, tracker.conns, conns[len(conns)-1])

	tracker.CloseAll()
	assert.Empty(t, tracker.conns)
	_, err := conns[0].Write([]byte("x"))
	assert.ErrorIs(t, err, io.ErrClosedPipe, "CloseAll closed it")
}
