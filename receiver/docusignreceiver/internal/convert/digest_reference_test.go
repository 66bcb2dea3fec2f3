// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// referenceUserDigest is UserDigest as it was before users were tokenized once (bf1f248..5f38b7f):
// the digests the receiver stored then must keep matching, so User.Digest is held to it. It
// digests the record through a pcommon.Map, an independent path from digest.go's tape walk.
func referenceUserDigest(raw []byte) (id string, digest [16]byte, err error) {
	var d decoder
	d.reset(docUserRecord, string(raw))
	if d.document(0) && d.tape[0].kind != tObject {
		d.fail(0, "not a JSON object")
	}
	if d.err != nil {
		return "", digest, d.err
	}
	m := pcommon.NewMap()
	d.buildMap(0, m)
	v, ok := m.Get("id")
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return "", digest, errors.New(`user record: "id" is missing or not a non-empty string`)
	}
	h := sha256.New()
	c := refCanonicalWriter{h: h}
	c.object(m, true)
	copy(digest[:], h.Sum(nil))
	return strings.Clone(v.Str()), digest, nil
}

type refCanonicalWriter struct {
	h   io.Writer
	buf []byte
}

func (c *refCanonicalWriter) tag(t byte, n int) {
	c.buf = append(c.buf[:0], t)
	c.buf = binary.AppendUvarint(c.buf, uint64(n))
	c.h.Write(c.buf)
}

func (c *refCanonicalWriter) str(s string) {
	c.tag('s', len(s))
	c.h.Write([]byte(s))
}

func (c *refCanonicalWriter) value(v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		c.str(v.Str())
	case pcommon.ValueTypeInt:
		c.buf = strconv.AppendInt(append(c.buf[:0], 'i'), v.Int(), 10)
		c.buf = append(c.buf, ';')
		c.h.Write(c.buf)
	case pcommon.ValueTypeDouble:
		c.buf = binary.BigEndian.AppendUint64(append(c.buf[:0], 'd'), math.Float64bits(v.Double()))
		c.h.Write(c.buf)
	case pcommon.ValueTypeBool:
		if v.Bool() {
			c.tag('t', 0)
		} else {
			c.tag('f', 0)
		}
	case pcommon.ValueTypeMap:
		c.object(v.Map(), false)
	case pcommon.ValueTypeSlice:
		c.array(v.Slice(), nil)
	default:
		c.tag('n', 0)
	}
}

func (c *refCanonicalWriter) object(m pcommon.Map, top bool) {
	type member struct {
		k string
		v pcommon.Value
	}
	members := make([]member, 0, m.Len())
	for k, v := range m.All() {
		members = append(members, member{k, v})
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.k, b.k) })
	c.tag('o', len(members))
	for _, e := range members {
		c.str(e.k)
		if top && e.k == "ds_groups" && e.v.Type() == pcommon.ValueTypeSlice {
			c.array(e.v.Slice(), refByGroupID)
			continue
		}
		c.value(e.v)
	}
}

func (c *refCanonicalWriter) array(s pcommon.Slice, order func(a, b pcommon.Value) int) {
	c.tag('a', s.Len())
	if order == nil {
		for _, v := range s.All() {
			c.value(v)
		}
		return
	}
	items := make([]pcommon.Value, 0, s.Len())
	for _, v := range s.All() {
		items = append(items, v)
	}
	slices.SortStableFunc(items, order)
	for _, v := range items {
		c.value(v)
	}
}

func refByGroupID(a, b pcommon.Value) int {
	if r := cmp.Compare(refGroupID(a), refGroupID(b)); r != 0 {
		return r
	}
	return strings.Compare(refCanonical(a), refCanonical(b))
}

func refGroupID(v pcommon.Value) string {
	if v.Type() != pcommon.ValueTypeMap {
		return ""
	}
	if id, ok := v.Map().Get("ds_group_id"); ok && id.Type() == pcommon.ValueTypeStr {
		return id.Str()
	}
	return ""
}

func refCanonical(v pcommon.Value) string {
	var sb strings.Builder
	c := refCanonicalWriter{h: &sb}
	c.value(v)
	return sb.String()
}
