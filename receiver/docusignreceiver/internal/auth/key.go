// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/internal/auth"

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"unicode"
)

const (
	// minRSABits is DocuSign's minimum key size for the JWT grant.
	minRSABits = 2048
	// maxKeyPEMBytes bounds the input: a 16384-bit key is ~12 KiB of PEM, anything far larger is not a key.
	maxKeyPEMBytes = 64 << 10
)

// Every message below is fixed text (plus numbers at most), so no error can echo key material.
var (
	errKeyEmpty     = keyError("is empty; expected a PEM block such as -----BEGIN RSA PRIVATE KEY-----")
	errKeyTooLarge  = keyError("is too large to be a PEM private key")
	errKeyNoPEM     = keyError("has no -----BEGIN ...----- line; expected a PEM block such as -----BEGIN RSA PRIVATE KEY-----")
	errKeyBadBegin  = keyError("has a malformed -----BEGIN line")
	errKeyNoEnd     = keyError("has no matching -----END ...----- line (truncated when pasted?)")
	errKeyEncrypted = keyError("is encrypted; decrypt it first (openssl rsa -in key.pem -out plain.pem)")
	errKeyHeaders   = keyError("has PEM headers, which are not supported")
	errKeyBase64    = keyError("has a PEM body that is not valid base64 (damaged when pasted?)")
	errKeyDamaged   = keyError("is neither a PKCS#1 nor a PKCS#8 private key (damaged or truncated?)")
	errKeyPublic    = keyError("is a public key; DocuSign needs the RSA private key of the key pair")
	errKeyCert      = keyError("is a certificate; DocuSign needs the RSA private key of the key pair")
	errKeyEC        = keyError("is an EC key; DocuSign needs an RSA key")
	errKeyEd25519   = keyError("is an Ed25519 key; DocuSign needs an RSA key")
	errKeyX25519    = keyError("is an X25519 key; DocuSign needs an RSA key")
	errKeyNotRSA    = keyError("is not an RSA key; DocuSign needs an RSA key")
	errKeyOpenSSH   = keyError("is in OpenSSH format; convert it with ssh-keygen -p -m PEM -f <file>")
	errKeyUnknown   = keyError("is an unexpected PEM block type; expected RSA PRIVATE KEY or PRIVATE KEY")
	errKeyInvalid   = keyError("is not a consistent RSA key")
)

func keyError(msg string) error { return errors.New("docusign private key " + msg) }

// unescapeNewlines turns what shells, JSON and secret stores do to newlines back into newlines.
var unescapeNewlines = strings.NewReplacer(
	`\\r\\n`, "\n", `\\n`, "\n", `\\r`, "\n",
	`\r\n`, "\n", `\n`, "\n", `\r`, "\n",
	"\r\n", "\n", "\r", "\n",
)

// ParsePrivateKey parses an RSA private key from PKCS#1 ("RSA PRIVATE KEY") or PKCS#8 ("PRIVATE KEY") PEM.
// It tolerates what pasting does to keys: literal `\n`, CRLF, indented lines, a key flattened onto one
// line, surrounding quotes. Errors say what is wrong and never contain key material.
func ParsePrivateKey(pemData []byte) (*rsa.PrivateKey, error) {
	if len(pemData) > maxKeyPEMBytes {
		return nil, errKeyTooLarge
	}
	text := normalizeKeyText(string(pemData))
	if text == "" {
		return nil, errKeyEmpty
	}
	label, body, err := splitPEM(text)
	if err != nil {
		return nil, err
	}
	switch label {
	case "RSA PRIVATE KEY", "PRIVATE KEY":
	case "ENCRYPTED PRIVATE KEY":
		return nil, errKeyEncrypted
	case "PUBLIC KEY", "RSA PUBLIC KEY":
		return nil, errKeyPublic
	case "CERTIFICATE", "TRUSTED CERTIFICATE", "X509 CERTIFICATE", "CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST":
		return nil, errKeyCert
	case "EC PRIVATE KEY":
		return nil, errKeyEC
	case "OPENSSH PRIVATE KEY":
		return nil, errKeyOpenSSH
	default:
		return nil, errKeyUnknown
	}
	if strings.Contains(body, ":") { // RFC 1421 headers; legacy OpenSSL encryption lives there
		if strings.Contains(body, "ENCRYPTED") || strings.Contains(body, "DEK-Info") {
			return nil, errKeyEncrypted
		}
		return nil, errKeyHeaders
	}
	der, err := decodeBase64Body(body)
	if err != nil {
		return nil, err
	}
	key, err := parseRSADER(der)
	if err != nil {
		return nil, err
	}
	if bits := key.N.BitLen(); bits < minRSABits {
		return nil, keyTooSmall(bits)
	}
	if key.Validate() != nil {
		return nil, errKeyInvalid
	}
	return key, nil
}

func keyTooSmall(bits int) error {
	return keyError("has " + strconv.Itoa(bits) + " bits; DocuSign needs an RSA key of at least 2048 bits")
}

// normalizeKeyText strips quotes and BOMs around the key and restores escaped or CR line breaks.
func normalizeKeyText(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "\ufeff"))
	for len(s) >= 2 && strings.ContainsRune("\"'`", rune(s[0])) && s[len(s)-1] == s[0] {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return strings.TrimSpace(unescapeNewlines.Replace(s))
}

// splitPEM finds the first BEGIN/END pair by its dashes rather than by lines, so flattened keys still parse.
func splitPEM(text string) (label, body string, err error) {
	begin := strings.Index(text, "-----BEGIN")
	if begin < 0 {
		return "", "", errKeyNoPEM
	}
	rest := text[begin+len("-----BEGIN"):]
	labelEnd := strings.Index(rest, "-----")
	if labelEnd < 0 {
		return "", "", errKeyBadBegin
	}
	label = collapseSpaces(rest[:labelEnd])
	rest = rest[labelEnd+len("-----"):]
	end := strings.Index(rest, "-----END")
	if end < 0 {
		return "", "", errKeyNoEnd
	}
	body = rest[:end]
	endLine := rest[end+len("-----END"):]
	endLabelEnd := strings.Index(endLine, "-----")
	if endLabelEnd < 0 || collapseSpaces(endLine[:endLabelEnd]) != label {
		return "", "", errKeyNoEnd
	}
	return label, body, nil
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// decodeBase64Body ignores all whitespace and accepts the body with or without its '=' padding.
func decodeBase64Body(body string) ([]byte, error) {
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, body)
	der, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(compact, "="))
	if err != nil || len(der) == 0 {
		return nil, errKeyBase64
	}
	return der, nil
}

// parseRSADER accepts either encoding under either label: keys are often relabelled by hand.
func parseRSADER(der []byte) (*rsa.PrivateKey, error) {
	if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return key, nil
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		switch {
		case isPublicKeyDER(der):
			return nil, errKeyPublic
		case isECKeyDER(der):
			return nil, errKeyEC
		}
		return nil, errKeyDamaged
	}
	switch key := parsed.(type) {
	case *rsa.PrivateKey:
		return key, nil
	case *ecdsa.PrivateKey:
		return nil, errKeyEC
	case ed25519.PrivateKey:
		return nil, errKeyEd25519
	case *ecdh.PrivateKey:
		return nil, errKeyX25519
	default:
		return nil, errKeyNotRSA
	}
}

func isPublicKeyDER(der []byte) bool {
	if _, err := x509.ParsePKIXPublicKey(der); err == nil {
		return true
	}
	_, err := x509.ParsePKCS1PublicKey(der)
	return err == nil
}

func isECKeyDER(der []byte) bool {
	_, err := x509.ParseECPrivateKey(der)
	return err == nil
}
