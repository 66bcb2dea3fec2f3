// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeMappingTablesAreGenerated: README's mapping tables are exactly what the declarations
// render, so a change to either side alone fails here.
func TestReadmeMappingTablesAreGenerated(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "README.md"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), MappingMarkdown()),
		"README.md's mapping tables differ from the *_mapping.go declarations: change the declarations, then run go generate ./receiver/docusignreceiver/internal/convert")
	assert.Equal(t, 1, strings.Count(string(readme), MappingBegin), "one generated block")
}

// TestMappingTablesNameEveryAttribute: each attribute a rule writes has a row of its own, named
// as the record carries it.
func TestMappingTablesNameEveryAttribute(t *testing.T) {
	md := MappingMarkdown()
	for _, m := range []*mapping{&monitorMapping, &userMapping, &profileChangeMapping} {
		assert.Contains(t, md, "`"+m.eventName+"`")
		for _, r := range m.attrs {
			assert.Contains(t, md, "| "+codes(r.keys)+" | ", "row of %v", r.keys)
		}
	}
	for _, m := range []*identityMapping{&actorIdentity, &targetIdentity} {
		for _, r := range m.attrs {
			assert.Contains(t, md, "| "+codes(r.keys)+" | "+m.role+"'s (`"+m.user+"`) user record: ", "row of %v", r.keys)
		}
	}
	for _, r := range profileAttributes {
		assert.Contains(t, md, "| "+codes(r.keys)+" | ", "row of %v", r.keys)
	}
	for _, f := range profileSecurity {
		assert.Contains(t, md, "`"+f.attr+"`", "watched %s", f.attr)
	}
	assert.Contains(t, md, "| `"+AttrDocuSignUserChanged+"` | ")
}
