// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package checkpoint // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/checkpoint"

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Ids are kept compact: a GUID in canonical lower-case 8-4-4-4-12 form as its 16 bytes, anything else
// as the string itself, so every id round-trips exactly and two ids never share one binary form.

// parseGUID reads a canonical lower-case GUID; any other spelling is not one.
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

// idKey is an id as a map key of either kind, for the small sets of changed ids.
type idKey struct {
	guid   [16]byte
	str    string
	isGUID bool
}

func keyOf(id string) idKey {
	if g, ok := parseGUID(id); ok {
		return idKey{guid: g, isGUID: true}
	}
	return idKey{str: id}
}

func (k idKey) String() string {
	if k.isGUID {
		return formatGUID(k.guid)
	}
	return k.str
}

var errCutShort = errors.New("cut short")

// appendString appends a uvarint length and s.
func appendString(buf []byte, s string) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(s)))
	return append(buf, s...)
}

// readString reads what appendString wrote from data[off:] and returns the offset after it.
func readString(data []byte, off int) (string, int, error) {
	n, w := binary.Uvarint(data[off:])
	if w <= 0 || n > uint64(len(data)-off-w) {
		return "", 0, fmt.Errorf("string at byte %d: %w", off, errCutShort)
	}
	off += w
	return string(data[off : off+int(n)]), off + int(n), nil
}

// read16 reads 16 bytes (a GUID, a digest: what) from data[off:].
func read16(data []byte, off int, what string) ([16]byte, int, error) {
	var g [16]byte
	if len(data)-off < 16 {
		return g, 0, fmt.Errorf("%s at byte %d: %w", what, off, errCutShort)
	}
	copy(g[:], data[off:off+16])
	return g, off + 16, nil
}

// readUvarint reads a uvarint from data[off:].
func readUvarint(data []byte, off int, what string) (uint64, int, error) {
	n, w := binary.Uvarint(data[off:])
	if w <= 0 {
		return 0, 0, fmt.Errorf("%s at byte %d: %w", what, off, errCutShort)
	}
	return n, off + w, nil
}
