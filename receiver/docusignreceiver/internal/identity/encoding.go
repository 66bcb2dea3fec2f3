// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package identity // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/identity"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"
)

// An entry is stored as one string: a version byte, the 16-byte record digest, when it was first
// listed (uvarint Unix seconds), email, user name,
// first name, last name and status, the number of groups and each group name (every text a uvarint
// length and its bytes), then 0, or 1 and the profile: its time (uvarint Unix seconds), its record
// digest, last login, and the security fields in convert's encoding. Decoding takes substrings of it:
// a lookup allocates little more than the group slice.
const (
	formatV1 byte = 1
	// formatUnnamed is formatV1 for an entry kept without names (WithoutNames): only its status is
	// known, so an inventory that wants names lists the user again.
	formatUnnamed byte = 2
	maxGroups          = 1 << 10 // bounds what a stored entry can make a lookup allocate
	maxSeconds         = 1 << 40 // far beyond any time a listing or profile is read at
)

var errDamaged = errors.New("stored identity is damaged")

func encode(e Entry) string {
	who := e.Identity
	b := make([]byte, 0, 64+len(who.Email)+len(who.UserName)+len(who.FirstName)+len(who.LastName)+len(who.Status)+16*len(who.Groups))
	if e.Unnamed {
		b = append(b, formatUnnamed)
	} else {
		b = append(b, formatV1)
	}
	b = append(b, e.Digest[:]...)
	b = binary.AppendUvarint(b, unixSeconds(e.Listed))
	for _, s := range []string{who.Email, who.UserName, who.FirstName, who.LastName, who.Status} {
		b = appendText(b, s)
	}
	groups := who.Groups[:min(len(who.Groups), maxGroups)]
	b = binary.AppendUvarint(b, uint64(len(groups)))
	for _, g := range groups {
		b = appendText(b, g)
	}
	if p := e.Profile; p != nil {
		b = append(b, 1)
		b = binary.AppendUvarint(b, unixSeconds(p.At))
		b = append(b, p.Digest[:]...)
		b = appendText(b, p.LastLogin)
		b = p.Security.AppendBinary(b)
	} else {
		b = append(b, 0)
	}
	return string(b)
}

// unixSeconds is t in Unix seconds; the zero time and anything before 1970 are 0.
func unixSeconds(t time.Time) uint64 {
	if t.IsZero() {
		return 0
	}
	return uint64(max(t.Unix(), 0))
}

// timeOf reverses unixSeconds.
func timeOf(secs uint64) time.Time {
	if secs == 0 {
		return time.Time{}
	}
	return time.Unix(int64(secs), 0).UTC()
}

func appendText(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func decode(enc string) (Entry, error) {
	who, off, err := decodeIdentity(enc)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Identity: who, Unnamed: enc[0] == formatUnnamed}
	copy(e.Digest[:], enc[1:17])
	listed, _ := uvarint(enc, 17) // decodeIdentity checked it
	e.Listed = timeOf(listed)
	if off >= len(enc) {
		return Entry{}, errDamaged
	}
	profiled := enc[off]
	off++
	if profiled == 1 {
		var p Profile
		secs, w := uvarint(enc, off)
		if w <= 0 || len(enc)-off-w < 16 || secs > maxSeconds {
			return Entry{}, errDamaged
		}
		p.At = timeOf(secs)
		off += w
		copy(p.Digest[:], enc[off:off+16])
		off += 16
		var err error
		if p.LastLogin, off, err = readText(enc, off); err != nil {
			return Entry{}, err
		}
		sec, used, err := convert.DecodeProfileSecurity([]byte(enc[off:]))
		if err != nil {
			return Entry{}, fmt.Errorf("%w: %w", errDamaged, err)
		}
		p.Security = sec
		off += used
		e.Profile = &p
	} else if profiled != 0 {
		return Entry{}, errDamaged
	}
	if off != len(enc) {
		return Entry{}, errDamaged
	}
	return e, nil
}

// decodeIdentity reads the digest and identity at the start of an entry and says where they end.
func decodeIdentity(enc string) (convert.Identity, int, error) {
	var who convert.Identity
	if len(enc) < 1+16 || enc[0] != formatV1 && enc[0] != formatUnnamed {
		return who, 0, errDamaged
	}
	listed, w := uvarint(enc, 17)
	if w <= 0 || listed > maxSeconds {
		return who, 0, errDamaged
	}
	off := 17 + w
	for _, dst := range []*string{&who.Email, &who.UserName, &who.FirstName, &who.LastName, &who.Status} {
		s, next, err := readText(enc, off)
		if err != nil {
			return convert.Identity{}, 0, err
		}
		*dst, off = s, next
	}
	n, w := uvarint(enc, off)
	if w <= 0 || n > maxGroups {
		return convert.Identity{}, 0, errDamaged
	}
	off += w
	if n > 0 {
		who.Groups = make([]string, 0, n)
	}
	for range n {
		s, next, err := readText(enc, off)
		if err != nil {
			return convert.Identity{}, 0, err
		}
		who.Groups, off = append(who.Groups, s), next
	}
	return who, off, nil
}

// uvarint reads a uvarint at enc[off:] without copying it; w ≤ 0 as binary.Uvarint's.
func uvarint(enc string, off int) (x uint64, w int) {
	var shift uint
	for i := off; i < len(enc) && i-off < binary.MaxVarintLen64; i++ {
		c := enc[i]
		if c < 0x80 {
			return x | uint64(c)<<shift, i - off + 1
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, 0
}

func readText(enc string, off int) (string, int, error) {
	n, w := uvarint(enc, off)
	if w <= 0 || n > uint64(len(enc)-off-w) {
		return "", 0, errDamaged
	}
	start := off + w
	return enc[start : start+int(n)], start + int(n), nil
}

// entryCodec stores an encoded entry as a uvarint length and its bytes, checked on the way in.
type entryCodec struct{}

func (entryCodec) Append(dst []byte, v string) []byte { return appendText(dst, v) }

func (entryCodec) Decode(src []byte) (string, int, error) {
	n, w := binary.Uvarint(src)
	if w <= 0 || n > uint64(len(src)-w) {
		return "", 0, fmt.Errorf("identity: %w", errDamaged)
	}
	v := string(src[w : w+int(n)])
	if _, err := decode(v); err != nil {
		return "", 0, err
	}
	return v, w + int(n), nil
}
