// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
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

// nested returns a value nested n levels deep: n-1 arrays around an empty array, inside key "x"
// of an object when obj is set (so the object is the first of the n levels).
func nested(n int, obj bool) string {
	if obj {
		return `{"x":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}`
	}
	return strings.Repeat("[", n) + strings.Repeat("]", n)
}

// TestOneBadEventDoesNotFailThePage (defect 10): an event that cannot be tokenized but whose
// extent is clear is kept as its raw text, flagged with why, and the page goes on.
func TestOneBadEventDoesNotFailThePage(t *testing.T) {
	deepEvent := `{"eventId":"deep","timestamp":"2026-10-02T14:11:00Z","data":` + nested(600, true) + `}`
	tests := []struct {
		name, bad string
		flag      string // the conversion error of the bad event's record
		body      string // its body; "" = bad itself
	}{
		{"nested deeper than 512 levels", deepEvent, "event nested deeper than 512 levels", ""},
		{"an array 513 levels deep", nested(513, false), "event nested deeper than 512 levels", ""},
		{"an object 513 levels deep", nested(513, true), "event nested deeper than 512 levels", ""},
		{"leading zero", `{"a":01}`, "event is not valid JSON: expected ',' or '}' after object member at byte offset 6 of the event", ""},
		{"missing colon", `{"a" 1}`, "event is not valid JSON: expected ':' after object key at byte offset 5 of the event", ""},
		{"bad literal", `{"a":tru}`, "event is not valid JSON: invalid literal at byte offset 5 of the event", ""},
		{"bad escape", `{"a":"\q"}`, "event is not valid JSON: invalid escape in string at byte offset 6 of the event", ""},
		{"control character", "{\"a\":\"x\x01\"}", "event is not valid JSON: control character in string at byte offset 7 of the event", ""},
		{"trailing comma in the event", `{"a":1,}`, "event is not valid JSON: expected string key at byte offset 7 of the event", ""},
		{"brackets and quotes in strings", `{"a":"]},\"[{",b}`, "event is not valid JSON: expected string key", ""},
		{"a bare word", `tru`, "event is not valid JSON: invalid literal at byte offset 0 of the event", ""},
		{"a number without digits", `-`, "event is not valid JSON: expected a JSON value at byte offset 0 of the event", ""},
		{"invalid UTF-8 kept as U+FFFD", "{\"a\":\"\xff\",}", "event is not valid JSON", "{\"a\":\"\uFFFD\",}"},
	}
	good1, good2 := minimalEvent("good-1", `,"latitude":1`), minimalEvent("good-2", "")
	for _, tt := range tests {
		for _, key := range []string{"data", "resultData"} {
			t.Run(tt.name+"/"+key, func(t *testing.T) {
				page := `{"endCursor":"c",` + strconv.Quote(key) + `: [` + good1 + ",\n " + tt.bad + " , " + good2 + `]}`
				lrs, cursor, refs, stats := convertPage(t, []byte(page))
				assert.Equal(t, "c", cursor)
				require.Equal(t, 3, lrs.Len())
				assert.Equal(t, PageStats{Events: 3, Flagged: 1}, stats)
				assert.Equal(t, []string{"good-1", "", "good-2"}, []string{refs[0].ID, refs[1].ID, refs[2].ID})
				checkRecord(t, lrs.At(0), refs[0], wantRecord{ts: utc(2026, 10, 2, 14, 11, 0, 0), sev: plog.SeverityNumberInfo,
					refID: "good-1", attrs: map[string]any{AttrGeoLocationLat: 1.0}})
				checkRecord(t, lrs.At(2), refs[2], wantRecord{ts: utc(2026, 10, 2, 14, 11, 0, 0), sev: plog.SeverityNumberInfo, refID: "good-2"})

				body := tt.body
				if body == "" {
					body = tt.bad
				}
				checkRecord(t, lrs.At(1), refs[1], wantRecord{bodyStr: body, flags: []string{tt.flag}, exact: true, attrs: map[string]any{}})
				bad := lrs.At(1)
				assert.Zero(t, bad.SeverityNumber())
				assert.Empty(t, bad.SeverityText())
			})
		}
	}
}

// TestDeepValidJSONOutsideEventsIsFine: nesting only limits what is turned into pdata; a deep
// member the page decoder steps over does not fail the page.
func TestDeepValidJSONOutsideEventsIsFine(t *testing.T) {
	page := `{"meta":` + nested(5000, true) + `,"data":[` + minimalEvent("e-1", "") + `],"endCursor":"c","more":` + nested(5000, false) + `}`
	lrs, cursor, refs, _ := convertPage(t, []byte(page))
	assert.Equal(t, "c", cursor)
	assert.Equal(t, 1, lrs.Len())
	assert.Equal(t, "e-1", refs[0].ID)
}

// TestNestingLimitIsPerEvent: an event nested exactly 512 levels is converted in full.
func TestNestingLimitIsPerEvent(t *testing.T) {
	page := `{"data":[` + `{"eventId":"e-512","timestamp":"2026-10-02T14:11:00Z","x":` + nested(511, false) + `}]}`
	lrs, _, refs, stats := convertPage(t, []byte(page))
	assert.Equal(t, PageStats{Events: 1}, stats)
	assert.Equal(t, "e-512", refs[0].ID)
	assert.Equal(t, pcommon.ValueTypeMap, lrs.At(0).Body().Type())
}

// TestStructuralDamageStillFailsThePage: when an event's extent cannot be found (truncation,
// unbalanced brackets, garbage between events), the page fails as a whole and dst is untouched.
func TestStructuralDamageStillFailsThePage(t *testing.T) {
	good := minimalEvent("good", "")
	tests := []struct{ name, page, msg string }{
		{"truncated inside an event", `{"data":[` + good + `,{"a":"abc`, "unterminated string"},
		{"truncated after an event", `{"data":[` + good + `,{"a":1}`, "expected ',' or ']'"},
		{"truncated deep event", `{"data":[` + good + `,` + strings.Repeat("[", 600), "unexpected end of input"},
		{"object closed by a bracket", `{"data":[` + good + `,{"a":[}],` + good + `]}`, "expected a JSON value"},
		{"array closed by a brace", `{"data":[` + good + `,{"a":1]},` + good + `]}`, "expected ',' or '}'"},
		{"garbage between events", `{"data":[` + good + ` x ,` + good + `]}`, "expected ',' or ']' after array element"},
		{"two words in one element", `{"data":[x y]}`, "expected ',' or ']' after array element"},
		{"garbage after a bad event", `{"data":[{"a":01} x]}`, "expected ',' or ']' after array element"},
		{"trailing comma", `{"data":[{"a":1},]}`, "expected a JSON value"},
		{"empty element", `{"data":[,` + good + `]}`, "expected a JSON value"},
		{"missing events close", `{"data":[` + good + `}`, "expected ',' or ']'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lrs := plog.NewLogRecordSlice()
			lrs.AppendEmpty()
			_, refs, stats, err := AppendMonitorPage([]byte(tt.page), lrs, observedAt, nil)
			require.Error(t, err)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Equal(t, 1, lrs.Len(), "dst untouched")
			assert.Empty(t, refs)
			assert.Equal(t, PageStats{}, stats)
		})
	}
}
