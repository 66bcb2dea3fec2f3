// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package stream reads a DocuSign cursor stream — Monitor's lens stream or the organisation stream —
// as a pipeline: fetch page N+1 ‖ convert page N ‖ deliver page N−1, one goroutine each, pages in
// order. It knows the paging protocol (endCursor, caught up, cycles, oversized pages); what a page's
// delivery means is the caller's.
package stream // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/stream"

import (
	"context"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"
)

// Reader reads one stream.
type Reader struct {
	client    *api.Client
	url       func(cursor string, limit int) string
	pageSize  int
	newBatch  func() (plog.Logs, plog.LogRecordSlice)
	keepBody  func() bool // pages keep their bodies until delivered, for Page.Reconvert
	enrich    func(plog.LogRecordSlice, []convert.EventRef)
	clock     source.Clock
	logger    *zap.Logger
	telemetry source.Telemetry

	// limit is the page size asked for: pageSize, halved while pages exceed api.MaxPageBytes and
	// doubled back after limitRegrowPages pages that fit. Read by the request goroutine.
	limit    atomic.Int32
	fitPages int
	// spareRefs recycles EventRef slices from delivered pages back to the converter.
	spareRefs chan []convert.EventRef
}

// Config is what a Reader needs: the API, how to ask for a page, and the source's deps.
type Config struct {
	URL      func(cursor string, limit int) string
	PageSize int
	Deps     source.Deps
	// Enrich, when set, adds to each converted page's records (one EventRef per record) in the
	// converter's goroutine, off the delivery path.
	Enrich func(records plog.LogRecordSlice, refs []convert.EventRef)
}

// NewReader returns a Reader for the stream cfg.URL builds requests for.
func NewReader(cfg Config) *Reader {
	r := &Reader{
		client: cfg.Deps.Client, url: cfg.URL, pageSize: cfg.PageSize, newBatch: cfg.Deps.NewBatch,
		keepBody: cfg.Deps.Deliver.MutatesData, clock: cfg.Deps.Clock, logger: cfg.Deps.Logger,
		telemetry: cfg.Deps.Telemetry, spareRefs: make(chan []convert.EventRef, 2), enrich: cfg.Enrich,
	}
	r.limit.Store(int32(cfg.PageSize))
	return r
}

// Deliver consumes and checkpoints one converted page. A failing consume may be retried inside it
// after calling stopAhead (the pages behind it are then stale); it returns retried=true so the pass
// starts again from the new checkpoint.
type Deliver func(ctx context.Context, p *Page, stopAhead func()) (retried bool, err error)

// Drain reads from cursor until caught up, handing every page to deliver in order; more asks for the
// next poll at once (source.MaxPagesPerPoll reached).
func (r *Reader) Drain(ctx context.Context, cursor func() string, deliver Deliver) (more bool, err error) {
	for {
		restart, more, err := r.pass(ctx, cursor(), deliver)
		if err != nil || !restart {
			return more, err
		}
	}
}

// pass runs the pipeline once from cursor. Memory is bounded: two bodies read in full (one
// converting, one waiting), one response opened ahead with its body unread, and two converted pages
// (one being delivered, one waiting), which keep their bodies too when the pipeline mutates data. A
// panic in a stage stops the pass and is returned.
func (r *Reader) pass(ctx context.Context, cursor string, deliver Deliver) (restart, more bool, err error) {
	pipeCtx, cancel := context.WithCancel(ctx)
	var failOnce sync.Once
	var failed error
	fail := func(err error) {
		failOnce.Do(func() { failed = err })
		cancel()
	}
	fetched := make(chan *Page)
	converted := make(chan *Page)
	var wg sync.WaitGroup
	source.Go(&wg, fail, func() { r.fetch(pipeCtx, cursor, fetched, fail) })
	source.Go(&wg, fail, func() { r.convertAll(pipeCtx, fetched, converted) })
	defer func() {
		cancel()
		wg.Wait()
		if failed != nil {
			restart, more, err = false, false, failed
		}
	}()
	for p := range converted {
		if p.err != nil {
			return false, false, p.err
		}
		if ctx.Err() != nil { // shutting down: this page is delivered by the next run
			return false, false, ctx.Err()
		}
		retried, err := deliver(ctx, p, cancel)
		r.recycle(p)
		switch {
		case err != nil:
			return false, false, err
		case retried:
			return true, false, nil
		case len(p.Refs) == 0 && p.Skipped == nil: // no events: caught up, whatever the cursor says
			return false, false, nil
		case p.Last != "":
			return false, p.Last == LastPageCap, nil
		}
	}
	return false, false, nil
}

// recycle hands a delivered page's buffers back.
func (r *Reader) recycle(p *Page) {
	p.Release()
	if p.Refs != nil {
		select {
		case r.spareRefs <- p.Refs[:0]: // the delivery keeps only the id strings
		default:
		}
	}
}

// convertAll turns fetched pages into pdata in order; errors pass through to delivery.
func (r *Reader) convertAll(ctx context.Context, in <-chan *Page, out chan<- *Page) {
	defer close(out)
	for p := range in {
		if ctx.Err() != nil { // stopped: an unconverted page must never reach delivery
			p.Release()
			return
		}
		if p.err == nil && p.Skipped == nil {
			r.convert(p)
		}
		select {
		case out <- p:
		case <-ctx.Done():
			p.Release()
			return
		}
	}
}

// convert decodes p into a fresh batch with the receiver's resource and scope. When the pipeline may
// change what it is given, the body stays with the page until it is delivered (see Page.Reconvert);
// otherwise its buffer serves the next fetch at once.
func (r *Reader) convert(p *Page) {
	logs, records := r.newBatch()
	var refs []convert.EventRef
	select {
	case refs = <-r.spareRefs:
	default:
	}
	p.observed = pcommon.NewTimestampFromTime(r.clock.Now())
	_, refs, stats, err := convert.AppendMonitorPage(p.body, records, p.observed, refs)
	if err != nil { // the error may quote the body: keep its buffer until the page is dropped
		p.err = pageError(p, "cannot be decoded", err)
		return
	}
	p.Logs, p.Records, p.Refs, p.Stats = logs, records, refs, stats
	if r.enrich != nil {
		r.enrich(records, refs)
	}
	if !r.keepBody() {
		p.Release()
	}
}
