// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRewriteReplacesOnlyBetweenTheMarkers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	stale := "# Title\n\nbefore\n" + convert.MappingBegin + "\n| old | table |\n" + convert.MappingEnd + "\nafter\n"
	require.NoError(t, os.WriteFile(path, []byte(stale), 0o600))
	require.NoError(t, rewrite(path))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "# Title\n\nbefore\n"+convert.MappingMarkdown()+"after\n", string(got))

	require.NoError(t, rewrite(path), "a second run changes nothing")
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(got), string(again))
}

func TestRewriteWithoutMarkersFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	require.NoError(t, os.WriteFile(path, []byte("# no markers\n"), 0o600))
	assert.ErrorContains(t, rewrite(path), "no mapping markers")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "# no markers\n", string(got), "left as it was")
}
