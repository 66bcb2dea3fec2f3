// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package stream // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/stream"

import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/source"

// walk decides, page by page, whether one pass goes on: not past a caught-up page, not back to a
// cursor it already read (a cycle), not beyond source.MaxPagesPerPoll.
type walk struct {
	read  map[string]bool
	pages int
}

func newWalk(first string) *walk { return &walk{read: map[string]bool{first: true}} }

// next records a page read with cursor that names next, and says why the pass ends there ("" to go on).
func (w *walk) next(cursor, next string) string {
	w.pages++
	switch {
	case next == "" || next == cursor:
		return LastCaughtUp
	case w.read[next]:
		return LastCursorCycle
	case w.pages >= source.MaxPagesPerPoll:
		return LastPageCap
	}
	w.read[next] = true
	return ""
}
