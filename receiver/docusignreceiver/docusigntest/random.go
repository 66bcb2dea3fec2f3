// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"crypto/rand"
	"encoding/hex"
)

// Streams separate the deterministic sequences so that, e.g., user k and event k do not share bits.
const (
	streamEvent uint64 = iota + 1
	streamEventID
	streamTimestamp
	streamUser
	streamUserID
	streamProfile     // generated profile choices, per user id
	streamEventUser   // which directory users a generated event names
	streamUnknownUser // ids of users an event names that are not in the directory
)

// splitmix64 finaliser: a cheap, well-mixed hash that makes data a pure function of (seed, index).
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// detRand is a deterministic generator for one record: every field draw is reproducible.
type detRand struct{ state uint64 }

func newDetRand(seed int64, stream uint64, index uint64) detRand {
	return detRand{state: mix64(uint64(seed) ^ mix64(stream<<56^index))}
}

func (r *detRand) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	return mix64(r.state)
}

// intn returns a value in [0, n); n must be > 0.
func (r *detRand) intn(n int) int { return int(r.next() % uint64(n)) }

// float returns a value in [0, 1).
func (r *detRand) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance reports true with probability percent/100.
func (r *detRand) chance(percent int) bool { return r.intn(100) < percent }

// appendGUID writes a version-4-shaped GUID built from two 64-bit values.
func appendGUID(b []byte, hi, lo uint64) []byte {
	const digits = "0123456789abcdef"
	hi = hi&^0xf000 | 0x4000     // version nibble
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	var raw [32]byte
	for i := 0; i < 16; i++ {
		raw[15-i] = digits[hi>>(4*i)&0xf]
		raw[31-i] = digits[lo>>(4*i)&0xf]
	}
	b = append(b, raw[0:8]...)
	b = append(b, '-')
	b = append(b, raw[8:12]...)
	b = append(b, '-')
	b = append(b, raw[12:16]...)
	b = append(b, '-')
	b = append(b, raw[16:20]...)
	b = append(b, '-')
	return append(b, raw[20:32]...)
}

// detGUID is the GUID of record index in stream, a pure function of the seed.
func detGUID(seed int64, stream uint64, index uint64) string {
	r := newDetRand(seed, stream, index)
	return string(appendGUID(make([]byte, 0, 36), r.next(), r.next()))
}

// randomGUID is for values that must not be predictable or repeat across runs (trace tokens).
func randomGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	hi, lo := uint64(0), uint64(0)
	for i := 0; i < 8; i++ {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return string(appendGUID(make([]byte, 0, 36), hi, lo))
}

// randomToken is an opaque bearer token: 32 random bytes, hex encoded.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
