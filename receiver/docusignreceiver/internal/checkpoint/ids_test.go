// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestParseGUIDOnlyCanonical: an id with stray dashes, upper case or braces is not a GUID, so it
// cannot share a packed form with the canonical GUID its hex digits spell.
func TestParseGUIDOnlyCanonical(t *testing.T) {
	for _, tc := range []struct {
		id   string
		guid bool
	}{
		{"7d9b0f1e-2243-3384-4455-556666777700", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"7d9b0f1e--22--4333-8444-555566667777", false},
		{"7d9b0f1e-2222-4333-8444-55556666777-", false},
		{"-7d9b0f1-2222-4333-8444-555566667777", false},
		{"7D9B0F1E-2243-3384-4455-556666777700", false},
		{"7d9b0f1e-2243-3384-4455-55666677770G", false},
		{"{7d9b0f1e-2243-3384-4455-556666777700}", false},
		{"7d9b0f1e224333844455556666777700", false},
		{"7d9b0f1e-2243-3384-4455-5566667777000", false},
		{"", false},
	} {
		g, ok := parseGUID(tc.id)
		assert.Equal(t, tc.guid, ok, tc.id)
		if ok {
			assert.Equal(t, tc.id, formatGUID(g), "round trip")
		}
	}
}
