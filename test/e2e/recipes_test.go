// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
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
