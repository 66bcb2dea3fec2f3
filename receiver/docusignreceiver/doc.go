// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

//go:generate go tool mdatagen metadata.yaml

// Package docusignreceiver implements an OpenTelemetry Collector logs receiver that polls DocuSign
// Monitor customer events and Admin API organisation users.
package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"
