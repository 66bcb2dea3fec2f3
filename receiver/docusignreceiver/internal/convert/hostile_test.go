// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

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
		{"truncated huge event", `{"data":[` + good + `,[` + strings.Repeat("1,", maxEventValues+1), "unexpected end of input"},
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

// TestTooManyEventsFailThePage: a page of millions of tiny events would cost hundreds of bytes
// of pdata per byte of input; beyond ten times the API's largest page it is refused.
func TestTooManyEventsFailThePage(t *testing.T) {
	page := func(n int) []byte {
		return []byte(`{"endCursor":"c","data":[` + strings.Repeat(`{},`, n-1) + `{}]}`)
	}
	lrs := plog.NewLogRecordSlice()
	_, _, stats, err := AppendMonitorPage(page(maxPageEvents), lrs, observedAt, nil)
	require.NoError(t, err)
	assert.Equal(t, maxPageEvents, stats.Events)

	lrs = plog.NewLogRecordSlice()
	_, refs, _, err := AppendMonitorPage(page(maxPageEvents+1), lrs, observedAt, nil)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Contains(t, err.Error(), "page has more than 20000 events")
	assert.Zero(t, lrs.Len())
	assert.Empty(t, refs)
}

// arrayOf returns a JSON array of n ones.
func arrayOf(n int) string { return "[" + strings.Repeat("1,", n-1) + "1]" }

// TestEventWithTooManyValuesKeptAsText: an event of more values than any real one (each costs a
// tape token and a pdata value, many times its one or two bytes of input) is kept as its text.
func TestEventWithTooManyValuesKeptAsText(t *testing.T) {
	big := minimalEvent("big", `,"x":`+arrayOf(maxEventValues))
	fits := minimalEvent("fits", `,"x":`+arrayOf(maxEventValues-10))
	page := `{"data":[` + fits + `,` + big + `,` + minimalEvent("after", "") + `]}`
	lrs, _, refs, stats := convertPage(t, []byte(page))
	assert.Equal(t, PageStats{Events: 3, Flagged: 1}, stats)
	assert.Equal(t, []string{"fits", "", "after"}, []string{refs[0].ID, refs[1].ID, refs[2].ID})
	assert.Equal(t, maxEventValues-10, bodyGet(t, lrs.At(0).Body().Map(), "x").Slice().Len())
	checkRecord(t, lrs.At(1), refs[1], wantRecord{bodyStr: big, exact: true, attrs: map[string]any{},
		flags: []string{"event has more than 131072 values"}})
}

// TestPageValueBudget: once a page's events hold more values in all than ten real pages, the
// events after are kept as text, so a page's pdata stays bounded whatever its events.
func TestPageValueBudget(t *testing.T) {
	per := maxEventValues - 100
	n := maxPageValues/per + 3
	events := make([]string, n)
	for i := range events {
		events[i] = minimalEvent("e-"+strconv.Itoa(i), `,"x":`+arrayOf(per))
	}
	lrs, _, refs, stats := convertPage(t, []byte(`{"data":[`+strings.Join(events, ",")+`]}`))
	require.Equal(t, n, lrs.Len())
	converted := maxPageValues / (per + 7 + 2*(containerWeight-1)) // each event: its object, 3 keys, 2 strings, the array and its elements
	assert.Equal(t, n-converted, stats.Flagged)
	for i := range n {
		if i < converted {
			assert.Equal(t, "e-"+strconv.Itoa(i), refs[i].ID)
			assert.Equal(t, pcommon.ValueTypeMap, lrs.At(i).Body().Type())
			continue
		}
		checkRecord(t, lrs.At(i), refs[i], wantRecord{bodyStr: events[i], exact: true, attrs: map[string]any{},
			flags: []string{"event kept as text: the page has more than 1048576 values"}})
	}
}

// TestHostilePagesAllocateAboutTheirSize: whatever the shape of a page's events, converting it
// allocates at most a fixed allowance plus a small multiple of its size.
func TestHostilePagesAllocateAboutTheirSize(t *testing.T) {
	pages := map[string]string{
		"one event of eight million values": `{"data":[` + minimalEvent("e", `,"x":`+arrayOf(8<<20)) + `]}`,
		"a few huge events":                 `{"data":[` + strings.Repeat(minimalEvent("e", `,"x":`+arrayOf(1<<20))+",", 7) + `{}]}`,
		"deeply nested values":              `{"data":[` + strings.Repeat(`{"eventId":"e","x":`+nested(500, false)+`},`, 4000) + `{}]}`,
		"many wide objects":                 `{"data":[` + strings.Repeat(`{"eventId":"e","x":[`+strings.Repeat(`{},`, 100)+`{}]},`, 4000) + `{}]}`,
	}
	const allowance = 64 << 20
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			body := []byte(page)
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			lrs := plog.NewLogRecordSlice()
			_, _, _, err := AppendMonitorPage(body, lrs, observedAt, nil)
			runtime.ReadMemStats(&after)
			require.NoError(t, err)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("page %d MiB, allocated %d MiB", len(body)>>20, allocated>>20)
			assert.Less(t, allocated, uint64(allowance+3*len(body)), "allocated %d MiB for a page of %d MiB", allocated>>20, len(body)>>20)
		})
	}
}

// TestObjectOfManyMembersBuildsInLinearTime: pcommon.Map's Put searches the keys already there,
// so an object of tens of thousands of members would take minutes; large objects are built
// without that search, keeping every member (last duplicate wins) though not their order.
func TestObjectOfManyMembersBuildsInLinearTime(t *testing.T) {
	const members = 65_000 // 130,005 tokens: within maxEventValues, and 8 events within maxPageValues
	var b strings.Builder
	b.WriteString(`{"eventId":"wide","timestamp":"2026-10-02T14:11:00Z","k0":"first"`)
	for i := range members {
		b.WriteString(`,"k` + strconv.Itoa(i) + `":` + strconv.Itoa(i))
	}
	b.WriteString(`}`)
	event := b.String()
	page := []byte(`{"data":[` + strings.Repeat(event+",", 7) + event + `]}`)

	user := []byte(strings.Replace(event, `"eventId"`, `"id"`, 1))
	done := make(chan plog.LogRecordSlice)
	go func() {
		lrs := plog.NewLogRecordSlice()
		if _, _, _, err := AppendMonitorPage(page, lrs, observedAt, nil); err != nil {
			t.Error(err)
		}
		u := decodeUser(user)
		if u.rec.err != nil || u.ID != "wide" {
			t.Error("wide user not tokenized", u.rec.err, u.ID)
		}
		u.Append(lrs, OperationCreate, observedAt)
		done <- lrs
	}()
	var lrs plog.LogRecordSlice
	select { // a hang detector with a margin of a hundred times, not a speed assertion
	case lrs = <-done:
	case <-time.After(time.Minute):
		t.Fatal("building or digesting large objects is not linear")
	}
	require.Equal(t, 9, lrs.Len())
	require.Equal(t, pcommon.ValueTypeMap, lrs.At(7).Body().Type())
	body := lrs.At(7).Body().Map()
	assert.Equal(t, members+2, body.Len())
	assert.Equal(t, int64(0), bodyGet(t, body, "k0").Int(), "the last duplicate wins")
	assert.Equal(t, int64(members-1), bodyGet(t, body, "k"+strconv.Itoa(members-1)).Int())
	assert.Equal(t, stdlibBody(t, []byte(event)).AsRaw(), body.AsRaw()) // Map.Equal is itself quadratic
	assert.Equal(t, members+2, lrs.At(8).Body().Map().Len())
}

// TestRealPagesAreFarWithinTheBudget: a full page of real events uses under half the value budget.
func TestRealPagesAreFarWithinTheBudget(t *testing.T) {
	page := buildPage(t, 2000, "data", true)
	d := pageDecoders.New().(*pageDecoder)
	d.reset(docMonitorPage, string(page))
	lrs := plog.NewLogRecordSlice()
	_, _, stats := d.page(lrs, observedAt, nil)
	require.NoError(t, d.err)
	assert.Equal(t, PageStats{Events: 2000}, stats)
	used := maxPageValues - d.budget
	t.Logf("a page of 2000 sample events uses %d of %d", used, maxPageValues)
	assert.Less(t, used, maxPageValues/2)
}
