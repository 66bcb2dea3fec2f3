// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// withBody returns the consumer every source delivers to: next itself for body: original, and for
// body: omit a consumer that empties each record's body before next sees it. One place for every
// source, Monitor, users and profiles alike.
func withBody(body string, next consumer.Logs) consumer.Logs {
	if body != bodyOmit {
		return next
	}
	return bodyOmitter{next}
}

// bodyOmitter empties the bodies of the batch it is handed, which the receiver still owns, then
// hands it on. Emptying is idempotent, so both retry paths of a refused batch stay right: resending
// the same batch (next does not mutate data) and rebuilding it from the page (next does) reach next
// without bodies alike. Capabilities are next's, which is what the sources ask to choose between them.
type bodyOmitter struct{ next consumer.Logs }

func (b bodyOmitter) Capabilities() consumer.Capabilities { return b.next.Capabilities() }

func (b bodyOmitter) ConsumeLogs(ctx context.Context, logs plog.Logs) error {
	empty := pcommon.NewValueEmpty()
	for _, rl := range logs.ResourceLogs().All() {
		for _, sl := range rl.ScopeLogs().All() {
			for _, lr := range sl.LogRecords().All() {
				empty.CopyTo(lr.Body())
			}
		}
	}
	return b.next.ConsumeLogs(ctx, logs)
}
