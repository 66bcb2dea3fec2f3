package docusignreceiver // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver"

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// userDigest is the stable digest of one Admin API user record (convert.UserDigest).
type userDigest = [16]byte

// digestEntry is one user's last emitted state; seen marks users listed by the full sync in progress.
type digestEntry struct {
	digest userDigest
	seen   bool
}

// digestTable maps user id → digest of the record last handed to the pipeline. DocuSign's ids are
// GUIDs, kept as 16 bytes so the table costs about 40 bytes per user; other ids are kept as strings.
type digestTable struct {
	guids map[[16]byte]digestEntry
	other map[string]digestEntry
}

func newDigestTable() *digestTable {
	return &digestTable{guids: make(map[[16]byte]digestEntry), other: make(map[string]digestEntry)}
}

func (t *digestTable) len() int { return len(t.guids) + len(t.other) }

// lookup returns the digest stored for id.
func (t *digestTable) lookup(id string) (userDigest, bool) {
	var e digestEntry
	var ok bool
	if g, isGUID := parseGUID(id); isGUID {
		e, ok = t.guids[g]
	} else {
		e, ok = t.other[id]
	}
	return e.digest, ok
}

// set stores id's digest and marks it seen.
func (t *digestTable) set(id string, d userDigest) {
	if g, ok := parseGUID(id); ok {
		t.guids[g] = digestEntry{digest: d, seen: true}
		return
	}
	t.other[id] = digestEntry{digest: d, seen: true}
}

// markSeen records that a full listing returned id.
func (t *digestTable) markSeen(id string) {
	if g, ok := parseGUID(id); ok {
		if e, found := t.guids[g]; found && !e.seen {
			e.seen = true
			t.guids[g] = e
		}
		return
	}
	if e, found := t.other[id]; found && !e.seen {
		e.seen = true
		t.other[id] = e
	}
}

// clearSeen starts a full listing: every user is unseen until the listing returns it.
func (t *digestTable) clearSeen() {
	for k, e := range t.guids {
		e.seen = false
		t.guids[k] = e
	}
	for k, e := range t.other {
		e.seen = false
		t.other[k] = e
	}
}

// pruneUnseen forgets the users a complete full listing did not return; it says how many, and
// names up to sample of them.
func (t *digestTable) pruneUnseen(sample int) (n int, ids []string) {
	for k, e := range t.guids {
		if !e.seen {
			delete(t.guids, k)
			if n++; len(ids) < sample {
				ids = append(ids, formatGUID(k))
			}
		}
	}
	for k, e := range t.other {
		if !e.seen {
			delete(t.other, k)
			if n++; len(ids) < sample {
				ids = append(ids, k)
			}
		}
	}
	return n, ids
}

// Stored form: a version byte, then entries. An entry is a tag, the id (16 bytes for a GUID, or a
// uvarint length and the bytes) and the 16-byte digest: 33 bytes per GUID user.
const (
	digestFormatV1 byte = 1
	entryGUID      byte = 'g'
	entryString    byte = 's'
)

// encode returns the whole table in its stored form.
func (t *digestTable) encode() []byte {
	buf := make([]byte, 0, 1+len(t.guids)*(1+16+16)+len(t.other)*(1+8+36+16))
	buf = append(buf, digestFormatV1)
	for g, e := range t.guids {
		buf = append(buf, entryGUID)
		buf = append(buf, g[:]...)
		buf = append(buf, e.digest[:]...)
	}
	for id, e := range t.other {
		buf = appendStringEntry(buf, id, e.digest)
	}
	return buf
}

// digestDelta is the stored form of the digests one page changed.
type digestDelta struct{ buf []byte }

func (d *digestDelta) reset() { d.buf = append(d.buf[:0], digestFormatV1) }

func (d *digestDelta) add(id string, digest userDigest) {
	if g, ok := parseGUID(id); ok {
		d.buf = append(d.buf, entryGUID)
		d.buf = append(d.buf, g[:]...)
		d.buf = append(d.buf, digest[:]...)
		return
	}
	d.buf = appendStringEntry(d.buf, id, digest)
}

func appendStringEntry(buf []byte, id string, d userDigest) []byte {
	buf = append(buf, entryString)
	buf = binary.AppendUvarint(buf, uint64(len(id)))
	buf = append(buf, id...)
	return append(buf, d[:]...)
}

var errDigestsTruncated = errors.New("entry cut short")

// apply decodes a stored table or delta into t; later entries replace earlier ones.
func (t *digestTable) apply(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	if data[0] != digestFormatV1 {
		return fmt.Errorf("unknown digest format %d", data[0])
	}
	for off := 1; off < len(data); {
		tag := data[off]
		off++
		switch tag {
		case entryGUID:
			if len(data)-off < 32 {
				return fmt.Errorf("at byte %d: %w", off, errDigestsTruncated)
			}
			var g [16]byte
			var d userDigest
			copy(g[:], data[off:off+16])
			copy(d[:], data[off+16:off+32])
			t.guids[g] = digestEntry{digest: d}
			off += 32
		case entryString:
			n, w := binary.Uvarint(data[off:])
			if w <= 0 || n > uint64(len(data)-off-w) || uint64(len(data)-off-w)-n < 16 {
				return fmt.Errorf("at byte %d: %w", off, errDigestsTruncated)
			}
			off += w
			id := string(data[off : off+int(n)])
			off += int(n)
			var d userDigest
			copy(d[:], data[off:off+16])
			t.other[id] = digestEntry{digest: d}
			off += 16
		default:
			return fmt.Errorf("at byte %d: unknown entry tag %d", off-1, tag)
		}
	}
	return nil
}

// parseGUID reads a GUID in DocuSign's lower-case 8-4-4-4-12 form; any other spelling stays a string
// so an id always round-trips exactly, and two ids never share one binary form.
func parseGUID(s string) ([16]byte, bool) {
	var g [16]byte
	if len(s) != 36 {
		return g, false
	}
	j := 0
	for i := 0; i < 36; {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return g, false
			}
			i++
			continue
		}
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return g, false
		}
		g[j] = hi<<4 | lo
		j++
		i += 2
	}
	return g, true
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// formatGUID is parseGUID's inverse.
func formatGUID(g [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], g[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], g[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], g[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], g[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], g[10:16])
	return string(b[:])
}
