// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
)

// The digest of a user record (User.Digest), written straight from the tape: a type-tagged,
// length-prefixed canonical encoding, so that no two different records share one. Its bytes are
// those of the digests earlier versions stored; TestUserDigestMatchesReference holds it to that.

// canonical encodes records; its buffers are reused record after record.
type canonical struct {
	buf     []byte
	members []member  // the members of the objects being encoded, a stack
	groups  []groupAt // the elements of ds_groups being sorted
	scratch []byte
}

type member struct {
	key string
	val int // tape index
}

// groupAt is one ds_groups element, encoded at buf[from:to].
type groupAt struct {
	id       string
	from, to int
}

// groupsKey is the top-level array whose order is not a change, and groupIDKey what it is sorted by.
const (
	groupsKey  = "ds_groups"
	groupIDKey = "ds_group_id"
)

// digest returns the first 16 bytes of the SHA-256 of the canonical encoding of the object at d.tape[0].
func (c *canonical) digest(d *decoder) (sum [16]byte) {
	c.buf = c.buf[:0]
	c.object(d, 0, true)
	full := sha256.Sum256(c.buf)
	copy(sum[:], full[:])
	return sum
}

func (c *canonical) tag(t byte, n int) {
	c.buf = binary.AppendUvarint(append(c.buf, t), uint64(n))
}

func (c *canonical) str(s string) {
	c.tag('s', len(s))
	c.buf = append(c.buf, s...)
}

func (c *canonical) value(d *decoder, i int) {
	switch t := &d.tape[i]; t.kind {
	case tStr, tNumText:
		c.str(d.text(t))
	case tInt:
		c.buf = append(strconv.AppendInt(append(c.buf, 'i'), int64(t.num), 10), ';')
	case tDouble:
		c.buf = binary.BigEndian.AppendUint64(append(c.buf, 'd'), t.num)
	case tTrue:
		c.tag('t', 0)
	case tFalse:
		c.tag('f', 0)
	case tObject:
		c.object(d, i, false)
	case tArray:
		c.tag('a', int(t.n))
		for j := i + 1; j < int(t.end); j = d.next(j) {
			c.value(d, j)
		}
	default:
		c.tag('n', 0)
	}
}

// object encodes the object at tape[i]: its members sorted by key, the last of a repeated key only.
func (c *canonical) object(d *decoder, i int, top bool) {
	base := len(c.members)
	for j := i + 1; j < int(d.tape[i].end); j = d.next(j + 1) {
		c.members = append(c.members, member{d.text(&d.tape[j]), j + 1})
	}
	ms := c.members[base:] // nested objects append after these, never over them
	slices.SortStableFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	n := 0
	for k := range ms {
		if k+1 < len(ms) && ms[k+1].key == ms[k].key {
			continue // a later duplicate follows: stable sorting kept their order
		}
		ms[n] = ms[k]
		n++
	}
	c.tag('o', n)
	for _, m := range ms[:n] {
		c.str(m.key)
		if top && m.key == groupsKey && d.tape[m.val].kind == tArray {
			c.groupList(d, m.val)
			continue
		}
		c.value(d, m.val)
	}
	c.members = c.members[:base]
}

// groupList encodes the array at tape[i] with its elements ordered by ds_group_id, then by their
// encoding, so that the order is total and independent of the server's.
func (c *canonical) groupList(d *decoder, i int) {
	t := &d.tape[i]
	c.tag('a', int(t.n))
	start, base := len(c.buf), len(c.groups)
	for j := i + 1; j < int(t.end); j = d.next(j) {
		from := len(c.buf)
		c.value(d, j)
		c.groups = append(c.groups, groupAt{id: groupID(d, j), from: from, to: len(c.buf)})
	}
	gs := c.groups[base:]
	slices.SortStableFunc(gs, func(a, b groupAt) int {
		if r := strings.Compare(a.id, b.id); r != 0 {
			return r
		}
		return bytes.Compare(c.buf[a.from:a.to], c.buf[b.from:b.to])
	})
	c.scratch = append(c.scratch[:0], c.buf[start:]...)
	c.buf = c.buf[:start]
	for _, g := range gs {
		c.buf = append(c.buf, c.scratch[g.from-start:g.to-start]...)
	}
	c.groups = c.groups[:base]
}

// groupID returns the ds_group_id of the element at tape[i] when it is an object with a string one.
func groupID(d *decoder, i int) string {
	if d.tape[i].kind != tObject {
		return ""
	}
	if k := d.member(i, groupIDKey); k >= 0 && (d.tape[k].kind == tStr || d.tape[k].kind == tNumText) {
		return d.text(&d.tape[k])
	}
	return ""
}
