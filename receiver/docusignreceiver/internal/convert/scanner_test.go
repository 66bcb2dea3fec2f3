// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStringScanAllPositions puts each kind of special byte at every offset of strings around
// the eight-byte scan width and compares with encoding/json, including where the input ends.
func TestStringScanAllPositions(t *testing.T) {
	specials := []string{`\"`, `\\`, `\n`, `\u00e9`, `\ud83d\ude00`, `\ud800`, "é", "😀", "\xff", "\xe2\x82", "\x01", "\x7f", "/"}
	for n := range 26 {
		for at := 0; at <= n; at++ {
			for _, sp := range specials {
				for _, tail := range []string{"", ",1]"} {
					lit := `"` + strings.Repeat("a", at) + sp + strings.Repeat("b", n-at) + `"`
					var want string
					wantErr := json.Unmarshal([]byte(lit), &want)
					var d decoder
					d.reset("test", lit+tail)
					got, ok := d.str()
					if wantErr != nil {
						assert.False(t, ok, "%q: encoding/json says %v", lit, wantErr)
						continue
					}
					require.True(t, ok, "%q: %v", lit, d.err)
					assert.Equal(t, want, got, "%q", lit)
					assert.Equal(t, len(lit), d.pos, "%q: position after the string", lit)
				}
			}
		}
	}
}

func TestUnterminatedStringAnyLength(t *testing.T) {
	for n := range 20 {
		var d decoder
		d.reset("test", `"`+strings.Repeat("x", n))
		_, ok := d.str()
		assert.False(t, ok)
		assert.ErrorContains(t, d.err, "unterminated string")
	}
}
