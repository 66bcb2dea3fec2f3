// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package testkit holds the helpers the test packages under test/ share: the built binaries that
// `make test` names in the environment, a free local port, and the collector's own OTLP receiver run
// in the test's process.
package testkit

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// CollectorBinary returns the built collector (OTELCOL_DOCUSIGN_BIN), skipping outside `make test`
// but failing in CI.
func CollectorBinary(t *testing.T) string {
	t.Helper()
	return Binary(t, "OTELCOL_DOCUSIGN_BIN", "collector")
}

// DoctorBinary returns the built doctor (DOCUSIGN_DOCTOR_BIN), skipping outside `make test` but
// failing in CI.
func DoctorBinary(t *testing.T) string {
	t.Helper()
	return Binary(t, "DOCUSIGN_DOCTOR_BIN", "doctor")
}

// Binary returns the built binary that envVar names, what being its name in messages: it skips the
// test where envVar is unset, fails it where CI is set too, and fails it where the file is missing.
func Binary(t *testing.T, envVar, what string) string {
	t.Helper()
	bin := os.Getenv(envVar)
	if bin == "" {
		if os.Getenv("CI") != "" {
			t.Fatal(envVar + " is not set; run `make test`")
		}
		t.Skip(envVar + " not set; `make test` builds the " + what + " and runs this test")
	}
	_, err := os.Stat(bin)
	require.NoError(t, err, what+" binary")
	return bin
}
