// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package convert // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/convert"

import (
	"encoding/binary"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The encoding of ProfileSecurity that a receiver keeps: compact (a few dozen bytes), stable (one
// state has one encoding) and versioned. Version 1:
//
//	byte     1: the version
//	byte     the Bools, bit 0 IsOrganizationAdmin, 1 TwoStepRequired, 2 DeviceVerification,
//	         3 AccountAdmin; the other bits 0
//	text     FederatedStatus, then Status: a uvarint length (shortest form), then that many bytes of UTF-8
//	uvarint  the number of PermissionProfiles, then each as a text, sorted, each once

const securityVersion = 1

// Bits of the Bools byte.
const (
	bitOrganizationAdmin = 1 << iota
	bitTwoStepRequired
	bitDeviceVerification
	bitAccountAdmin
	securityBits = bitOrganizationAdmin | bitTwoStepRequired | bitDeviceVerification | bitAccountAdmin
)

// AppendBinary appends the encoding of s to dst and returns the extended slice; the permission
// profiles are encoded sorted and each once, whatever their order in s, and invalid UTF-8 as
// U+FFFD. (Unlike encoding.BinaryAppender's, it cannot fail.)
func (s ProfileSecurity) AppendBinary(dst []byte) []byte {
	var bits byte
	for _, b := range []struct {
		set bool
		bit byte
	}{
		{s.IsOrganizationAdmin, bitOrganizationAdmin}, {s.TwoStepRequired, bitTwoStepRequired},
		{s.DeviceVerification, bitDeviceVerification}, {s.AccountAdmin, bitAccountAdmin},
	} {
		if b.set {
			bits |= b.bit
		}
	}
	dst = append(dst, securityVersion, bits)
	dst = appendText(dst, s.FederatedStatus)
	dst = appendText(dst, s.Status)
	profiles := s.PermissionProfiles
	if !isSortedOnce(profiles) || slices.ContainsFunc(profiles, func(p string) bool { return !utf8.ValidString(p) }) {
		profiles = sortedOnceCopy(profiles)
	}
	dst = binary.AppendUvarint(dst, uint64(len(profiles)))
	for _, p := range profiles {
		dst = appendText(dst, p)
	}
	return dst
}

// appendText appends s's length and s, invalid UTF-8 as U+FFFD (as the decoder's texts are).
func appendText(dst []byte, s string) []byte {
	s = validUTF8(s)
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// DecodeProfileSecurity decodes the encoding AppendBinary made at the start of b and returns it
// with the number of bytes it took. An encoding that is truncated, of an unknown version, has
// unknown bits set, texts that are not UTF-8, or permission profiles out of order or repeated is
// an error naming the field; nothing is allocated beyond the size of b.
func DecodeProfileSecurity(b []byte) (ProfileSecurity, int, error) {
	var s ProfileSecurity
	if len(b) < 2 {
		return s, 0, securityError("the encoding is truncated")
	}
	if b[0] != securityVersion {
		return s, 0, securityError("version " + strconv.Itoa(int(b[0])) + " is unknown")
	}
	bits := b[1]
	if bits&^securityBits != 0 {
		return s, 0, securityError("unknown flags " + strconv.Itoa(int(bits&^securityBits)))
	}
	s.IsOrganizationAdmin = bits&bitOrganizationAdmin != 0
	s.TwoStepRequired = bits&bitTwoStepRequired != 0
	s.DeviceVerification = bits&bitDeviceVerification != 0
	s.AccountAdmin = bits&bitAccountAdmin != 0
	r := securityReader{b: b, pos: 2}
	s.FederatedStatus = r.text(AttrDocuSignUserFederatedStatus)
	s.Status = r.text(AttrDocuSignUserStatus)
	n, ok := r.uvarint(AttrDocuSignUserPermissionProfiles)
	if ok && n > uint64(len(b)-r.pos) { // each profile takes at least its length byte
		r.fail(AttrDocuSignUserPermissionProfiles + ": " + strconv.FormatUint(n, 10) + " profiles in " + strconv.Itoa(len(b)-r.pos) + " bytes")
	}
	if r.err == nil && n > 0 {
		s.PermissionProfiles = make([]string, 0, n)
		for range n {
			p := r.text(AttrDocuSignUserPermissionProfiles)
			if r.err != nil {
				break
			}
			if k := len(s.PermissionProfiles); k > 0 && s.PermissionProfiles[k-1] >= p {
				r.fail(AttrDocuSignUserPermissionProfiles + ": not sorted, each once")
				break
			}
			s.PermissionProfiles = append(s.PermissionProfiles, p)
		}
	}
	if r.err != nil {
		return ProfileSecurity{}, 0, r.err
	}
	return s, r.pos, nil
}

// securityReader reads the fields of an encoding; the first fault sticks.
type securityReader struct {
	b       []byte
	pos     int
	err     error
	scratch [binary.MaxVarintLen64]byte
}

func (r *securityReader) fail(msg string) {
	if r.err == nil {
		r.err = securityError(msg)
	}
}

func (r *securityReader) uvarint(field string) (uint64, bool) {
	if r.err != nil {
		return 0, false
	}
	n, size := binary.Uvarint(r.b[r.pos:])
	if size <= 0 {
		r.fail(field + ": the length is truncated or too long")
		return 0, false
	}
	if size != len(binary.AppendUvarint(r.scratch[:0], n)) { // one state, one encoding
		r.fail(field + ": the length is not in its shortest form")
		return 0, false
	}
	r.pos += size
	return n, true
}

// text reads a length and that many bytes of UTF-8, as a string of their own.
func (r *securityReader) text(field string) string {
	n, ok := r.uvarint(field)
	if !ok {
		return ""
	}
	if n > uint64(len(r.b)-r.pos) {
		r.fail(field + ": " + strconv.FormatUint(n, 10) + " bytes beyond the " + strconv.Itoa(len(r.b)-r.pos) + " left")
		return ""
	}
	t := r.b[r.pos : r.pos+int(n)]
	if !utf8.Valid(t) {
		r.fail(field + ": not UTF-8")
		return ""
	}
	r.pos += int(n)
	return string(t)
}

func securityError(msg string) error { return errors.New("profile security: " + msg) }

// isSortedOnce reports whether names is sorted with no name twice.
func isSortedOnce(names []string) bool {
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			return false
		}
	}
	return true
}

// sortedOnceCopy returns names made valid UTF-8, sorted, each once, without changing names.
func sortedOnceCopy(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = validUTF8(n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
