// Copyright The otelcol-docusign Authors
// SPDX-License-Identifier: Apache-2.0

package docusigntest // import "github.com/otelcol-docusign/otelcol-docusign/receiver/docusignreceiver/docusigntest"

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"sync"
)

// processKey is generated once per process: 2048-bit generation takes long enough to slow test suites.
var processKey = sync.OnceValue(func() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic("docusigntest: generating an RSA key: " + err.Error()) // the system's random source is broken
	}
	return key
})

// PrivateKey is the app's RSA private key, for signing assertions in tests.
func (s *Server) PrivateKey() *rsa.PrivateKey { return s.key }

// PrivateKeyPEM is the app's private key as PKCS#1 PEM ("RSA PRIVATE KEY"), what DocuSign's "Generate RSA" gives.
func (s *Server) PrivateKeyPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(s.key)})
}

// PrivateKeyPKCS8PEM is the same key as PKCS#8 PEM ("PRIVATE KEY").
func (s *Server) PrivateKeyPKCS8PEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		return nil // unreachable for a valid RSA key
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PublicKeyPEM is the app's public key as PKIX PEM ("PUBLIC KEY"), what DocuSign stores.
func (s *Server) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		return nil // unreachable for a valid RSA key
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
