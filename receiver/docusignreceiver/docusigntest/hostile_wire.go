// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"bytes"
	"cmp"
	"fmt"
	"html"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How each hostile kind goes on the wire. Kinds that shape a page or a paging link are applied by
// their endpoint (monitor.go, users.go), which finds the kind in the request's context.

// retryAfter429 are the Retry-After values of the hostile 429s.
var retryAfter429 = map[Hostile]string{
	Hostile429RetryAfterYear:     "31536000",
	Hostile429RetryAfterOverflow: "10000000000",
	Hostile429RetryAfterDate:     "Fri, 31 Dec 9999 23:59:59 GMT",
}

// echoPages are the error pages that list the request headers: status and form.
var echoPages = map[Hostile]struct {
	status int
	json   bool
}{
	HostileEchoHTML403: {http.StatusForbidden, false},
	HostileEchoHTML502: {http.StatusBadGateway, false},
	HostileEchoJSON500: {http.StatusInternalServerError, true},
	HostileEchoHTML200: {http.StatusOK, false},
}

// serveHostile answers r with kind.
func (s *Server) serveHostile(w http.ResponseWriter, r *http.Request, kind Hostile, now time.Time) {
	s.mu.Lock()
	timing := s.hostile.timing
	s.mu.Unlock()
	if k, _ := lookupKind(kind); k.scope != scopeMonitor && k.scope != scopeUsers {
		s.count(func(st *Stats) { st.countHostile(kind, 1) }) // page kinds are counted where they apply
	}
	mux := func(rec http.ResponseWriter) { s.mux.ServeHTTP(rec, r) }

	if v, ok := retryAfter429[kind]; ok {
		s.respond(w, false, func(rec http.ResponseWriter) {
			rec.Header().Set("Retry-After", v)
			rec.Header().Set("X-RateLimit-Remaining", "0")
			writeAPIError(rec, http.StatusTooManyRequests, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", "the API invocation limit was reached")
		})
		return
	}
	if page, ok := echoPages[kind]; ok {
		s.respond(w, false, func(rec http.ResponseWriter) { writeEcho(rec, r, page.status, page.json) })
		return
	}
	switch kind {
	case HostileRateRemainingNegative, HostileRateNonNumeric, HostileRateHuge,
		HostileRateResetMillis, HostileRateResetYear, HostileRateResetPast:
		garbleRateHeaders(w.Header(), kind, now)
		s.respond(w, false, mux)
	case Hostile429ShortBody:
		h := w.Header()
		h.Set("Retry-After", "1")
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("Content-Type", "application/json; charset=utf-8")
		body, _ := marshal(map[string]string{"errorCode": "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", "message": "the API invocation limit was reached; retry after 1 s"})
		s.writeRaw(w, http.StatusTooManyRequests, int64(len(body)+512), body[:len(body)/3])
	case HostileRedirect307Elsewhere:
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeRedirect(rec, http.StatusTemporaryRedirect, s.ElsewhereURL()+r.URL.RequestURI())
		})
	case HostileRedirect308Elsewhere:
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeRedirect(rec, http.StatusPermanentRedirect, s.ElsewhereURL()+r.URL.RequestURI())
		})
	case HostileRedirectSameHost:
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeRedirect(rec, http.StatusTemporaryRedirect, baseURL(r)+r.URL.RequestURI())
		})
	case HostileTokenRedirect:
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeRedirect(rec, http.StatusTemporaryRedirect, s.ElsewhereURL()+"/oauth/token")
		})
	case HostileEndlessBody:
		s.writeEndless(w)
	case HostileBareContentLength:
		c := s.capture(w, r)
		s.writeRaw(w, c.status, BareContentLength, c.body.Bytes())
	case HostileSlowBody:
		c := s.capture(w, r)
		s.writeSlowly(w, c, cmp.Or(timing.SlowBody, defaultHostileWait))
	case HostileSlowHeaders:
		lw := &lateWriter{ResponseWriter: w, due: time.Now().Add(cmp.Or(timing.SlowHeaders, defaultHostileWait)),
			gone: r.Context().Done(), closed: s.closed}
		defer lw.wait() // a handler that writes nothing still answers late
		s.respond(lw, false, mux)
	case HostileToken429:
		s.respond(w, false, func(rec http.ResponseWriter) {
			rec.Header().Set("Retry-After", "2")
			writeOAuthError(rec, http.StatusTooManyRequests, "too_many_requests", "too many token requests; retry after 2 s")
		})
	case HostileToken503:
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeHTML(rec, http.StatusServiceUnavailable, "503 Service Unavailable", "The server is temporarily unable to service your request.", nil)
		})
	case HostileTokenEchoAssertion:
		_ = r.ParseForm()
		s.respond(w, false, func(rec http.ResponseWriter) {
			writeOAuthError(rec, http.StatusBadRequest, "invalid_grant", "the assertion "+r.PostForm.Get("assertion")+" could not be validated")
		})
	default: // pages, cursors and paging links: the endpoint applies the kind and counts it
		s.respond(w, false, func(rec http.ResponseWriter) { s.mux.ServeHTTP(rec, withHostile(r, kind)) })
	}
}

// rateHeaders are every rate-limit header DocuSign sends.
var rateHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-BurstLimit-Limit", "X-BurstLimit-Remaining"}

// garbleRateHeaders rewrites the honest rate-limit headers already in h.
func garbleRateHeaders(h http.Header, kind Hostile, now time.Time) {
	unix := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	switch kind {
	case HostileRateRemainingNegative:
		h.Set("X-RateLimit-Remaining", "-1")
		h.Set("X-RateLimit-Reset", unix(now.Add(2*time.Second)))
	case HostileRateNonNumeric:
		h.Set("X-RateLimit-Limit", "3000 per hour")
		h.Set("X-RateLimit-Remaining", "plenty")
		h.Set("X-RateLimit-Reset", now.Add(time.Hour).UTC().Format(http.TimeFormat))
		h.Set("X-BurstLimit-Limit", "unlimited")
		h.Set("X-BurstLimit-Remaining", "NaN")
	case HostileRateHuge:
		for _, name := range rateHeaders {
			h.Set(name, "99999999999999999999")
		}
	case HostileRateResetMillis:
		reset, _ := strconv.ParseInt(h.Get("X-RateLimit-Reset"), 10, 64)
		h.Set("X-RateLimit-Reset", strconv.FormatInt(reset*1000, 10))
	case HostileRateResetYear:
		h.Set("X-RateLimit-Reset", unix(now.AddDate(1, 0, 0)))
	case HostileRateResetPast:
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("X-RateLimit-Reset", unix(now.Add(-time.Hour)))
	}
}

// baseURL is scheme://host of the server as the client reached it.
func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func writeRedirect(w http.ResponseWriter, status int, location string) {
	w.Header().Set("Location", location)
	writeAPIError(w, status, "MOVED", "the resource moved to "+location)
}

// echoLines is the request as a proxy's error page shows it: request line, Host and every header.
func echoLines(r *http.Request) []string {
	lines := []string{r.Method + " " + r.URL.RequestURI() + " " + r.Proto, "Host: " + r.Host}
	for _, name := range slices.Sorted(maps.Keys(r.Header)) {
		for _, v := range r.Header[name] {
			lines = append(lines, name+": "+v)
		}
	}
	return lines
}

func writeEcho(w http.ResponseWriter, r *http.Request, status int, asJSON bool) {
	lines := echoLines(r)
	if asJSON {
		writeAPIError(w, status, "PROXY_ERROR", "upstream request failed: "+strings.Join(lines, "; "))
		return
	}
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	if status == http.StatusOK {
		title = "Network login required"
	}
	writeHTML(w, status, title, "Your request was:", lines)
}

// writeHTML sends a small HTML page, with lines (escaped) in a pre block.
func writeHTML(w http.ResponseWriter, status int, title, text string, lines []string) {
	var b strings.Builder
	fmt.Fprintf(&b, "<!doctype html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p>",
		html.EscapeString(title), html.EscapeString(title), html.EscapeString(text))
	if len(lines) > 0 {
		b.WriteString("<pre>")
		for _, line := range lines {
			b.WriteString(html.EscapeString(line))
			b.WriteByte('\n')
		}
		b.WriteString("</pre>")
	}
	b.WriteString("</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// captured is a whole answer held back, for the kinds that send it their own way.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header { return c.header }

func (c *captured) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
}

func (c *captured) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	return c.body.Write(b)
}

// capture runs the endpoint for r into memory; the headers land in w's header map.
func (s *Server) capture(w http.ResponseWriter, r *http.Request) *captured {
	c := &captured{header: w.Header()}
	s.mux.ServeHTTP(c, r)
	c.WriteHeader(http.StatusOK)
	return c
}

// takeOver hijacks the connection for an answer net/http would not send (a lying Content-Length, a
// body without end). Close closes the connection, so a client that stopped reading cannot hold it up.
func (s *Server) takeOver(w http.ResponseWriter) (conn net.Conn, release func()) {
	s.inflight.Add(1) // before the hijack, while httptest's Close still waits for this connection
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		s.inflight.Done()
		panic(http.ErrAbortHandler) // net/http recovers it and drops the connection
	}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-s.closed:
			_ = conn.Close()
		case <-done:
		}
	}()
	return conn, func() {
		close(done)
		<-exited
		_ = conn.Close()
		s.inflight.Done()
	}
}

// head is an HTTP/1.1 status line and header block.
func head(status int, h http.Header) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// writeRaw sends status, w's headers with Content-Length: declared, and body, then closes the
// connection: with declared > len(body) the client sees a short body.
func (s *Server) writeRaw(w http.ResponseWriter, status int, declared int64, body []byte) {
	h := w.Header()
	h.Set("Content-Length", strconv.FormatInt(declared, 10))
	h.Set("Connection", "close")
	conn, release := s.takeOver(w)
	defer release()
	s.countStatus(status, false)
	_, _ = conn.Write(append(head(status, h), body...))
}

// writeSlowly sends c in pieces spread over d; Close cuts it short.
func (s *Server) writeSlowly(w http.ResponseWriter, c *captured, d time.Duration) {
	const pieces = 20
	h := w.Header()
	h.Set("Content-Length", itoa(c.body.Len()))
	h.Set("Connection", "close")
	conn, release := s.takeOver(w)
	defer release()
	s.countStatus(c.status, false)
	if _, err := conn.Write(head(c.status, h)); err != nil {
		return
	}
	body := c.body.Bytes()
	size := max((len(body)+pieces-1)/pieces, 1)
	for len(body) > 0 {
		if !s.sleep(d / pieces) {
			return
		}
		n := min(size, len(body))
		if _, err := conn.Write(body[:n]); err != nil {
			return
		}
		body = body[n:]
	}
}

// sleep waits d, or less if the server closes; it reports whether the full wait passed.
func (s *Server) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closed:
		return false
	}
}

// endlessChunk is one HTTP chunk of event-looking objects, each followed by a comma: the endless
// body repeats it. Chunked framing makes a body cut by Close an error for the client, not an end.
var endlessChunk = sync.OnceValue(func() []byte {
	one := `{"eventId":"00000000-0000-4000-8000-000000000000","object":"Envelope","action":"Endless","padding":"` +
		strings.Repeat("x", 900) + `"},`
	data := strings.Repeat(one, (64<<10)/len(one))
	return fmt.Appendf(nil, "%x\r\n%s\r\n", len(data), data)
})

// writeEndless answers 200 with a chunked body that never ends, until the client hangs up or Close.
func (s *Server) writeEndless(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Transfer-Encoding", "chunked")
	h.Set("Connection", "close")
	conn, release := s.takeOver(w)
	defer release()
	s.countStatus(http.StatusOK, false)
	const start = `{"data":[`
	if _, err := conn.Write(fmt.Appendf(head(http.StatusOK, h), "%x\r\n%s\r\n", len(start), start)); err != nil {
		return
	}
	chunk := endlessChunk()
	for {
		select {
		case <-s.closed:
			return
		default:
		}
		if _, err := conn.Write(chunk); err != nil {
			return
		}
	}
}

// unblockOnClose makes a write to w that blocks (a client that stopped reading) fail once the server
// closes, so Close never waits on it; call stop when done writing.
func (s *Server) unblockOnClose(w http.ResponseWriter) (stop func()) {
	rc := http.NewResponseController(w)
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		select {
		case <-s.closed:
			_ = rc.SetWriteDeadline(time.Now())
		case <-done:
		}
	}()
	return func() { close(done); <-exited }
}

// filler pads oversized pages and events.
var filler = bytes.Repeat([]byte("x"), 64<<10)

// padAt is n filler bytes to insert at offset off of a page body.
type padAt struct{ off, n int }

// writePadded sends body with the pads inserted, streamed rather than built.
func (s *Server) writePadded(w http.ResponseWriter, body []byte, pads []padAt) {
	total := len(body)
	for _, p := range pads {
		total += p.n
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", itoa(total))
	stop := s.unblockOnClose(w)
	defer stop()
	w.WriteHeader(http.StatusOK)
	prev := 0
	for _, p := range pads {
		if _, err := w.Write(body[prev:p.off]); err != nil {
			return
		}
		for left := p.n; left > 0; {
			n := min(left, len(filler))
			if _, err := w.Write(filler[:n]); err != nil {
				return
			}
			left -= n
		}
		prev = p.off
	}
	_, _ = w.Write(body[prev:])
}

// badCoordinates are the location members of HostileEventBadCoordinates, used in turn.
var badCoordinates = []string{
	`,"ipAddressLocation":{"latitude":"NaN","longitude":"Infinity","country":"nowhere","state":"","city":"nowhere"},"latitude":"-Infinity","longitude":"NaN"`,
	`,"ipAddressLocation":{"latitude":91.5,"longitude":-181.25,"country":"nowhere","state":"","city":"nowhere"},"latitude":1e308,"longitude":-1e308`,
	`,"ipAddressLocation":{"latitude":"-90.5","longitude":"540","country":"nowhere","state":"","city":"nowhere"},"latitude":"Infinity","longitude":"-Infinity"`,
	`,"ipAddressLocation":{"latitude":1e400,"longitude":-1e400,"country":"nowhere","state":"","city":"nowhere"},"latitude":"nan","longitude":"inf"`,
}

// hostileEvent is the i-th record of a hostile kind at stream position pos. An oversized event is
// stored at its ordinary size and padded when served.
func (s *Server) hostileEvent(kind Hostile, pos int, ticks int64, i int) []byte {
	envelopeID := detGUID(s.opts.Seed, streamEvent, uint64(pos)|1<<48)
	b := append(make([]byte, 0, 512), `{"timestamp":"`...)
	b = appendTimestamp(b, ticks)
	b = append(b, `","eventId":"`...)
	b = s.events.appendEventID(b, pos)
	b = append(b, '"')
	b = appendStringField(b, "site", "NA4")
	b = appendStringField(b, "accountId", s.opts.AccountID)
	b = appendStringField(b, "organizationId", s.opts.OrganizationID)
	b = appendStringField(b, "userId", s.opts.UserID)
	b = appendStringField(b, "ipAddress", "203.0.113.7")
	b = appendStringField(b, "object", "Envelope")
	b = appendStringField(b, "action", "Viewed")
	b = appendStringField(b, "source", "Web")
	switch kind {
	case HostileEventBadCoordinates:
		b = append(b, badCoordinates[i%len(badCoordinates)]...)
	case HostileEventDeepNesting:
		b = append(b, `,"details":`...)
		b = append(b, strings.Repeat("[", HostileNestingDepth)...)
		b = append(b, `"deep"`...)
		b = append(b, strings.Repeat("]", HostileNestingDepth)...)
	case HostileEventMalformed: // an unquoted word and a missing colon; brackets and quotes still balance
		b = append(b, `,"result":Success,"data":{"EnvelopeId" "`...)
		b = append(b, envelopeID...)
		return append(b, `"}}`...)
	}
	b = appendStringField(b, "result", "Success")
	b = append(b, `,"data":{"EnvelopeId":"`...)
	b = append(b, envelopeID...)
	return append(b, `"}}`...)
}
