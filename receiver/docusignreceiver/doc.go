//go:generate go tool mdatagen metadata.yaml

// Package docusignreceiver implements an OpenTelemetry Collector logs receiver that polls DocuSign
// Monitor customer events and Admin API organisation users.
package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"
