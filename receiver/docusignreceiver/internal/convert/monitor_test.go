// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var observedAt = pcommon.NewTimestampFromTime(time.Date(2026, 10, 2, 15, 0, 0, 0, time.UTC))

// wantRecord is what one record must carry, written from the mapping table, not from the output.
type wantRecord struct {
	ts       time.Time // zero: Timestamp must be 0
	sev      plog.SeverityNumber
	sevText  string
	attrs    map[string]any // string → Str, float64 → Double, bool → Bool
	absent   []string       // attributes that must not be set
	exact    bool           // attrs is the complete attribute set
	flags    []string       // substrings of docusign.conversion.error; none = must be unset
	refID    string
	bodyStr  string                        // when the body must be this Str
	checkBod func(*testing.T, pcommon.Map) // extra body checks
}

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func convertPage(t *testing.T, page []byte) (plog.LogRecordSlice, string, []EventRef, PageStats) {
	t.Helper()
	lrs := plog.NewLogRecordSlice()
	cursor, refs, stats, err := AppendMonitorPage(page, lrs, observedAt, nil)
	require.NoError(t, err)
	require.Equal(t, lrs.Len(), stats.Events)
	require.Len(t, refs, stats.Events)
	return lrs, cursor, refs, stats
}

func checkRecord(t *testing.T, lr plog.LogRecord, ref EventRef, w wantRecord) {
	t.Helper()
	assert.Equal(t, EventNameMonitor, lr.EventName())
	assert.Equal(t, observedAt, lr.ObservedTimestamp())
	if w.ts.IsZero() {
		assert.Zero(t, lr.Timestamp(), "timestamp")
		assert.True(t, ref.Timestamp.IsZero(), "ref timestamp")
	} else {
		assert.Equal(t, uint64(w.ts.UnixNano()), uint64(lr.Timestamp()), "timestamp ns")
		assert.True(t, w.ts.Equal(ref.Timestamp), "ref timestamp %v", ref.Timestamp)
	}
	assert.Equal(t, w.refID, ref.ID, "ref id")
	assert.Equal(t, w.sev, lr.SeverityNumber(), "severity")
	assert.Equal(t, w.sevText, lr.SeverityText(), "severity text")
	checkAttrs(t, lr.Attributes(), w)
	if w.bodyStr != "" {
		assert.Equal(t, pcommon.ValueTypeStr, lr.Body().Type())
		assert.Equal(t, w.bodyStr, lr.Body().Str())
	} else {
		require.Equal(t, pcommon.ValueTypeMap, lr.Body().Type())
		if w.checkBod != nil {
			w.checkBod(t, lr.Body().Map())
		}
	}
}

// checkAttrs asserts w.attrs (by type), w.absent, w.flags, w.exact, and that no Str attribute is empty.
func checkAttrs(t *testing.T, attrs pcommon.Map, w wantRecord) {
	t.Helper()
	for k, want := range w.attrs {
		v, ok := attrs.Get(k)
		if !assert.True(t, ok, "attribute %s missing", k) {
			continue
		}
		switch want := want.(type) {
		case string:
			assert.Equal(t, pcommon.ValueTypeStr, v.Type(), k)
			assert.Equal(t, want, v.Str(), k)
		case float64:
			assert.Equal(t, pcommon.ValueTypeDouble, v.Type(), k)
			assert.InDelta(t, want, v.Double(), 1e-9, k)
		case bool:
			assert.Equal(t, pcommon.ValueTypeBool, v.Type(), k)
			assert.Equal(t, want, v.Bool(), k)
		case []string:
			assert.Equal(t, pcommon.ValueTypeSlice, v.Type(), k)
			got := []string{}
			for _, e := range v.Slice().All() {
				got = append(got, e.Str())
			}
			assert.Equal(t, want, got, k)
		default:
			t.Fatalf("bad want type %T", want)
		}
	}
	for _, k := range w.absent {
		_, ok := attrs.Get(k)
		assert.False(t, ok, "attribute %s must not be set", k)
	}
	flag, flagged := attrs.Get(AttrConversionError)
	if len(w.flags) == 0 {
		if flagged {
			t.Errorf("unexpected conversion error %q", flag.AsString())
		}
	} else if assert.True(t, flagged, "conversion error missing") {
		for _, f := range w.flags {
			assert.Contains(t, flag.Str(), f)
		}
	}
	if w.exact {
		want := len(w.attrs)
		if flagged {
			want++
		}
		assert.Equal(t, want, attrs.Len(), "attribute count: %v", attrs.AsRaw())
	}
	for k, v := range attrs.All() {
		if v.Type() == pcommon.ValueTypeStr {
			assert.NotEmpty(t, v.Str(), "empty attribute %s", k)
		}
	}
}

func utc(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
}

func bodyGet(t *testing.T, m pcommon.Map, path ...string) pcommon.Value {
	t.Helper()
	for i, k := range path {
		v, ok := m.Get(k)
		require.True(t, ok, "body key %v missing", path[:i+1])
		if i == len(path)-1 {
			return v
		}
		require.Equal(t, pcommon.ValueTypeMap, v.Type(), "body key %v", path[:i+1])
		m = v.Map()
	}
	return pcommon.NewValueEmpty()
}

func TestMonitorSamplePage(t *testing.T) {
	page := readPage(t, "monitor-sample.json")
	lrs, cursor, refs, stats := convertPage(t, page)
	assert.Equal(t, "aa_639001152000000000_639001152000000000_3", cursor)
	assert.Equal(t, PageStats{Events: 3, Flagged: 0}, stats)
	checkGolden(t, "monitor-sample.golden.yaml", lrs)

	want := []wantRecord{
		{
			ts: utc(2026, 10, 2, 14, 5, 11, 441002700), sev: plog.SeverityNumberInfo, sevText: "Success",
			refID: "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01",
			attrs: map[string]any{
				AttrXDMEventID:                "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01",
				AttrXDMEventType:              "Monitor Events",
				AttrXDMEventOperation:         "SENT",
				AttrXDMEventOriginalEventType: "Sent",
				AttrXDMEventOutcome:           "SUCCESS",
				AttrXDMSourceUserIdentifier:   "7d9b0f1e-2222-4333-8444-555566667777",
				AttrXDMSourceIPv4:             "198.51.100.23",
				AttrXDMSourceUserAgent:        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
				AttrXDMSourceHostOS:           "Mac OS X 14.6",
				AttrXDMNetworkHTTPBrowser:     "Safari 18.1",
				AttrXDMSourceLocCountry:       "netherlands",
				AttrXDMSourceLocRegion:        "noord-holland",
				AttrXDMSourceLocCity:          "amsterdam",
				AttrXDMSourceLocLatitude:      52.37,
				AttrXDMSourceLocLongitude:     4.89,
				AttrXDMTargetResourceType:     "Envelope",
				AttrXDMTargetResourceID:       "3c4d5e6f-4444-4555-8666-777788889999",
				AttrXDMObserverName:           "NA4",
				AttrXDMObserverType:           "Web",
				AttrXDMObserverVendor:         "DocuSign",
				AttrXDMObserverProduct:        "Monitor",
				AttrDocuSignAccountID:         "5a1c2d3e-0000-4b5c-8d9e-112233445566",
				AttrDocuSignOrganizationID:    "c0ffee00-1111-4222-8333-444455556666",
				AttrDocuSignIntegratorKey:     "f1e2d3c4-3333-4444-8555-666677778888",
				AttrLogRecordUID:              "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01",
				AttrUserID:                    "7d9b0f1e-2222-4333-8444-555566667777",
				AttrClientAddress:             "198.51.100.23",
				AttrUserAgentOriginal:         "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
				AttrGeoLocationLat:            52.37,
				AttrGeoLocationLon:            4.89,
				AttrGeoLocalityName:           "amsterdam",
			},
			exact: true,
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, 31, m.Len(), "every field of the event")
				assert.Empty(t, bodyGet(t, m, "property").Str())
				assert.Equal(t, pcommon.ValueTypeDouble, bodyGet(t, m, "latitude").Type())
				assert.Equal(t, "18", bodyGet(t, m, "userAgentClientInfo", "browser", "version", "major").Str())
			},
		},
		{
			ts: utc(2026, 10, 2, 14, 7, 40, 120000000), sev: plog.SeverityNumberWarn, sevText: "Failed",
			refID: "6f2a9d13-8e4b-4c7d-b1a2-0c9e8d7f6a52",
			attrs: map[string]any{
				AttrXDMEventOperation:       "LOGIN",
				AttrXDMEventOutcome:         "FAILED",
				AttrXDMSourceIPv6:           "2001:db8:85a3::8a2e:370:7334",
				AttrClientAddress:           "2001:db8:85a3::8a2e:370:7334",
				AttrXDMSourceLocCity:        "sydney",
				AttrXDMSourceLocRegion:      "new south wales",
				AttrXDMSourceLocLatitude:    -33.87,
				AttrGeoLocationLon:          151.21,
				AttrXDMTargetResourceType:   "User",
				AttrXDMObserverType:         "API",
				AttrXDMSourceUserIdentifier: "0a1b2c3d-5555-4666-8777-888899990000",
			},
			absent: []string{AttrXDMSourceIPv4, AttrXDMSourceUserAgent, AttrUserAgentOriginal, AttrDocuSignIntegratorKey,
				AttrXDMSourceHostOS, AttrXDMNetworkHTTPBrowser, AttrXDMTargetResourceID, AttrXDMTargetUserIdentifier,
				AttrXDMAlertName},
		},
		{
			ts: utc(2026, 10, 2, 14, 9, 3, 900000100), sev: plog.SeverityNumberError, sevText: "High",
			refID: "d4c3b2a1-9999-4888-8777-666655554444",
			attrs: map[string]any{
				AttrXDMAlertName:          "TooManyLoginFailures",
				AttrXDMAlertSeverity:      "High",
				AttrXDMEventOperation:     "TOOMANYLOGINFAILURES",
				AttrXDMTargetResourceType: "Alert",
				AttrXDMSourceLocCity:      "münchen",
				AttrGeoLocalityName:       "münchen",
				AttrXDMSourceIPv4:         "203.0.113.77",
				AttrXDMObserverType:       "Other",
			},
			absent: []string{AttrXDMEventOutcome, AttrDocuSignAccountID, AttrXDMTargetResourceID},
			checkBod: func(t *testing.T, m pcommon.Map) {
				ids := bodyGet(t, m, "data", "EventIds")
				require.Equal(t, pcommon.ValueTypeSlice, ids.Type())
				assert.Equal(t, []any{"6f2a9d13-8e4b-4c7d-b1a2-0c9e8d7f6a52", "8a7b6c5d-1234-4321-8abc-def012345678"}, ids.Slice().AsRaw())
				assert.Equal(t, pcommon.ValueTypeStr, bodyGet(t, m, "data", "Count").Type())
				assert.Equal(t, "12", bodyGet(t, m, "data", "Count").Str())
				assert.Empty(t, bodyGet(t, m, "accountId").Str(), "empty strings stay in the body")
			},
		},
	}
	require.Equal(t, len(want), lrs.Len())
	for i, w := range want {
		t.Run(w.refID, func(t *testing.T) { checkRecord(t, lrs.At(i), refs[i], w) })
	}
}

func TestMonitorTrickyPage(t *testing.T) {
	page := readPage(t, "monitor-tricky.json")
	lrs, cursor, refs, stats := convertPage(t, page)
	assert.Equal(t, "aa_2_2_0", cursor, "endCursor after resultData")
	checkGolden(t, "monitor-tricky.golden.yaml", lrs)

	want := []wantRecord{
		{ // IPv6, unicode escape, 7 digits, unknown fields, numbers, null
			ts: utc(2024, 7, 7, 16, 20, 36, 122749400), sev: plog.SeverityNumberInfo, sevText: "Success",
			refID: "e0000000-0000-4000-8000-000000000001",
			attrs: map[string]any{
				AttrXDMSourceIPv6: "2001:db8::1", AttrClientAddress: "2001:db8::1",
				AttrXDMSourceLocCity: "münchen", AttrGeoLocalityName: "münchen", AttrXDMSourceLocRegion: "bayern",
				AttrXDMSourceLocLatitude: 48.137, AttrGeoLocationLat: 48.137, AttrGeoLocationLon: 11.575,
				AttrXDMTargetResourceID: "env-1", AttrXDMTargetUserIdentifier: "ref-1",
				AttrXDMEventOperation: "VOIDED", AttrXDMObserverName: "EU", AttrXDMObserverType: "API",
				AttrDocuSignIntegratorKey: "ik-1", AttrUserAgentOriginal: "curl/8.5.0",
			},
			absent: []string{AttrXDMSourceIPv4, AttrXDMSourceHostOS, AttrXDMNetworkHTTPBrowser},
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, int64(3), bodyGet(t, m, "retryCount").Int())
				assert.Equal(t, pcommon.ValueTypeInt, bodyGet(t, m, "retryCount").Type())
				assert.Equal(t, pcommon.ValueTypeDouble, bodyGet(t, m, "ratio").Type())
				assert.Equal(t, pcommon.ValueTypeDouble, bodyGet(t, m, "big").Type())
				assert.InDelta(t, 1000.0, bodyGet(t, m, "big").Double(), 0)
				assert.True(t, bodyGet(t, m, "flag").Bool())
				assert.Equal(t, pcommon.ValueTypeEmpty, bodyGet(t, m, "property").Type())
				assert.Equal(t, []any{int64(1), 2.5, true, nil, "s"}, bodyGet(t, m, "newField", "x").Slice().AsRaw())
				assert.Equal(t, pcommon.ValueTypeMap, bodyGet(t, m, "newField", "empty").Type())
				assert.Equal(t, "tab\there \"quoted\" 😀", bodyGet(t, m, "data", "Note").Str())
				assert.Equal(t, "münchen", bodyGet(t, m, "ipAddressLocation", "city").Str())
			},
		},
		{ // fewer digits, client info only, flattened location with int and numeric string
			ts: utc(2026, 10, 2, 14, 7, 40, 120000000), sev: plog.SeverityNumberWarn, sevText: "Failed",
			refID: "e0000000-0000-4000-8000-000000000002",
			attrs: map[string]any{
				AttrXDMEventOperation: "CREATE", AttrXDMEventOriginalEventType: "Created", AttrXDMEventOutcome: "FAILED",
				AttrXDMSourceIPv6: "::ffff:192.0.2.1", AttrXDMSourceHostOS: "Windows 10.0", AttrXDMNetworkHTTPBrowser: "Chrome 128.0",
				AttrXDMSourceLocLatitude: -33.0, AttrXDMSourceLocLongitude: 151.21, AttrXDMSourceLocCity: "sydney",
				AttrXDMSourceLocRegion: "nsw", AttrXDMSourceLocCountry: "australia",
				AttrXDMTargetResourceType: "Group", AttrXDMTargetResourceID: "grp-1", AttrXDMTargetUserIdentifier: "user-9",
			},
			absent: []string{AttrXDMSourceIPv4},
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, pcommon.ValueTypeInt, bodyGet(t, m, "latitude").Type())
				assert.Equal(t, pcommon.ValueTypeStr, bodyGet(t, m, "longitude").Type())
				assert.Equal(t, int64(10), bodyGet(t, m, "userAgentClientInfo", "os", "version", "major").Int())
			},
		},
		{ // offset, alert Medium with array data
			ts: utc(2026, 10, 2, 14, 5, 11, 500000000), sev: plog.SeverityNumberWarn, sevText: "Medium",
			refID: "e0000000-0000-4000-8000-000000000003",
			attrs: map[string]any{
				AttrXDMAlertName: "CredentialLeakDetected", AttrXDMAlertSeverity: "Medium",
				AttrXDMEventOperation: "CREDENTIALLEAKDETECTED", AttrXDMObserverName: "NA3",
			},
			absent: []string{AttrXDMEventOutcome},
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, []any{"a", "b", "c"}, bodyGet(t, m, "data", "EventIds").Slice().AsRaw())
				assert.Equal(t, "12", bodyGet(t, m, "data", "Count").Str())
			},
		},
		{ // no fraction, alert Low
			ts: utc(2026, 10, 2, 14, 9, 3, 0), sev: plog.SeverityNumberInfo, sevText: "Low",
			refID: "e0000000-0000-4000-8000-000000000004",
			attrs: map[string]any{AttrXDMAlertName: "SameSenderAndSigner", AttrXDMAlertSeverity: "Low"},
		},
		{ // 9 digits, alert without severity
			ts: utc(2026, 10, 2, 14, 9, 4, 1), sev: plog.SeverityNumberWarn, sevText: "",
			refID:  "e0000000-0000-4000-8000-000000000005",
			attrs:  map[string]any{AttrXDMAlertName: "IpAddressOutsideAllowedRanges"},
			absent: []string{AttrXDMAlertSeverity},
		},
		{ // an event that is a string
			sev: plog.SeverityNumberInfo, bodyStr: `"this event is a string"`,
			attrs: map[string]any{AttrXDMEventType: "Monitor Events", AttrXDMObserverVendor: "DocuSign", AttrXDMObserverProduct: "Monitor"},
			exact: true,
			flags: []string{"event is not a JSON object"},
		},
		{ // bad timestamp, bad ipAddress
			sev: plog.SeverityNumberInfo, refID: "e0000000-0000-4000-8000-000000000007",
			attrs: map[string]any{
				AttrXDMEventOperation: "DELETE", AttrXDMTargetResourceType: "User", AttrXDMTargetResourceID: "user-7",
				AttrXDMTargetUserIdentifier: "user-7",
			},
			absent: []string{AttrXDMSourceIPv4, AttrXDMSourceIPv6, AttrClientAddress},
			flags:  []string{"timestamp", "ipAddress"},
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, "999.1.1.1", bodyGet(t, m, "ipAddress").Str(), "kept in the body")
				assert.Equal(t, "yesterday", bodyGet(t, m, "timestamp").Str())
			},
		},
		{ // eventId a number, timestamp null, data an array
			sev: plog.SeverityNumberInfo,
			attrs: map[string]any{
				AttrXDMEventOperation: "UPDATE", AttrXDMTargetResourceType: "PermissionSet",
			},
			absent: []string{AttrXDMEventID, AttrLogRecordUID, AttrXDMTargetResourceID},
			flags:  []string{"eventId is not a string", "timestamp is missing", "data is not an object"},
			checkBod: func(t *testing.T, m pcommon.Map) {
				assert.Equal(t, int64(8), bodyGet(t, m, "eventId").Int())
				assert.Equal(t, []any{"not", "an", "object"}, bodyGet(t, m, "data").Slice().AsRaw())
			},
		},
		{ // PermissionSet via PermissionProfileId, userId a number
			ts: utc(2026, 10, 2, 14, 10, 0, 100000000), sev: plog.SeverityNumberInfo,
			refID:  "e0000000-0000-4000-8000-000000000009",
			attrs:  map[string]any{AttrXDMTargetResourceID: "pp-1"},
			absent: []string{AttrUserID, AttrXDMSourceUserIdentifier},
			flags:  []string{"userId is not a string"},
		},
		{ // minimal: only timestamp and eventId
			ts: utc(2026, 10, 2, 14, 11, 0, 0), sev: plog.SeverityNumberInfo,
			refID: "e0000000-0000-4000-8000-000000000010",
			attrs: map[string]any{
				AttrXDMEventID: "e0000000-0000-4000-8000-000000000010", AttrLogRecordUID: "e0000000-0000-4000-8000-000000000010",
				AttrXDMEventType: "Monitor Events", AttrXDMObserverVendor: "DocuSign", AttrXDMObserverProduct: "Monitor",
			},
			exact: true,
		},
		{ // Account, data id wins over accountId; latitude not a number, longitude null
			ts: utc(2026, 10, 2, 14, 12, 0, 0), sev: plog.SeverityNumberInfo,
			refID:  "e0000000-0000-4000-8000-000000000011",
			attrs:  map[string]any{AttrXDMTargetResourceID: "acc-data-11", AttrDocuSignAccountID: "acc-11"},
			absent: []string{AttrXDMSourceLocLatitude, AttrXDMSourceLocLongitude, AttrGeoLocationLat},
			flags:  []string{"ipAddressLocation.latitude is not a number"},
		},
		{ // User without data.UserId: AffectedUserId; target falls back to referencedUserId
			ts: utc(2026, 10, 2, 14, 13, 0, 0), sev: plog.SeverityNumberInfo, sevText: "Success",
			refID: "e0000000-0000-4000-8000-000000000012",
			attrs: map[string]any{
				AttrXDMTargetResourceID: "aff-12", AttrXDMTargetUserIdentifier: "ref-12", AttrXDMSourceIPv4: "203.0.113.9",
				AttrXDMObserverType: "Mobile", AttrXDMEventOutcome: "SUCCESS",
			},
		},
	}
	require.Equal(t, len(want), lrs.Len())
	assert.Equal(t, PageStats{Events: len(want), Flagged: 5}, stats)
	for i, w := range want {
		t.Run(strings.TrimPrefix(w.refID, "e0000000-0000-4000-8000-"), func(t *testing.T) { checkRecord(t, lrs.At(i), refs[i], w) })
	}
}

func TestAppendMonitorPageAppendsAndReusesRefs(t *testing.T) {
	page := readPage(t, "monitor-sample.json")
	lrs := plog.NewLogRecordSlice()
	lrs.AppendEmpty().SetSeverityText("existing")
	refs := make([]EventRef, 5, 8)
	refs[0].ID = "stale"
	_, refs2, stats, err := AppendMonitorPage(page, lrs, observedAt, refs)
	require.NoError(t, err)
	assert.Equal(t, 4, lrs.Len())
	assert.Equal(t, "existing", lrs.At(0).SeverityText())
	assert.Equal(t, 3, stats.Events)
	require.Len(t, refs2, 3)
	assert.Same(t, &refs[0], &refs2[0], "backing array reused")
	assert.Equal(t, "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01", refs2[0].ID)
}

func TestAppendMonitorPageEnvelopes(t *testing.T) {
	tests := []struct {
		name, page, cursor string
		events             int
	}{
		{"empty data", `{"endCursor":"c1","data":[]}`, "c1", 0},
		{"null data and cursor", `{"endCursor":null,"data":null}`, "", 0},
		{"cursor only", ` {"endCursor":"c2"} `, "c2", 0},
		{"empty cursor", `{"data":[{"eventId":"x"}],"endCursor":""}`, "", 1},
		{"escaped cursor", `{"endCursor":"a\u005fb","data":[]}`, "a_b", 0},
		{"resultData", `{"resultData":[{},{}],"endCursor":"c3","extra":{"n":[1,{"a":null}]}}`, "c3", 2},
		{"first endCursor and first events key win", `{"endCursor":"one","data":[{}],"endCursor":"two","resultData":[{},{}]}`, "one", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lrs := plog.NewLogRecordSlice()
			cursor, refs, stats, err := AppendMonitorPage([]byte(tt.page), lrs, observedAt, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.cursor, cursor)
			assert.Equal(t, tt.events, lrs.Len())
			assert.Len(t, refs, tt.events)
			assert.Equal(t, tt.events, stats.Events)
			skimmed, ok, err := SkimEndCursor([]byte(tt.page))
			require.NoError(t, err)
			assert.Equal(t, tt.cursor, skimmed, "skim agrees")
			assert.Equal(t, tt.cursor != "", ok)
		})
	}
}

func TestAppendMonitorPageErrors(t *testing.T) {
	tests := []struct {
		name, page, msg string
		offset          int
	}{
		{"empty", ``, "not a JSON object", 0},
		{"array", `[{"eventId":"x"}]`, "not a JSON object", 0},
		{"string", `"data"`, "not a JSON object", 0},
		{"null", `null`, "not a JSON object", 0},
		{"data object", `{"data": {}}`, "data is not an array", 9},
		{"resultData number", `{"endCursor":"c","resultData": 5}`, "resultData is not an array", 31},
		{"cursor number", `{"endCursor": 7, "data": []}`, "endCursor is not a string", 14},
		{"neither key", `{"errorCode":"AUTHORIZATION_INVALID_TOKEN"}`, "neither", 0},
		{"trailing data", `{"data": []} x`, "after the page object", 13},
		{"trailing comma", `{"data":[{"a":1},]}`, "expected a JSON value", 17},
		{"garbage after an event", `{"data":[{"a":1} 2]}`, "expected ',' or ']'", 17},
		{"bracket of the other kind", `{"data":[{"a":1]}`, "expected ',' or '}'", 15},
		{"unterminated", `{"data":[{"a":"abc`, "unterminated string", 18},
		{"bad member outside the events", `{"data":[],"x":tru}`, "invalid literal", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lrs := plog.NewLogRecordSlice()
			lrs.AppendEmpty().SetSeverityText("before")
			refs := []EventRef{{ID: "old"}}
			cursor, refs, stats, err := AppendMonitorPage([]byte(tt.page), lrs, observedAt, refs)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), "monitor page")
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			assert.Equal(t, tt.offset, de.Offset, "offset in %q", tt.page)
			assert.LessOrEqual(t, len(de.Near), 64)
			assert.Equal(t, 1, lrs.Len(), "dst untouched")
			assert.Equal(t, "before", lrs.At(0).SeverityText())
			assert.Empty(t, refs)
			assert.Empty(t, cursor)
			assert.Equal(t, PageStats{}, stats)
		})
	}
}

func TestAppendMonitorPageTruncatedAnywhere(t *testing.T) {
	for _, name := range []string{"monitor-sample.json", "monitor-tricky.json"} {
		page := readPage(t, name)
		end := strings.LastIndexByte(string(page), '}')
		for cut := 0; cut < end; cut++ {
			lrs := plog.NewLogRecordSlice()
			lrs.AppendEmpty()
			_, refs, _, err := AppendMonitorPage(page[:cut], lrs, observedAt, nil)
			if !assert.Error(t, err, "%s cut at %d", name, cut) {
				continue
			}
			assert.Equal(t, 1, lrs.Len(), "%s cut at %d: dst untouched", name, cut)
			assert.Empty(t, refs)
			var de *DecodeError
			require.True(t, errors.As(err, &de))
			assert.LessOrEqual(t, len(de.Near), 64)
			assert.LessOrEqual(t, de.Offset, cut)
		}
	}
}

func TestDecodeErrorQuotesAroundOffset(t *testing.T) {
	page := `{"endCursor":"c","data":[` + strings.Repeat(`{"a":"bbbbbbbbbb"},`, 20) + `{"a":1}#{"z":"` + strings.Repeat("z", 40) + `"}]}`
	_, _, _, err := AppendMonitorPage([]byte(page), plog.NewLogRecordSlice(), observedAt, nil)
	var de *DecodeError
	require.True(t, errors.As(err, &de))
	assert.Equal(t, strings.IndexByte(page, '#'), de.Offset)
	assert.Len(t, de.Near, 64)
	assert.Equal(t, page[de.Offset-32:de.Offset+32], de.Near)
	assert.Contains(t, err.Error(), `{\"a\":1}#{\"z\"`)
}

func TestSkimEndCursor(t *testing.T) {
	tests := []struct {
		name, page, cursor string
		ok, err            bool
	}{
		{"sample", string(readPage(t, "monitor-sample.json")), "aa_639001152000000000_639001152000000000_3", true, false},
		{"after events", string(readPage(t, "monitor-tricky.json")), "aa_2_2_0", true, false},
		{"after scalar", `{"a":1,"endCursor":"x"}`, "x", true, false},
		{"after scalars", `{"a":true , "b":-1.5e3,"c":null,"endCursor":"x"}`, "x", true, false},
		{"escaped quote in skipped string", `{"a":"q\"},\\","endCursor":"x"}`, "x", true, false},
		{"nested endCursor ignored", `{"a":{"endCursor":"no"},"b":[["endCursor"]],"endCursor":"yes"}`, "yes", true, false},
		{"null", `{"endCursor":null,"data":[]}`, "", false, false},
		{"empty", `{"endCursor":"","data":[]}`, "", false, false},
		{"absent", `{"data":[{"endCursor":"no"}]}`, "", false, false},
		{"empty object", `{}`, "", false, false},
		{"not an object", `[]`, "", false, true},
		{"number", `{"endCursor":5}`, "", false, true},
		{"truncated before cursor", `{"data":[{"a":"b"}`, "", false, true},
		{"unterminated string", `{"data":"abc`, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor, ok, err := SkimEndCursor([]byte(tt.page))
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.cursor, cursor)
			assert.Equal(t, tt.ok, ok)
		})
	}
}

func TestSkimEndCursorDoesNotDecodeEvents(t *testing.T) {
	page := buildPage(t, 2000, "data", false) // endCursor last: every event is stepped over
	allocs := testing.AllocsPerRun(20, func() {
		c, ok, err := SkimEndCursor(page)
		if err != nil || !ok || c == "" {
			t.Fatal("skim failed", err)
		}
	})
	assert.LessOrEqual(t, allocs, 1.0, "only the cursor copy")
}

func TestSkimCursorIsACopy(t *testing.T) {
	page := []byte(`{"endCursor":"abc"}`)
	c, _, err := SkimEndCursor(page)
	require.NoError(t, err)
	copy(page, `{"endCursor":"xyz"}`)
	assert.Equal(t, "abc", c)
}

func TestBodyStringsSurviveCallerBufferReuse(t *testing.T) {
	page := readPage(t, "monitor-sample.json")
	lrs := plog.NewLogRecordSlice()
	cursor, refs, _, err := AppendMonitorPage(page, lrs, observedAt, nil)
	require.NoError(t, err)
	for i := range page {
		page[i] = 'x'
	}
	assert.Equal(t, "aa_639001152000000000_639001152000000000_3", cursor)
	assert.Equal(t, "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01", refs[0].ID)
	v, _ := lrs.At(0).Attributes().Get(AttrXDMEventID)
	assert.Equal(t, "0b6e1c52-5d1e-4c2f-9a55-3f1d2a7e9c01", v.Str())
}

// TestAttributeTemplatesMatchPutPath: records come out the same whether their attributes are
// copied from a cached shape template (the usual path, on a warm decoder) or written by Put
// calls when the template cache is full.
func TestAttributeTemplatesMatchPutPath(t *testing.T) {
	for _, name := range []string{"monitor-sample", "monitor-tricky"} {
		page := readPage(t, name+".json")
		golden := filepath.Join("testdata", name+".golden.yaml")

		full := pageDecoders.New().(*pageDecoder)
		for i := range maxAttrShapes {
			full.attrs[1<<62|uint64(i)] = &attrTemplate{m: pcommon.NewMap()}
		}
		warm := pageDecoders.New().(*pageDecoder)
		for _, d := range []*pageDecoder{full, warm, warm} { // warm twice: templates built, then reused
			d.reset(docMonitorPage, string(page))
			lrs := plog.NewLogRecordSlice()
			_, _, _ = d.page(lrs, observedAt, nil)
			require.NoError(t, d.err)
			assert.NoError(t, compareGolden(golden, lrs), name)
		}
		assert.Len(t, full.attrs, maxAttrShapes, "a full cache does not grow")
	}
}

// TestConcurrentPages: pooled decoders, arenas and templates are never shared between calls.
func TestConcurrentPages(t *testing.T) {
	names := []string{"monitor-sample", "monitor-tricky"}
	pages := map[string][]byte{}
	for _, n := range names {
		pages[n] = readPage(t, n+".json")
	}
	errs := make(chan string, 8)
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 25 {
				n := names[(g+i)%2]
				lrs := plog.NewLogRecordSlice()
				if _, _, _, err := AppendMonitorPage(pages[n], lrs, observedAt, nil); err != nil {
					errs <- err.Error()
					return
				}
				if err := compareGolden(filepath.Join("testdata", n+".golden.yaml"), lrs); err != nil {
					errs <- n + " differs under concurrency: " + err.Error()
					return
				}
			}
		}()
	}
	for range 4 {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestBodyTemplateCollisionFallsBack: a template filed under the wrong structure hash is caught
// by fillMap and the body is built the ordinary way (and the fields captured afresh).
func TestBodyTemplateCollisionFallsBack(t *testing.T) {
	d := pageDecoders.New().(*pageDecoder)
	other := `{"timestamp":"2026-10-02T14:11:00Z","eventId":"x","data":{"A":1}}`
	d.reset(docMonitorPage, other)
	require.True(t, d.tokenize(2))
	wrong, ok := d.template(0)
	require.True(t, ok)

	event := `{"timestamp":"2026-10-02T14:11:00Z","eventId":"y","data":{"B":[1,2]},"z":null}`
	d.reset(docMonitorPage, event)
	require.True(t, d.tokenize(2))
	d.bodies[d.shape] = &bodyTemplate{m: wrong, at: []int32{0}}
	lr := plog.NewLogRecord()
	assert.Nil(t, d.body(lr, d.bodies), "a template of another structure does not serve, nor do its captured positions")
	want := pcommon.NewMap()
	require.NoError(t, want.FromRaw(map[string]any{
		"timestamp": "2026-10-02T14:11:00Z", "eventId": "y", "data": map[string]any{"B": []any{int64(1), int64(2)}}, "z": nil,
	}))
	assert.True(t, want.Equal(lr.Body().Map()), "got %v", lr.Body().Map().AsRaw())
}
