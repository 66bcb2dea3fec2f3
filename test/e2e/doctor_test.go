// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"
	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

// runDoctor runs the built doctor on the demo configuration, its variables pointing at srv.
func runDoctor(t *testing.T, bin string, srv *docusigntest.Server, args ...string) (int, string, string) {
	t.Helper()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "private.pem")
	require.NoError(t, os.WriteFile(keyPath, srv.PrivateKeyPEM(), 0o600))
	cmd := exec.Command(bin, append([]string{"--config", filepath.Join("..", "..", "examples", "demo", "config.yaml")}, args...)...)
	cmd.Env = append(os.Environ(),
		"DOCUSIGN_INTEGRATION_KEY="+srv.IntegrationKey(), "DOCUSIGN_USER_ID="+srv.UserID(),
		"DOCUSIGN_PRIVATE_KEY_FILE="+keyPath, "DOCUSIGN_AUTH_ENDPOINT="+srv.URL(),
		"DOCUSIGN_MONITOR_ENDPOINT="+srv.URL(), "DOCUSIGN_USERS_ENDPOINT="+srv.URL()+"/management",
		"DOCUSIGN_ORGANIZATION_ID="+srv.OrganizationID(), "DOCUSIGN_ACCOUNT_ID="+srv.AccountID(),
		"DOCUSIGN_DEMO_STORAGE="+filepath.Join(dir, "storage"),
		"DOCUSIGN_START_TIME="+time.Now().UTC().Add(-time.Hour).Format(time.RFC3339))
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return code, out.String(), errOut.String()
}

// The built doctor on the demo configuration `make run` uses: every check green, as text and JSON;
// a DocuSign refusal fails it with exit status 1; a bad flag cannot run, exit status 2.
func TestDoctorBinaryOnTheDemoConfiguration(t *testing.T) {
	bin := testkit.DoctorBinary(t)
	srv := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(srv.Close)
	srv.AddUsers(5)

	code, out, errOut := runDoctor(t, bin, srv)
	require.Equal(t, 0, code, out+errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 11, out)
	assert.Equal(t, "docusign", lines[0])
	for _, l := range lines[1:] {
		assert.True(t, strings.HasPrefix(l, "  ✔ "), "green: %s", l)
	}

	code, out, _ = runDoctor(t, bin, srv, "--json")
	require.Equal(t, 0, code)
	var findings []struct{ Receiver, Check, Status, Detail, Fix string }
	require.NoError(t, json.Unmarshal([]byte(out), &findings))
	require.Len(t, findings, 10)
	for _, f := range findings {
		assert.Equal(t, "ok", f.Status, "%s: %s", f.Check, f.Detail)
		assert.Empty(t, f.Fix)
	}

	srv.SetConsentRequired(true)
	code, out, _ = runDoctor(t, bin, srv)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "  ✘ token        consent_required")
	assert.Contains(t, out, "      fix: open this link signed in as the user to impersonate")

	code, _, errOut = runDoctor(t, bin, srv, "--no-such-flag")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "usage: docusign-doctor")

	version, err := exec.Command(bin, "--version").Output()
	require.NoError(t, err)
	assert.Equal(t, "docusign-doctor 0.1.0\n", string(version))
}
