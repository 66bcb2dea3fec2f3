// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// stdlibBody is what encoding/json (numbers kept exact) and pcommon.Map.FromRaw make of one record.
func stdlibBody(t *testing.T, raw []byte) pcommon.Map {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	expected := pcommon.NewMap()
	require.NoError(t, expected.FromRaw(stdlibRaw(m).(map[string]any)))
	return expected
}

// stdlibRaw converts an encoding/json (UseNumber) value to what FromRaw should receive under the
// int/double rule: an integer literal that fits int64 → int64, any other number → float64.
func stdlibRaw(v any) any {
	switch v := v.(type) {
	case json.Number:
		s := v.String()
		if !strings.ContainsAny(s, ".eE") {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n
			}
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return s // beyond float64: kept as text
		}
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = stdlibRaw(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = stdlibRaw(e)
		}
		return v
	}
	return v
}

// genJSON writes a random JSON value: escapes, unicode, invalid UTF-8, big and small numbers,
// nesting, random whitespace, and sometimes the well-known Monitor keys.
type genJSON struct {
	r *rand.Rand
	b *bytes.Buffer
}

var genKeys = []string{"timestamp", "eventId", "data", "ipAddress", "userAgentClientInfo", "ipAddressLocation",
	"object", "action", "result", "latitude", "city", "x", "", "ü", "a\"b", "EnvelopeId", "Severity"}

func (g genJSON) ws() {
	for range g.r.IntN(3) {
		g.b.WriteByte(" \t\n\r"[g.r.IntN(4)])
	}
}

func (g genJSON) str() {
	g.b.WriteByte('"')
	for range g.r.IntN(12) {
		switch g.r.IntN(14) {
		case 0:
			g.b.WriteString(`\"`)
		case 1:
			g.b.WriteString(`\\`)
		case 2:
			g.b.WriteString(`\n\t\/\b\f\r`)
		case 3:
			fmt.Fprintf(g.b, `\u%04x`, g.r.IntN(0x10000)) // includes lone surrogates
		case 4:
			g.b.WriteString(`\ud83d\ude00`)
		case 5:
			g.b.WriteString("münchen 東京 😀")
		case 6:
			g.b.WriteByte(0xff) // invalid UTF-8
		case 7:
			g.b.WriteString("\xe2\x82") // truncated sequence
		default:
			g.b.WriteByte(byte('a' + g.r.IntN(26)))
		}
	}
	g.b.WriteByte('"')
}

func (g genJSON) number() {
	switch g.r.IntN(9) {
	case 0:
		g.b.WriteString(strconv.FormatInt(g.r.Int64()-g.r.Int64(), 10))
	case 1:
		g.b.WriteString("-9223372036854775808")
	case 2:
		g.b.WriteString("9223372036854775808") // just beyond int64
	case 3:
		g.b.WriteString(strconv.FormatFloat(g.r.NormFloat64()*1000, 'f', -1, 64))
	case 4:
		fmt.Fprintf(g.b, "%de%d", g.r.IntN(100), g.r.IntN(40)-20)
	case 5:
		g.b.WriteString("-0")
	case 6:
		g.b.WriteString("1E400") // beyond float64
	case 7:
		g.b.WriteString("0.0000000000000000000000000001e-300")
	default:
		g.b.WriteString(strconv.Itoa(g.r.IntN(1000)))
	}
}

func (g genJSON) value(depth int) {
	k := g.r.IntN(10)
	if depth > 3 && k >= 7 {
		k = 0
	}
	switch k {
	case 0, 1, 2:
		g.str()
	case 3, 4:
		g.number()
	case 5:
		g.b.WriteString([]string{"true", "false", "null"}[g.r.IntN(3)])
	case 6:
		g.object(depth+1, g.r.IntN(5))
	case 7, 8:
		g.object(depth+1, g.r.IntN(5))
	default:
		g.b.WriteByte('[')
		for i := range g.r.IntN(5) {
			if i > 0 {
				g.b.WriteByte(',')
			}
			g.ws()
			g.value(depth + 1)
			g.ws()
		}
		g.b.WriteByte(']')
	}
}

func (g genJSON) object(depth, n int) {
	g.b.WriteByte('{')
	for i := range n {
		if i > 0 {
			g.b.WriteByte(',')
		}
		g.ws()
		if g.r.IntN(2) == 0 {
			g.b.WriteString(strconv.Quote(genKeys[g.r.IntN(len(genKeys))]))
		} else {
			g.str()
		}
		g.ws()
		g.b.WriteByte(':')
		g.ws()
		g.value(depth)
	}
	g.ws()
	g.b.WriteByte('}')
}

// TestBodyEquivalentToStdlib: the body the scanner builds equals encoding/json → map[string]any
// → pcommon.Map.FromRaw of the same event, modulo the int/double rule.
func TestBodyEquivalentToStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 400 {
		var b bytes.Buffer
		g := genJSON{r: r, b: &b}
		n := 1 + r.IntN(6)
		b.WriteString(`{"endCursor":"c","data":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			g.object(0, r.IntN(12))
		}
		b.WriteString(`]}`)
		page := b.Bytes()

		var want struct {
			Data []json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(page, &want), "round %d: generator made invalid JSON", round)
		lrs := plog.NewLogRecordSlice()
		_, _, stats, err := AppendMonitorPage(page, lrs, observedAt, nil)
		require.NoError(t, err, "round %d: %s", round, page)
		require.Equal(t, n, stats.Events)
		for i, raw := range want.Data {
			expected := stdlibBody(t, raw)
			got := lrs.At(i).Body().Map()
			if !expected.Equal(got) {
				t.Fatalf("round %d event %d differs\nraw:  %s\nwant: %v\ngot:  %v", round, i, raw, expected.AsRaw(), got.AsRaw())
			}
		}
	}
}

// TestUserBodyEquivalentToStdlib is the same property for User.Append, whose digest also
// matches the reference.
func TestUserBodyEquivalentToStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 200 {
		var b bytes.Buffer
		genJSON{r: r, b: &b}.object(0, r.IntN(12))
		raw := b.Bytes()
		expected := stdlibBody(t, raw)
		lrs := plog.NewLogRecordSlice()
		u := decodeUser(raw)
		require.NoError(t, u.rec.err, "round %d", round)
		u.Append(lrs, OperationSnapshot, observedAt)
		lr := lrs.At(0)
		if _, want, err := referenceUserDigest(raw); err == nil {
			require.Equal(t, want, u.Digest, "round %d: %s", round, raw)
		}
		if !expected.Equal(lr.Body().Map()) {
			t.Fatalf("round %d differs\nraw:  %s\nwant: %v\ngot:  %v", round, raw, expected.AsRaw(), lr.Body().Map().AsRaw())
		}
	}
}

// TestBodyTemplatesEquivalentToStdlib runs the equivalence property on pages whose events share
// structures (so bodies come from templates), with values, and now and then kinds, varied.
func TestBodyTemplatesEquivalentToStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 150 {
		// One structure, rendered many times with fresh scalars from the same seed stream shape.
		seed := r.Uint64()
		var b bytes.Buffer
		b.WriteString(`{"data":[`)
		n := 2 + r.IntN(8)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			shape := rand.New(rand.NewPCG(seed, 0))        // same choices of structure every time…
			vals := rand.New(rand.NewPCG(seed, uint64(i))) // …different scalars
			sameShapeObject(&b, shape, vals, 0, shape.IntN(10))
		}
		b.WriteString(`]}`)
		page := b.Bytes()
		var want struct {
			Data []json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(page, &want), "round %d: %s", round, page)
		for pass := range 2 { // the second pass meets only known structures
			lrs := plog.NewLogRecordSlice()
			_, _, _, err := AppendMonitorPage(page, lrs, observedAt, nil)
			require.NoError(t, err)
			for i, raw := range want.Data {
				expected := stdlibBody(t, raw)
				if got := lrs.At(i).Body().Map(); !expected.Equal(got) {
					t.Fatalf("round %d pass %d event %d differs\nraw:  %s\nwant: %v\ngot:  %v", round, pass, i, raw, expected.AsRaw(), got.AsRaw())
				}
				// Fields captured where the structure's template has them: the attributes are those of
				// the event converted alone by a decoder that has seen nothing.
				alone := pageDecoders.New().(*pageDecoder)
				alone.reset(docMonitorPage, `{"data":[`+string(raw)+`]}`)
				one := plog.NewLogRecordSlice()
				alone.page(one, observedAt, nil)
				require.NoError(t, alone.err)
				if got, exp := lrs.At(i).Attributes(), one.At(0).Attributes(); !exp.Equal(got) {
					t.Fatalf("round %d pass %d event %d attributes differ\nraw:  %s\nwant: %v\ngot:  %v", round, pass, i, raw, exp.AsRaw(), got.AsRaw())
				}
			}
		}
	}
}

// sameShapeObject writes an object whose keys and nesting come from shape and whose scalars
// come from vals; one scalar in eight also takes its kind from vals, and keys repeat sometimes.
func sameShapeObject(b *bytes.Buffer, shape, vals *rand.Rand, depth, n int) {
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(genKeys[shape.IntN(len(genKeys))]))
		b.WriteByte(':')
		sameShapeValue(b, shape, vals, depth+1)
	}
	b.WriteByte('}')
}

func sameShapeValue(b *bytes.Buffer, shape, vals *rand.Rand, depth int) {
	k := shape.IntN(8)
	if depth > 3 && k >= 6 {
		k = 0
	}
	if k < 5 && vals.IntN(8) == 0 {
		k = vals.IntN(5)
	}
	g := genJSON{r: vals, b: b}
	switch k {
	case 0, 1:
		g.str()
	case 2:
		g.number()
	case 3:
		b.WriteString([]string{"true", "false"}[vals.IntN(2)])
	case 4:
		b.WriteString("null")
	case 5, 6:
		sameShapeObject(b, shape, vals, depth, shape.IntN(4))
	default:
		b.WriteByte('[')
		for i := range shape.IntN(4) {
			if i > 0 {
				b.WriteByte(',')
			}
			sameShapeValue(b, shape, vals, depth+1)
		}
		b.WriteByte(']')
	}
}
