package dev

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDevCert(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	c, err := newDevCert(now)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Remove()
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
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
	sum := sha256.Sum256(leaf.Raw)
	if got := strings.ReplaceAll(c.Fingerprint, ":", ""); got != strings.ToUpper(hex.EncodeToString(sum[:])) {
		t.Errorf("fingerprint %s does not match the certificate", c.Fingerprint)
	}
	fi, err := os.Stat(c.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	c.Remove()
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("Remove left %s: %v", c.Dir, err)
	}
}
