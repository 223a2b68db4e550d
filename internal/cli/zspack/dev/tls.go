package dev

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// devCert is a throwaway certificate for `zspack dev --tls`: ECDSA P-256,
// self-signed, valid for localhost and the loopback addresses for a week.
// Its files live in a private temporary directory removed by Remove.
type devCert struct {
	Dir, CertFile, KeyFile string
	Fingerprint            string // SHA-256 of the DER certificate, colon-separated hex
}

func newDevCert(now time.Time) (*devCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("generate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "zspack dev (throwaway)"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	dir, err := os.MkdirTemp("", "zspack-dev-tls-")
	if err != nil {
		return nil, err
	}
	c := &devCert{Dir: dir, CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	if err := writePEM(c.CertFile, "CERTIFICATE", der); err != nil {
		c.Remove()
		return nil, err
	}
	if err := writePEM(c.KeyFile, "PRIVATE KEY", keyDER); err != nil {
		c.Remove()
		return nil, err
	}
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var fp strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			fp.WriteByte(':')
		}
		fp.WriteString(h[i : i+2])
	}
	c.Fingerprint = fp.String()
	return c, nil
}

func writePEM(name, typ string, der []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := pem.Encode(f, &pem.Block{Type: typ, Bytes: der}); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Remove deletes the certificate's files.
func (c *devCert) Remove() { os.RemoveAll(c.Dir) }
