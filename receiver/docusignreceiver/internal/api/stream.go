// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package api // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
)

const (
	// MaxPageBytes caps a successful (2xx) body held in memory; a 2,000-event Monitor page is a few MiB.
	// Over it, ask for fewer records.
	MaxPageBytes = 32 << 20
	// MaxSkimBytes caps what ReadAll streams to its overflow writer for a body over MaxPageBytes.
	MaxSkimBytes = 1 << 30
)

// ErrTooLarge matches (errors.Is) a body over MaxPageBytes. Retrying the same request cannot help;
// asking for fewer records can.
var ErrTooLarge = errors.New("response body too large")

const (
	// maxErrorBodyBytes is how much of a non-2xx body is read: enough for DocuSign's error JSON.
	maxErrorBodyBytes = 64 << 10
	// peekBytes is the buffer Peek starts with; a page's endCursor is in its first hundred bytes.
	peekBytes = 1 << 10
	// wholeBytes is the most room ReadAll takes on trust when the pool has no buffer (a Content-Length
	// may shrink it); beyond it, room grows with what arrives.
	wholeBytes = 1 << 20
	// spillBytes is the buffer the part of a body over MaxPageBytes passes through.
	spillBytes = 64 << 10
)

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

// Stream is a successful (2xx) response whose body is read on demand: Peek reads only as much as the
// caller needs to act early (a page's endCursor comes first), ReadAll the rest. Call ReadAll or Close
// exactly once; a Stream is not safe for concurrent use. The client's timeout runs only inside Peek
// and ReadAll: a Stream parked in between does not time out.
type Stream struct {
	TraceToken string
	Header     http.Header

	ctx     context.Context // the caller's
	op      string
	resp    *http.Response
	budget  budget
	buf     *[]byte // body's pooled backing array, taken at the first read for ReadAll
	body    []byte
	readErr error // what ended the body early
	eof     bool
	closed  bool
}

// Peek reads until enough(body so far) is true, the body ends or passes MaxPageBytes, and returns the
// body so far (valid until ReadAll or Close). It reads into a small buffer: a peeked response holds
// little memory until ReadAll. A failed read ends the body; ReadAll reports it.
func (s *Stream) Peek(enough func(prefix []byte) bool) []byte {
	if s.closed {
		return s.body
	}
	s.budget.resume()
	for !enough(s.body) && !s.ended() && len(s.body) <= MaxPageBytes {
		s.readSome(peekBytes, MaxPageBytes+1)
	}
	s.budget.pause()
	return s.body
}

// ReadAll reads the rest of the body and closes the response. Release the Response's body when done.
// A body cut short is an *Error that says so. A body over MaxPageBytes is an *Error matching ErrTooLarge:
// with overflow nil, reading stops there; otherwise what was read and then the rest of the body (up to
// MaxSkimBytes in all) are written to overflow, through a small buffer, and not kept.
func (s *Stream) ReadAll(overflow io.Writer) (Response, error) {
	if s.closed {
		return Response{}, &Error{Op: s.op, Err: errors.New("response already closed")}
	}
	s.budget.resume()
	if err := s.readBody(overflow); err != nil {
		s.Close()
		return Response{}, err
	}
	s.budget.end()
	_ = s.resp.Body.Close()
	r := Response{Body: s.body, TraceToken: s.TraceToken, Header: s.Header, buf: s.buf}
	s.buf, s.body, s.closed = nil, nil, true
	return r, nil
}

// Close abandons the rest of the body and frees what was read. It does nothing after ReadAll.
func (s *Stream) Close() {
	if s.closed {
		return
	}
	s.closed = true
	_ = s.resp.Body.Close()
	s.budget.end()
	releaseBuffer(s.buf, s.body)
	s.buf, s.body = nil, nil
}

// readBody reads to the end of the body into a pooled buffer, or hands it to overflow.
func (s *Stream) readBody(overflow io.Writer) error {
	if n := s.resp.ContentLength; n > MaxPageBytes && overflow == nil {
		return s.tooLarge(fmt.Errorf("%w: Content-Length %d is more than %d bytes", ErrTooLarge, n, MaxPageBytes))
	}
	if s.buf == nil {
		s.buf = bodyPool.Get()
		s.body = append((*s.buf)[:0], s.body...)
	}
	for !s.ended() && len(s.body) <= MaxPageBytes {
		s.readSome(wholeBytes, MaxPageBytes+1)
	}
	switch {
	case len(s.body) > MaxPageBytes && overflow != nil:
		return s.spill(overflow)
	case len(s.body) > MaxPageBytes:
		return s.tooLarge(fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxPageBytes))
	}
	return s.readError(int64(len(s.body)))
}

// spill writes what was read, then the rest of the body, to overflow in chunks of at most spillBytes,
// keeping none of it.
func (s *Stream) spill(overflow io.Writer) error {
	total := int64(len(s.body))
	var werr error
	for rest := s.body; len(rest) > 0 && werr == nil; rest = rest[min(len(rest), spillBytes):] {
		_, werr = overflow.Write(rest[:min(len(rest), spillBytes)]) // the writer sees one chunk size throughout
	}
	releaseBuffer(s.buf, s.body)
	s.buf, s.body = nil, nil
	chunk := make([]byte, spillBytes)
	for werr == nil && !s.ended() && total < MaxSkimBytes {
		n, err := s.resp.Body.Read(chunk[:min(int64(len(chunk)), MaxSkimBytes-total)])
		total += int64(n)
		if n > 0 {
			_, werr = overflow.Write(chunk[:n])
		}
		s.noteReadEnd(err)
	}
	switch {
	case werr != nil:
		return s.tooLarge(fmt.Errorf("%w: more than %d bytes; writing the overflow after %d: %w", ErrTooLarge, MaxPageBytes, total, werr))
	case s.readErr != nil && s.ctx.Err() != nil:
		return s.ctx.Err()
	case s.readErr != nil:
		why := s.readErr
		if s.budget.spent() {
			why = s.timedOut().Err
		}
		return s.tooLarge(fmt.Errorf("%w: more than %d bytes, then the body failed after %d: %w", ErrTooLarge, MaxPageBytes, total, why))
	case !s.eof:
		return s.tooLarge(fmt.Errorf("%w: more than %d bytes; only the first %d were skimmed", ErrTooLarge, MaxSkimBytes, total))
	}
	return s.tooLarge(fmt.Errorf("%w: %d bytes, more than %d", ErrTooLarge, total, MaxPageBytes))
}

func (s *Stream) tooLarge(err error) *Error {
	return &Error{Op: s.op, StatusCode: s.resp.StatusCode, TraceToken: s.TraceToken, Err: err}
}

// readError classifies what ended the body early, after n bytes; nil when it ended at EOF.
func (s *Stream) readError(n int64) error {
	switch {
	case s.readErr == nil:
		return nil
	case s.ctx.Err() != nil:
		return s.ctx.Err()
	case s.budget.spent():
		return s.timedOut()
	}
	return &Error{Op: s.op, StatusCode: s.resp.StatusCode, TraceToken: s.TraceToken,
		Err: fmt.Errorf("response body cut short after %d bytes: %w", n, s.readErr)}
}

// timedOut is the error of a request whose budget ran out.
func (s *Stream) timedOut() *Error {
	e := &Error{Op: s.op, TraceToken: s.TraceToken, Err: fmt.Errorf("timed out after %s waiting for DocuSign", s.budget.total)}
	if s.resp != nil {
		e.StatusCode = s.resp.StatusCode
	}
	return e
}

func (s *Stream) ended() bool { return s.eof || s.readErr != nil }

// readSome does one Read into the body, first making room (at least minRoom, at most limit bytes).
func (s *Stream) readSome(minRoom, limit int) {
	if len(s.body) == cap(s.body) {
		s.grow(minRoom, limit)
	}
	b := s.body
	n, err := s.resp.Body.Read(b[len(b):cap(b)])
	s.body = b[:len(b)+n]
	s.noteReadEnd(err)
}

func (s *Stream) noteReadEnd(err error) {
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.readErr = err
	}
}

// grow at least doubles the body's room, so copying stays linear in what arrived, but not beyond what
// the declared Content-Length still needs, nor limit: a Content-Length is a hint, never an allocation.
func (s *Stream) grow(minRoom, limit int) {
	room := max(2*cap(s.body), minRoom)
	if n := s.resp.ContentLength; n >= int64(len(s.body)) && n < int64(room) {
		room = int(n) + 1 // +1 so the final read sees EOF without growing
	}
	grown := make([]byte, len(s.body), min(room, limit))
	copy(grown, s.body)
	s.body = grown
}
