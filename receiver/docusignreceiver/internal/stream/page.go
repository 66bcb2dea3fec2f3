// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package stream // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/stream"

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/api"
	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

// Page is one stream page from its request to its checkpoint: opened, read, converted, delivered.
type Page struct {
	Cursor      string    // the cursor it was requested with
	RequestedAt time.Time // a caught-up page says the stream is complete until then
	EndCursor   string    // "" when DocuSign sent none
	Trace       string    // X-DocuSign-TraceToken
	// Last says why the pass ends at this page: "" (it does not), LastCaughtUp, or an anomaly.
	Last string
	// Skipped is set for one event larger than api.MaxPageBytes: there is nothing to deliver.
	Skipped *Skipped

	Logs    plog.Logs
	Records plog.LogRecordSlice
	Refs    []convert.EventRef // one per record, in page order
	Stats   convert.PageStats

	limit    int
	response *api.Stream // opened, body not yet read
	peeked   bool        // EndCursor was read off the top of the body
	body     []byte
	release  func()
	observed pcommon.Timestamp
	err      error
}

// Skipped is what could be learned of an event too large to hold, for the log line.
type Skipped struct {
	EventID, Timestamp string
}

// Why a pass ends at a page.
const (
	LastCaughtUp    = "caught_up"
	LastCursorCycle = "cursor_cycle" // EndCursor names a page this pass already read
	LastPageCap     = "page_cap"     // source.MaxPagesPerPoll reached: the next poll goes on at once
)

// CaughtUp reports that the page names no further page.
func (p *Page) CaughtUp() bool { return p.EndCursor == "" || p.EndCursor == p.Cursor }

// Reconvert decodes the page's body again into a fresh batch, for a retry the pipeline may have
// changed the first batch of. ok is false when the body was already released (the pipeline does not
// mutate data: resend the batch as it was).
func (p *Page) Reconvert(newBatch func() (plog.Logs, plog.LogRecordSlice)) (logs plog.Logs, records plog.LogRecordSlice, refs []convert.EventRef, ok bool) {
	if p.body == nil {
		return plog.Logs{}, plog.LogRecordSlice{}, nil, false
	}
	logs, records = newBatch()
	_, refs, _, _ = convert.AppendMonitorPage(p.body, records, p.observed, nil) // the same bytes decoded once already
	return logs, records, refs, true
}

// Release hands the page's body buffer back for the next fetch.
func (p *Page) Release() {
	if p.release != nil {
		p.release()
	}
	p.body, p.release = nil, nil
}

// closeResponse abandons a page opened but not read.
func (p *Page) closeResponse() {
	if p.response != nil {
		p.response.Close()
		p.response = nil
	}
}
