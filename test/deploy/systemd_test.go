// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

// Package deploy checks the deployment files under deploy/: the systemd unit with systemd-analyze
// and its example configuration with the built collector (OTELCOL_DOCUSIGN_BIN, set by `make test`).
package deploy

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-docusign/otelcol-docusign/test/testkit"
)

var (
	systemdDir  = filepath.Join("..", "..", "deploy", "systemd")
	unitPath    = filepath.Join(systemdDir, "otelcol-docusign.service")
	configPath  = filepath.Join(systemdDir, "config.yaml")
	envExample  = filepath.Join(systemdDir, "env.example")
	installedAt = "/usr/local/bin/otelcol-docusign"
)

// systemdAnalyze returns the path of systemd-analyze, skipping the test where it is missing.
func systemdAnalyze(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found (install systemd to check deploy/systemd/otelcol-docusign.service)")
	}
	return path
}

// testableUnit writes a copy of the unit whose ExecStart names an executable that exists here:
// verify refuses a unit whose binary is missing, and /usr/local/bin is not ours to fill.
func testableUnit(t *testing.T) string {
	t.Helper()
	unit, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	require.Contains(t, string(unit), "ExecStart="+installedAt+" ", "the unit runs the installed collector")
	dir := t.TempDir()
	bin := filepath.Join(dir, "otelcol-docusign")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	path := filepath.Join(dir, "otelcol-docusign.service")
	require.NoError(t, os.WriteFile(path, bytes.ReplaceAll(unit, []byte(installedAt), []byte(bin)), 0o644))
	return path
}

func TestSystemdUnitVerifies(t *testing.T) {
	analyze := systemdAnalyze(t)
	out, err := exec.Command(analyze, "verify", "--man=no", "--recursive-errors=no", testableUnit(t)).CombinedOutput()
	require.NoError(t, err, "systemd-analyze verify:\n%s", out)
	// Warnings such as an unknown key do not always fail verify; none may name the unit.
	assert.NotContains(t, string(out), "otelcol-docusign.service", "systemd-analyze verify has remarks on the unit")
}

// TestSystemdUnitIsSandboxed keeps the unit's exposure, as systemd-analyze security scores it, at most 2.0 of 10.
func TestSystemdUnitIsSandboxed(t *testing.T) {
	analyze := systemdAnalyze(t)
	out, err := exec.Command(analyze, "security", "--offline=yes", "--threshold=20", testableUnit(t)).CombinedOutput()
	require.NoError(t, err, "systemd-analyze security (exposure above 2.0):\n%s", out)
}

// TestSystemdConfigValidates runs `otelcol-docusign validate` on deploy/systemd/config.yaml with
// env.example's variables and what systemd itself provides (state and credentials directories).
func TestSystemdConfigValidates(t *testing.T) {
	bin := testkit.CollectorBinary(t)
	unit, err := os.ReadFile(unitPath)
	require.NoError(t, err)
	config, err := os.ReadFile(configPath)
	require.NoError(t, err)

	credential := regexp.MustCompile(`(?m)^LoadCredential=([^:]+):`).FindSubmatch(unit)
	require.NotNil(t, credential, "the unit loads the private key as a credential")
	assert.Contains(t, string(config), "${env:CREDENTIALS_DIRECTORY}/"+string(credential[1]), "the config reads the credential the unit loads")

	env := readEnvFile(t, envExample)
	systemdSets := map[string]bool{"STATE_DIRECTORY": true, "CREDENTIALS_DIRECTORY": true}
	for _, m := range regexp.MustCompile(`\$\{env:([A-Z0-9_]+)`).FindAllStringSubmatch(string(config), -1) {
		assert.True(t, systemdSets[m[1]] || env[m[1]] != "", "env.example sets %s, which config.yaml reads", m[1])
	}

	// systemd creates both directories before ExecStart.
	dir := t.TempDir()
	state, credentials := filepath.Join(dir, "state"), filepath.Join(dir, "credentials")
	require.NoError(t, os.Mkdir(state, 0o700))
	require.NoError(t, os.Mkdir(credentials, 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(credentials, string(credential[1])), rsaKeyPEM(t), 0o600))
	cmd := exec.Command(bin, "validate", "--config", configPath)
	cmd.Env = append(os.Environ(), "STATE_DIRECTORY="+state, "CREDENTIALS_DIRECTORY="+credentials)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "otelcol-docusign validate --config deploy/systemd/config.yaml:\n%s", out)
}

// readEnvFile reads KEY=value lines as systemd's EnvironmentFile= does for these simple values.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, "%s: %q is not KEY=value", path, line)
		env[k] = v
	}
	require.NoError(t, scanner.Err())
	return env
}

// rsaKeyPEM is a new 2048-bit RSA private key, PKCS #1 in PEM, as validate accepts it.
func rsaKeyPEM(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}
