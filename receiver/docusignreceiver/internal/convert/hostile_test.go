// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// minimalEvent is a valid event with the given extra members (each starting with a comma).
func minimalEvent(id, extra string) string {
	return `{"timestamp":"2026-10-02T14:11:00Z","eventId":"` + id + `"` + extra + `}`
}

// TestCoordinatesMustBeFiniteAndInRange (defect 9): NaN, infinities and out-of-range values,
// as numbers or numeric strings, nested or flattened, give no coordinate attribute; the record is
// flagged naming the field, and the body keeps the value as sent.
func TestCoordinatesMustBeFiniteAndInRange(t *testing.T) {
	latAttrs := []string{AttrXDMSourceLocLatitude, AttrGeoLocationLat}
	lonAttrs := []string{AttrXDMSourceLocLongitude, AttrGeoLocationLon}
	tests := []struct {
		name     string
		extra    string
		lat, lon any      // float64 = both attributes of that coordinate carry it; nil = absent
		flags    []string // substrings of docusign.conversion.error; none = not flagged
		bodyPath []string // a body value that must be kept as a string …
		bodyStr  string   // … equal to this
	}{
		{"nested NaN string", `,"ipAddressLocation":{"latitude":"NaN","longitude":4.89}`, nil, 4.89,
			[]string{"ipAddressLocation.latitude is not a number"}, []string{"ipAddressLocation", "latitude"}, "NaN"},
		{"nested Infinity string", `,"ipAddressLocation":{"latitude":52.37,"longitude":"Infinity"}`, 52.37, nil,
			[]string{"ipAddressLocation.longitude is not a number"}, []string{"ipAddressLocation", "longitude"}, "Infinity"},
		{"nested -Inf string", `,"ipAddressLocation":{"latitude":"-Inf","longitude":"-inf"}`, nil, nil,
			[]string{"ipAddressLocation.latitude is not a number", "ipAddressLocation.longitude is not a number"}, nil, ""},
		{"flattened nan and +Inf", `,"latitude":"nan","longitude":"+Inf"`, nil, nil,
			[]string{"latitude is not a number", "longitude is not a number"}, []string{"latitude"}, "nan"},
		{"hexadecimal string", `,"latitude":"0x1p4"`, nil, nil, []string{"latitude is not a number"}, nil, ""},
		{"latitude above 90", `,"ipAddressLocation":{"latitude":90.5,"longitude":10}`, nil, 10.0,
			[]string{"ipAddressLocation.latitude is out of range"}, nil, ""},
		{"latitude below -90 as string", `,"latitude":"-91"`, nil, nil, []string{"latitude is out of range"}, []string{"latitude"}, "-91"},
		{"longitude above 180", `,"latitude":1,"longitude":180.0001`, 1.0, nil, []string{"longitude is out of range"}, nil, ""},
		{"longitude below -180 as string", `,"ipAddressLocation":{"longitude":"-181"}`, nil, nil,
			[]string{"ipAddressLocation.longitude is out of range"}, nil, ""},
		{"beyond float64", `,"latitude":1e400,"longitude":"-1e400"`, nil, nil,
			[]string{"latitude is out of range", "longitude is out of range"}, nil, ""},
		{"huge but finite", `,"latitude":1e308`, nil, nil, []string{"latitude is out of range"}, nil, ""},
		{"bounds are valid", `,"latitude":-90,"longitude":"180"`, -90.0, 180.0, nil, nil, ""},
		{"other bounds are valid", `,"ipAddressLocation":{"latitude":"90","longitude":-180}`, 90.0, -180.0, nil, nil, ""},
		{"negative zero and exponent string", `,"latitude":"-0","longitude":"1.5e1"`, 0.0, 15.0, nil, nil, ""},
		{"bad nested falls back to a good flattened value", `,"ipAddressLocation":{"latitude":"NaN"},"latitude":"12.5"`, 12.5, nil,
			[]string{"ipAddressLocation.latitude is not a number"}, nil, ""},
		{"good nested wins over bad flattened", `,"ipAddressLocation":{"latitude":12.5},"latitude":"NaN"`, 12.5, nil, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := `{"data":[` + minimalEvent("e-1", tt.extra) + `]}`
			lrs, _, refs, stats := convertPage(t, []byte(page))
			require.Equal(t, 1, lrs.Len())
			lr := lrs.At(0)
			assert.Equal(t, "e-1", refs[0].ID)
			w := wantRecord{attrs: map[string]any{}, flags: tt.flags}
			for _, c := range []struct {
				want  any
				attrs []string
			}{{tt.lat, latAttrs}, {tt.lon, lonAttrs}} {
				if c.want == nil {
					w.absent = append(w.absent, c.attrs...)
					continue
				}
				for _, k := range c.attrs {
					w.attrs[k] = c.want
				}
			}
			checkAttrs(t, lr.Attributes(), w)
			assert.Equal(t, len(tt.flags) > 0, stats.Flagged == 1, "flag counted")
			if tt.bodyPath != nil {
				v := bodyGet(t, lr.Body().Map(), tt.bodyPath...)
				assert.Equal(t, pcommon.ValueTypeStr, v.Type())
				assert.Equal(t, tt.bodyStr, v.Str(), "the body keeps the value as sent")
			}
			want := stdlibBody(t, []byte(minimalEvent("e-1", tt.extra)))
			assert.True(t, want.Equal(lr.Body().Map()), "body as sent: %v", lr.Body().Map().AsRaw())
		})
	}
}
