// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Command docusign-doctor checks the docusign receivers of a collector configuration against
// DocuSign, step by step, and prints a fix for every failure. See README: Setting up DocuSign.
package main

import (
	"os"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/doctor"
)

func main() {
	os.Exit(doctor.Main(os.Args[1:], os.Stdout, os.Stderr))
}
