// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package checkpoint is the only way the receiver saves state. A Store is the one handle on the
// collector's storage client: every source gets a namespace of it, writes go through it in one
// bounded batch that a shutdown under way does not cancel, and closing it never pulls the client
// from under a write still running. In a namespace live typed, versioned records (Record), a
// compact ring of recent ids written a slot at a time (Ring) and a keyed table persisted as a
// snapshot plus deltas (Log). The package knows nothing of DocuSign.
package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"
