// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package stream // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/stream"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/redact"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

const (
	// maxPeekBytes is how much of a body is searched for a leading endCursor before waiting for the whole.
	maxPeekBytes = 4 << 10
	// limitRegrowPages is how many pages must fit before a reduced limit doubles again.
	limitRegrowPages = 4
	// op names stream requests in errors and telemetry.
	op = "monitor stream"
)

// fetch follows endCursor until the walk ends and hands the pages over in order, each read in full.
// Besides the page the converter has, it holds at most one read page waiting for the converter,
// and the request chain one opened response with its body unread, however slow conversion is. A
// page larger than api.MaxPageBytes is asked for again with half the limit.
func (r *Reader) fetch(ctx context.Context, cursor string, out chan<- *Page, fail func(error)) {
	defer close(out)
	w := newWalk(cursor)
	for {
		again, ok := r.chain(ctx, cursor, w, out, fail)
		if !ok {
			return
		}
		cursor = again
	}
}

// chain hands over the pages of one request chain from cursor. It returns the cursor to ask for
// again (with the smaller limit now set), or ok=false when the pass is over.
func (r *Reader) chain(ctx context.Context, cursor string, w *walk, out chan<- *Page, fail func(error)) (again string, ok bool) {
	chainCtx, stopChain := context.WithCancel(ctx)
	opened := make(chan *Page)
	resume := make(chan string)
	var requests sync.WaitGroup
	source.Go(&requests, fail, func() { r.request(chainCtx, cursor, opened, resume) })
	defer func() { // the chain closes the response it opened ahead, if any
		stopChain()
		requests.Wait()
	}()
	for p := range opened {
		if smaller := r.read(p); smaller {
			return p.Cursor, true
		}
		if p.err == nil {
			p.Last = w.next(p.Cursor, p.EndCursor)
		}
		if p.err == nil && p.Last == "" && !p.peeked { // endCursor came after the events: tell the chain
			select {
			case resume <- p.EndCursor:
			case <-ctx.Done():
				p.Release()
				return "", false
			}
		}
		last := p.err != nil || p.Last != "" // read before the hand-over: the converter owns p after it
		select {
		case out <- p:
		case <-ctx.Done():
			p.Release()
			return "", false
		}
		if last {
			return "", false
		}
	}
	return "", false
}

// request opens page after page at the pace of the network: the request for the next page goes out
// as soon as the top of this page's body names it, with no hand-over in between. It waits after a
// page without a leading cursor until resume says where to go on ("" or closed: nowhere), and while
// the reader has not taken the page it opened. It follows the same walk as the reader, so it never
// asks for a page the reader will not take. It closes opened when it ends.
func (r *Reader) request(ctx context.Context, cursor string, opened chan<- *Page, resume <-chan string) {
	defer close(opened)
	w := newWalk(cursor)
	for {
		p := r.open(ctx, cursor)
		failed, peeked, next := p.err != nil, p.peeked, p.EndCursor // the reader owns p once it has it
		select {
		case opened <- p:
		case <-ctx.Done():
			p.closeResponse()
			return
		}
		switch {
		case failed:
			return
		case peeked:
			if next == "" || next == cursor || w.next(cursor, next) != "" {
				return
			}
			cursor = next
			continue
		}
		select {
		case c, ok := <-resume:
			if !ok || c == "" {
				return
			}
			w.next(cursor, c) // the reader's walk agreed
			cursor = c
		case <-ctx.Done():
			return
		}
	}
}

// open requests the page at cursor and reads the top of its body for the endCursor.
func (r *Reader) open(ctx context.Context, cursor string) *Page {
	p := &Page{Cursor: cursor, limit: int(r.limit.Load()), RequestedAt: r.clock.Now()}
	p.response, p.err = r.client.Open(ctx, op, r.url(cursor, p.limit))
	if p.err == nil {
		p.Trace = p.response.TraceToken
		p.EndCursor, p.peeked = peekEndCursor(p.response)
	}
	return p
}

// peekEndCursor reads just enough of the response to find an endCursor at the top of the page;
// found is false when the page starts with something else (the whole body then says).
func peekEndCursor(s *api.Stream) (cursor string, found bool) {
	s.Peek(func(prefix []byte) bool {
		c, ok, err := convert.SkimEndCursor(prefix)
		if err == nil { // a complete answer: the cursor, or none at the top level
			cursor, found = c, true
			_ = ok // a null or missing endCursor is "" either way
			return true
		}
		return len(prefix) >= maxPeekBytes
	})
	return cursor, found
}

// read reads the whole page and closes its response. Over api.MaxPageBytes it halves the limit
// (smaller: ask again), or at limit 1 skims the one event's response for the cursor after it, to
// skip that event.
func (r *Reader) read(p *Page) (smaller bool) {
	if p.err != nil {
		return false
	}
	var skim *convert.StreamSkimmer
	var overflow io.Writer // nil at limit > 1: a page over the cap is cut off and asked for again
	if p.limit <= 1 {
		skim = convert.NewStreamSkimmer()
		overflow = skim
	}
	resp, err := p.response.ReadAll(overflow)
	p.response = nil
	switch {
	case err == nil:
		p.body, p.release = resp.Body, resp.Release
		if !p.peeked { // the only time endCursor is read apart from the top of the body
			p.EndCursor, _, err = convert.SkimEndCursor(resp.Body)
			if err != nil {
				p.err = fmt.Errorf("monitor stream: response is not a stream page (trace token %s): %w; body starts %q",
					p.Trace, err, redact.Snippet(resp.Body))
			}
		}
		r.regrow()
	case !errors.Is(err, api.ErrTooLarge):
		p.err = err
	case skim != nil:
		r.skip(p, skim, err)
	default:
		limit := max(p.limit/2, 1)
		r.limit.Store(int32(limit))
		r.fitPages = 0
		r.telemetry.Anomaly("oversized_page")
		r.logger.Warn("Monitor page larger than the page cap; asking again with a smaller limit",
			zap.String("cursor", p.Cursor), zap.Int("limit", limit), zap.Int("max_bytes", api.MaxPageBytes))
		return true
	}
	return false
}

// regrow doubles a reduced limit back towards the page size once pages fit again.
func (r *Reader) regrow() {
	limit := int(r.limit.Load())
	if limit >= r.pageSize {
		return
	}
	if r.fitPages++; r.fitPages >= limitRegrowPages {
		r.limit.Store(int32(min(2*limit, r.pageSize)))
		r.fitPages = 0
	}
}

// skip turns the response of one event larger than api.MaxPageBytes into a page that delivers
// nothing and moves on to the cursor after it, named by the top of the body or found by the skim.
func (r *Reader) skip(p *Page, skim *convert.StreamSkimmer, tooLarge error) {
	if !p.peeked {
		p.EndCursor, _ = skim.Cursor()
	}
	if p.CaughtUp() {
		p.err = fmt.Errorf("monitor stream: the event at cursor %q is larger than %d bytes and its response names no endCursor to skip it by: %w",
			p.Cursor, api.MaxPageBytes, tooLarge)
		return
	}
	id, ts := skim.FirstEvent()
	p.Skipped = &Skipped{EventID: id, Timestamp: ts}
}

// pageError names the page an error is about.
func pageError(p *Page, what string, err error) error {
	return fmt.Errorf("monitor stream: page from cursor %q %s (trace token %s): %w", p.Cursor, what, p.Trace, err)
}
