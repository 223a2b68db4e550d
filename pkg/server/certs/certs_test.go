package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

var serial int64

// ca is a root and an intermediate that sign test leaves.
type ca struct {
	root, inter       *x509.Certificate
	rootKey, interKey crypto.Signer
	rootDER, interDER []byte
	pool              *x509.CertPool
}

func newCA(t *testing.T) *ca {
	t.Helper()
	c := &ca{rootKey: ecKey(t), interKey: ecKey(t)}
	tmpl := func(cn string) *x509.Certificate {
		serial++
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: t0.Add(-48 * time.Hour), NotAfter: t0.Add(365 * 24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	rt := tmpl("root")
	c.rootDER = mustCert(t, rt, rt, c.rootKey.Public(), c.rootKey)
	c.root, _ = x509.ParseCertificate(c.rootDER)
	c.interDER = mustCert(t, tmpl("intermediate"), c.root, c.interKey.Public(), c.rootKey)
	c.inter, _ = x509.ParseCertificate(c.interDER)
	c.pool = x509.NewCertPool()
	c.pool.AddCert(c.root)
	return c
}

func ecKey(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func rsaKey(t *testing.T) crypto.Signer {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustCert(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) []byte {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// leaf is a generated server certificate and its key.
type leaf struct {
	der []byte
	key crypto.Signer
}

func (c *ca) leaf(t *testing.T, key crypto.Signer, from, to time.Time, names ...string) leaf {
	t.Helper()
	serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]},
		DNSNames: names, NotBefore: from, NotAfter: to,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	return leaf{mustCert(t, tmpl, c.inter, key.Public(), c.interKey), key}
}

func certPEM(ders ...[]byte) []byte {
	var b []byte
	for _, d := range ders {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	return b
}

func keyPEM(t *testing.T, k crypto.Signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func leafName(c *tls.Certificate) string {
	if c == nil {
		return ""
	}
	return c.Leaf.Subject.CommonName
}

func TestSelection(t *testing.T) {
	c := newCA(t)
	dir := t.TempDir()
	valid := func(names ...string) leaf {
		return c.leaf(t, ecKey(t), t0.Add(-time.Hour), t0.Add(time.Hour), names...)
	}
	files := map[string]leaf{
		"00-default.pem": valid("default.test"),
		"exact.pem":      valid("www.example.com"),
		"wild.pem":       valid("*.example.com"),
		"apex.pem":       valid("example.org"),
		"expired.pem":    c.leaf(t, ecKey(t), t0.Add(-48*time.Hour), t0.Add(-time.Hour), "old.example.net", "both.example.net"),
		"future.pem":     c.leaf(t, ecKey(t), t0.Add(time.Hour), t0.Add(48*time.Hour), "new.example.net"),
		// An expired exact name under a valid wildcard.
		"stale.pem":      c.leaf(t, ecKey(t), t0.Add(-48*time.Hour), t0.Add(-time.Hour), "stale.example.com"),
		"both-valid.pem": valid("both.example.net"),
		"rsa.pem":        c.leaf(t, rsaKey(t), t0.Add(-time.Hour), t0.Add(time.Hour), "rsa.example.com"),
		// Expires last but sorts last: the default stays the first file.
		"zz-later.pem": c.leaf(t, ecKey(t), t0.Add(-time.Hour), t0.Add(3*time.Hour), "later.test"),
	}
	for name, l := range files {
		// Certificate and intermediate in one file, key in another.
		write(t, dir, name, certPEM(l.der, c.interDER))
		write(t, dir, strings.TrimSuffix(name, ".pem")+".key", keyPEM(t, l.key))
	}
	write(t, dir, "README.txt", []byte("not a certificate"))
	s, err := LoadDir(dir, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10 {
		t.Fatalf("%d identities, want 10", s.Len())
	}
	for _, tt := range []struct{ sni, want string }{
		{"www.example.com", "www.example.com"},
		{"WWW.Example.COM.", "www.example.com"},
		{"a.example.com", "*.example.com"},
		{"a.b.example.com", "default.test"}, // wildcard is one label deep
		{"example.com", "default.test"},     // and does not match the apex
		{"example.org", "example.org"},
		{"rsa.example.com", "rsa.example.com"}, // exact before wildcard
		{"old.example.net", "default.test"},    // expired: skipped
		{"new.example.net", "default.test"},    // not yet valid: skipped
		{"both.example.net", "both.example.net"},
		{"stale.example.com", "*.example.com"}, // expired exact: the wildcard still covers it
		{"", "default.test"},
		{"unknown.test", "default.test"},
	} {
		got, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: tt.sni})
		if err != nil || leafName(got) != tt.want {
			t.Errorf("SNI %q: got %q (%v), want %q", tt.sni, leafName(got), err, tt.want)
			continue
		}
		if len(got.Certificate) != 2 {
			t.Errorf("SNI %q: chain of %d, want leaf+intermediate", tt.sni, len(got.Certificate))
		}
	}
	if got, _ := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "both.example.net"}); got.Leaf.NotAfter.Before(t0) {
		t.Error("expired certificate chosen over a valid one")
	}

	// A later clock: everything with one hour validity has expired, the
	// future one has become valid.
	later, _ := LoadDir(dir, Options{Now: func() time.Time { return t0.Add(2 * time.Hour) }})
	if got, _ := later.GetCertificate(&tls.ClientHelloInfo{ServerName: "new.example.net"}); leafName(got) != "new.example.net" {
		t.Errorf("later: got %q", leafName(got))
	}
	// The default falls back to the first identity that is valid now.
	if got, _ := later.GetCertificate(&tls.ClientHelloInfo{ServerName: "www.example.com"}); leafName(got) != "new.example.net" {
		t.Errorf("later, default: got %q", leafName(got))
	}
	never, _ := LoadDir(dir, Options{Now: func() time.Time { return t0.Add(100 * time.Hour) }})
	if _, err := never.GetCertificate(&tls.ClientHelloInfo{ServerName: "www.example.com"}); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("all expired: %v, want ErrNoCertificate", err)
	}

	withDefault, _ := LoadDir(dir, Options{Now: func() time.Time { return t0 }, DefaultName: "example.org"})
	if got, _ := withDefault.GetCertificate(&tls.ClientHelloInfo{}); leafName(got) != "example.org" {
		t.Errorf("DefaultName: got %q", leafName(got))
	}
}

// TestKeyTypeByClient: with an ECDSA and an RSA certificate for one name,
// a client that only accepts RSA signatures gets the RSA one.
func TestKeyTypeByClient(t *testing.T) {
	c := newCA(t)
	dir := t.TempDir()
	ec := c.leaf(t, ecKey(t), t0.Add(-time.Hour), t0.Add(2*time.Hour), "dual.test")
	rs := c.leaf(t, rsaKey(t), t0.Add(-time.Hour), t0.Add(time.Hour), "dual.test")
	write(t, dir, "ec.pem", append(certPEM(ec.der, c.interDER), keyPEM(t, ec.key)...))
	write(t, dir, "rsa.pem", append(certPEM(rs.der, c.interDER), keyPEM(t, rs.key)...))
	s, err := LoadDir(dir, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	hello := func(schemes ...tls.SignatureScheme) *tls.ClientHelloInfo {
		return &tls.ClientHelloInfo{ServerName: "dual.test", SignatureSchemes: schemes,
			SupportedVersions: []uint16{tls.VersionTLS13}, CipherSuites: []uint16{tls.TLS_AES_128_GCM_SHA256}}
	}
	if got, _ := s.GetCertificate(hello(tls.PSSWithSHA256)); !isRSA(got) {
		t.Error("RSA-only client did not get the RSA certificate")
	}
	if got, _ := s.GetCertificate(hello(tls.ECDSAWithP256AndSHA256, tls.PSSWithSHA256)); isRSA(got) {
		t.Error("ECDSA-capable client did not get the longer-valid ECDSA certificate")
	}
}

func isRSA(c *tls.Certificate) bool {
	_, ok := c.PrivateKey.(*rsa.PrivateKey)
	return ok
}

func TestLoadPairAndOCSP(t *testing.T) {
	c := newCA(t)
	dir := t.TempDir()
	l := c.leaf(t, rsaKey(t), t0.Add(-time.Hour), t0.Add(time.Hour), "pair.test")
	cf := write(t, dir, "site.crt", certPEM(l.der, c.interDER))
	kf := write(t, dir, "site.key", pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
		Bytes: x509.MarshalPKCS1PrivateKey(l.key.(*rsa.PrivateKey))}))
	write(t, dir, "site.ocsp", []byte{0x30, 0x03, 1, 2, 3})
	s, err := LoadPair(cf, kf, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.GetCertificate(&tls.ClientHelloInfo{ServerName: "anything"})
	if err != nil || leafName(got) != "pair.test" {
		t.Fatalf("got %q, %v", leafName(got), err)
	}
	if string(got.OCSPStaple) != "\x30\x03\x01\x02\x03" {
		t.Errorf("OCSP staple %x", got.OCSPStaple)
	}
	// Combined file for both flags.
	both := write(t, dir, "both.pem", append(certPEM(l.der), keyPEM(t, l.key)...))
	if _, err := LoadPair(both, both, Options{}); err != nil {
		t.Errorf("combined file: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	c := newCA(t)
	l := c.leaf(t, ecKey(t), t0.Add(-time.Hour), t0.Add(time.Hour), "e.test")
	other := ecKey(t)
	for _, tt := range []struct {
		name  string
		files map[string][]byte
		want  string // substring of the error, naming the file
	}{
		{"corrupt-pem", map[string][]byte{"bad.pem": []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}, "bad.pem"},
		{"garbage", map[string][]byte{"junk.crt": []byte("hello")}, "junk.crt"},
		{"no-key", map[string][]byte{"lonely.pem": certPEM(l.der)}, "lonely.pem"},
		{"wrong-key", map[string][]byte{"a.pem": certPEM(l.der), "a.key": keyPEM(t, other)}, "a.pem"},
		{"key-without-cert", map[string][]byte{"a.pem": append(certPEM(l.der), keyPEM(t, l.key)...), "stray.key": keyPEM(t, other)}, "stray.key"},
		{"encrypted-key", map[string][]byte{"enc.key": pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}})}, "enc.key"},
		{"bad-key", map[string][]byte{"b.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}})}, "b.key"},
		{"empty-ocsp", map[string][]byte{"a.pem": append(certPEM(l.der), keyPEM(t, l.key)...), "a.ocsp": nil}, "a.ocsp"},
		{"empty-dir", map[string][]byte{}, "no certificate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, b := range tt.files {
				write(t, dir, n, b)
			}
			_, err := LoadDir(dir, Options{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error naming %q", err, tt.want)
			}
		})
	}
	dir := t.TempDir()
	cf := write(t, dir, "c.pem", certPEM(l.der))
	kf := write(t, dir, "k.pem", keyPEM(t, other))
	if _, err := LoadPair(cf, kf, Options{}); err == nil || !strings.Contains(err.Error(), "k.pem") {
		t.Errorf("mismatched pair: %v", err)
	}
	if _, err := LoadPair(filepath.Join(dir, "missing.pem"), kf, Options{}); err == nil || !strings.Contains(err.Error(), "missing.pem") {
		t.Errorf("missing file: %v", err)
	}
}

// TestSourceReloadAndHandshake: a real handshake through Source, a failed
// reload keeps the old certificates, a good one switches.
func TestSourceReloadAndHandshake(t *testing.T) {
	c := newCA(t)
	dir := t.TempDir()
	now := time.Now()
	l1 := c.leaf(t, ecKey(t), now.Add(-time.Hour), now.Add(time.Hour), "one.test")
	write(t, dir, "one.pem", append(certPEM(l1.der, c.interDER), keyPEM(t, l1.key)...))
	s, err := LoadDir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := NewSource(s)
	handshake := func(sni string) (string, error) {
		cn, sn := net.Pipe()
		defer cn.Close()
		defer sn.Close()
		go tls.Server(sn, &tls.Config{GetCertificate: src.GetCertificate}).Handshake()
		cl := tls.Client(cn, &tls.Config{ServerName: sni, RootCAs: c.pool})
		if err := cl.Handshake(); err != nil {
			return "", err
		}
		return cl.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
	}
	if got, err := handshake("one.test"); err != nil || got != "one.test" {
		t.Fatalf("handshake: %q %v", got, err)
	}
	write(t, dir, "broken.pem", []byte("-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n"))
	if err := src.Reload(func() (*Store, error) { return LoadDir(dir, Options{}) }); err == nil || !strings.Contains(err.Error(), "broken.pem") {
		t.Fatalf("reload with a broken file: %v", err)
	}
	if src.Store() != s {
		t.Fatal("failed reload replaced the store")
	}
	if _, err := handshake("one.test"); err != nil {
		t.Fatalf("after failed reload: %v", err)
	}
	os.Remove(filepath.Join(dir, "broken.pem"))
	l2 := c.leaf(t, ecKey(t), now.Add(-time.Hour), now.Add(time.Hour), "two.test")
	write(t, dir, "two.pem", append(certPEM(l2.der, c.interDER), keyPEM(t, l2.key)...))
	if err := src.Reload(func() (*Store, error) { return LoadDir(dir, Options{}) }); err != nil {
		t.Fatal(err)
	}
	if got, err := handshake("two.test"); err != nil || got != "two.test" {
		t.Fatalf("after reload: %q %v", got, err)
	}
}
