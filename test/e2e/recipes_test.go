// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// recipe is the path of a configuration under examples/, as a user would copy it.
func recipe(t *testing.T, parts ...string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	path := filepath.Join(append([]string{filepath.Dir(file), "..", "..", "examples"}, parts...)...)
	_, err := os.Stat(path)
	require.NoError(t, err, "recipe")
	return path
}

// writeOverlay writes the test's changes to a recipe (the fakes' endpoints, a temporary storage
// directory, short intervals); the collector merges it over the recipe, given as a second --config.
func writeOverlay(t *testing.T, dir, yaml string) string {
	t.Helper()
	path := filepath.Join(dir, "overlay.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	return path
}

// startOTLPHTTPReceiver runs the collector's own OTLP receiver in this process, over HTTP, and
// returns the base URL an otlp_http exporter takes.
func startOTLPHTTPReceiver(t *testing.T, sink consumer.Logs) string {
	t.Helper()
	endpoint := freePort(t)
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	require.NoError(t, confmap.NewFromStringMap(map[string]any{
		"protocols": map[string]any{"http": map[string]any{"endpoint": endpoint}},
	}).Unmarshal(cfg))
	rcv, err := factory.CreateLogs(context.Background(), receivertest.NewNopSettings(factory.Type()), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return "http://" + endpoint
}
