// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package convert turns DocuSign Monitor stream pages and Admin API user records into pdata log
// records. It knows DocuSign's field names and nothing of HTTP or checkpoints.
//
// What a record carries is declared as tables, one file per source: monitor_mapping.go,
// user_mapping.go and profile_mapping.go, in the vocabulary of rules.go; identity_mapping.go
// declares what the users inventory adds to a Monitor record. README's mapping tables are
// generated from them (go generate; a test fails when README is stale). The rest is machinery
// that reads those tables without knowing DocuSign: scan.go and tape.go tokenize, step.go steps
// over values, pdata.go builds bodies and attributes, capture.go and derive.go evaluate a mapping,
// digest.go digests users, identity.go enriches Monitor records, profile.go and
// profile_encoding.go decode, compare and keep admin profiles.
package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

//go:generate go run ./cmd/mappingdoc -readme ../../../../README.md
