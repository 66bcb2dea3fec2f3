// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the current output")

// renderRecords is a stable, typed JSON rendering of log records for golden files: map keys
// sorted, Int as a bare integer, Double always with a '.' or exponent, so a type change shows.
func renderRecords(lrs plog.LogRecordSlice) []byte {
	var b bytes.Buffer
	b.WriteString("[")
	for i, lr := range lrs.All() {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {\n")
		field := func(name, val string, last bool) {
			b.WriteString("    " + quoteJSON(name) + ": " + val)
			if !last {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		field("timestamp_ns", strconv.FormatUint(uint64(lr.Timestamp()), 10), false)
		field("observed_timestamp_ns", strconv.FormatUint(uint64(lr.ObservedTimestamp()), 10), false)
		field("severity_number", strconv.Itoa(int(lr.SeverityNumber())), false)
		field("severity", quoteJSON(lr.SeverityNumber().String()), false)
		field("severity_text", quoteJSON(lr.SeverityText()), false)
		field("event_name", quoteJSON(lr.EventName()), false)
		var body, attrs bytes.Buffer
		renderValue(&body, lr.Body(), "    ")
		renderMap(&attrs, lr.Attributes(), "    ")
		field("body", body.String(), false)
		field("attributes", attrs.String(), true)
		b.WriteString("  }")
	}
	b.WriteString("\n]\n")
	return b.Bytes()
}

func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func renderValue(b *bytes.Buffer, v pcommon.Value, indent string) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		b.WriteString(quoteJSON(v.Str()))
	case pcommon.ValueTypeInt:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case pcommon.ValueTypeDouble:
		s := strconv.FormatFloat(v.Double(), 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEIN") {
			s += ".0"
		}
		b.WriteString(s)
	case pcommon.ValueTypeBool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pcommon.ValueTypeMap:
		renderMap(b, v.Map(), indent)
	case pcommon.ValueTypeSlice:
		if v.Slice().Len() == 0 {
			b.WriteString("[]")
			return
		}
		nested := false
		for _, e := range v.Slice().All() {
			nested = nested || e.Type() == pcommon.ValueTypeMap || e.Type() == pcommon.ValueTypeSlice
		}
		b.WriteString("[")
		for i, e := range v.Slice().All() {
			if i > 0 {
				b.WriteString(",")
				if !nested {
					b.WriteString(" ")
				}
			}
			if nested {
				b.WriteString("\n" + indent + "  ")
			}
			renderValue(b, e, indent+"  ")
		}
		if nested {
			b.WriteString("\n" + indent)
		}
		b.WriteString("]")
	case pcommon.ValueTypeBytes:
		b.WriteString(`"bytes:` + string(v.Bytes().AsRaw()) + `"`)
	default:
		b.WriteString("null")
	}
}

func renderMap(b *bytes.Buffer, m pcommon.Map, indent string) {
	if m.Len() == 0 {
		b.WriteString("{}")
		return
	}
	keys := make([]string, 0, m.Len())
	for k := range m.All() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b.WriteString("{\n")
	for i, k := range keys {
		v, _ := m.Get(k)
		b.WriteString(indent + "  " + quoteJSON(k) + ": ")
		renderValue(b, v, indent+"  ")
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(indent + "}")
}

// checkGolden compares got with testdata/name, or rewrites the file under -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o600))
		t.Logf("updated %s", path)
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test -update once and review it")
	require.Equal(t, string(want), string(got), "output differs from %s", path)
}
