package selfsigned

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	fp, err := Write(certFile, keyFile, "test", now)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%s): %v", host, err)
		}
	}
	if !leaf.NotBefore.Before(now) || !leaf.NotAfter.After(now.Add(24*time.Hour)) {
		t.Errorf("validity %v..%v does not cover %v and the next day", leaf.NotBefore, leaf.NotAfter, now)
	}
	if fp != Fingerprint(leaf.Raw) || len(fp) != 95 {
		t.Errorf("fingerprint %q does not match the certificate", fp)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := Write(certFile, keyFile, "test", now); err == nil {
		t.Error("Write over existing files succeeded")
	}
}
