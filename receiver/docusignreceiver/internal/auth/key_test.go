// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pasteManglings are what copying a key through shells, JSON, YAML and web forms does to it.
var pasteManglings = []struct {
	name   string
	mangle func(string) string
}{
	{"as generated", func(s string) string { return s }},
	{"literal backslash-n", func(s string) string { return strings.ReplaceAll(s, "\n", `\n`) }},
	{"double-escaped backslash-n", func(s string) string { return strings.ReplaceAll(s, "\n", `\\n`) }},
	{"literal backslash-r-backslash-n", func(s string) string { return strings.ReplaceAll(s, "\n", `\r\n`) }},
	{"CRLF", func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }},
	{"one line with spaces", func(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", " ") }},
	{"one line without separators", func(s string) string {
		return strings.ReplaceAll(strings.TrimSpace(s), "\n", "")
	}},
	{"indented lines with trailing spaces", func(s string) string {
		lines := strings.Split(strings.TrimSpace(s), "\n")
		for i, l := range lines {
			lines[i] = "    " + l + " \t"
		}
		return strings.Join(lines, "\n")
	}},
	{"double quoted", func(s string) string { return `"` + s + `"` }},
	{"single quoted with literal backslash-n", func(s string) string {
		return `'` + strings.ReplaceAll(s, "\n", `\n`) + `'`
	}},
	{"BOM and blank lines around", func(s string) string { return "\ufeff\n\n  " + s + "\n\n" }},
	{"padding dropped", func(s string) string { return strings.ReplaceAll(s, "=", "") }},
}

func TestParsePrivateKeyAccepts(t *testing.T) {
	key := testKey()
	encodings := map[string]string{"PKCS#1": pkcs1PEM(key), "PKCS#8": pkcs8PEM(t, key)}
	for encName, encoded := range encodings {
		for _, m := range pasteManglings {
			t.Run(encName+"/"+m.name, func(t *testing.T) {
				got, err := ParsePrivateKey([]byte(m.mangle(encoded)))
				require.NoError(t, err)
				assert.True(t, key.Equal(got), "parsed key differs from the original")
			})
		}
	}
}

func TestParsePrivateKeyRejects(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalECPrivateKey(ecKey)
	require.NoError(t, err)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	smallKey, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	pkixPub, err := x509.MarshalPKIXPublicKey(&testKey().PublicKey)
	require.NoError(t, err)
	cert := selfSignedCert(t)
	good := pkcs1PEM(testKey())
	goodBody := pemBody(good)

	block := func(label string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der}))
	}
	tests := []struct {
		name    string
		input   string
		wantErr string
	}{
		{"EC key in PKCS#8", pkcs8PEM(t, ecKey), "EC key"},
		{"EC key in SEC 1", block("EC PRIVATE KEY", ecDER), "EC key"},
		{"EC key relabelled as RSA", block("RSA PRIVATE KEY", ecDER), "EC key"},
		{"Ed25519 key in PKCS#8", pkcs8PEM(t, edKey), "Ed25519"},
		{"1024-bit RSA in PKCS#1", pkcs1PEM(smallKey), "has 1024 bits"},
		{"1024-bit RSA in PKCS#8", pkcs8PEM(t, smallKey), "has 1024 bits"},
		{"PKIX public key", block("PUBLIC KEY", pkixPub), "public key"},
		{"PKCS#1 public key", block("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&testKey().PublicKey)), "public key"},
		{"public key relabelled as private", block("PRIVATE KEY", pkixPub), "public key"},
		{"certificate", cert, "certificate"},
		{"certificate-looking block", "-----BEGIN CERTIFICATE-----\nTUlJQ2xqQ0NBWDRDQ1FE\n-----END CERTIFICATE-----\n", "certificate"},
		{"empty", "", "is empty"},
		{"whitespace", " \n\t\r\n ", "is empty"},
		{"empty quotes", `""`, "is empty"},
		{"garbage", "this is not a key, it is a sentence", "no -----BEGIN"},
		{"body without armor", goodBody, "no -----BEGIN"},
		{"cut before END", good[:len(good)/2], "no matching -----END"},
		{"END label differs", strings.Replace(good, "END RSA PRIVATE KEY", "END PRIVATE KEY", 1), "no matching -----END"},
		{"body truncated", "-----BEGIN RSA PRIVATE KEY-----\n" + goodBody[:len(goodBody)/2] + "\n-----END RSA PRIVATE KEY-----\n", "neither a PKCS#1 nor a PKCS#8"},
		{"body corrupted", strings.Replace(good, goodBody[100:120], "!!!!"+goodBody[104:120], 1), "not valid base64"},
		{"legacy encrypted PKCS#1", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,0123456789ABCDEF\n\n" + goodBody + "\n-----END RSA PRIVATE KEY-----\n", "encrypted"},
		{"encrypted PKCS#8", block("ENCRYPTED PRIVATE KEY", []byte("opaque")), "encrypted"},
		{"OpenSSH key", block("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00")), "OpenSSH"},
		{"unknown block", block("SOMETHING ELSE", []byte("x")), "unexpected PEM block type"},
		{"too large", strings.Repeat("A", maxKeyPEMBytes+1), "too large"},
		{"BEGIN without closing dashes", "-----BEGIN RSA PRIVATE KEY", "malformed -----BEGIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := ParsePrivateKey([]byte(tt.input))
			require.Error(t, err)
			assert.Nil(t, key)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.NotContains(t, err.Error(), "\n")
			assertNoKeyMaterial(t, tt.input, err.Error(), 16)
		})
	}
}

func TestParsePrivateKeyErrorNeverEchoesTheKey(t *testing.T) {
	// A valid key made invalid in each part of the parse must not be quoted back in the error.
	good := pkcs1PEM(testKey())
	body := pemBody(good)
	for _, input := range []string{
		strings.Replace(good, "RSA PRIVATE KEY-----", "RSA PRIVATE KEY", 1),
		strings.Replace(good, "-----END", "", 1),
		good[:len(good)-200] + "-----END RSA PRIVATE KEY-----",
		strings.Replace(good, body[:64], body[:63]+"#", 1),
		strings.Replace(good, "BEGIN RSA PRIVATE KEY", "BEGIN "+body[:40], 1),
	} {
		_, err := ParsePrivateKey([]byte(input))
		require.Error(t, err)
		assertNoKeyMaterial(t, input, err.Error(), 16)
	}
}

// assertNoKeyMaterial fails if any window of n base64 characters of input appears in msg.
func assertNoKeyMaterial(t testing.TB, input, msg string, n int) {
	t.Helper()
	for _, run := range base64Run.FindAllString(input, -1) {
		for i := 0; i+n <= len(run); i++ {
			if strings.Contains(msg, run[i:i+n]) {
				t.Fatalf("error %q contains key material %q", msg, run[i:i+n])
			}
		}
	}
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/=]{16,}`)

// pemBody returns the base64 of a PEM block without line breaks.
func pemBody(p string) string {
	block, _ := pem.Decode([]byte(p))
	return base64.StdEncoding.EncodeToString(block.Bytes)
}

func selfSignedCert(t *testing.T) string {
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "docusign-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &testKey().PublicKey, testKey())
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func FuzzParsePrivateKey(f *testing.F) {
	good := pkcs1PEM(testKey())
	for _, m := range pasteManglings {
		f.Add([]byte(m.mangle(good)))
	}
	f.Add([]byte(pkcs8PEM(f, testKey())))
	f.Add([]byte(""))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----"))
	f.Add([]byte("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END RSA PRIVATE KEY-----"))
	f.Add([]byte(`"\\n-----BEGIN-----END-----"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParsePrivateKey(data)
		if err != nil {
			require.Nil(t, key)
			assertNoKeyMaterial(t, string(data), err.Error(), 20)
			return
		}
		require.NotNil(t, key)
		require.GreaterOrEqual(t, key.N.BitLen(), minRSABits)
	})
}
