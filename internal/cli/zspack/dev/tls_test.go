package dev

import (
	"os"
	"testing"
	"time"
)

func TestDevCert(t *testing.T) {
	c, err := newDevCert(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{c.CertFile, c.KeyFile} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if len(c.Fingerprint) != 95 {
		t.Errorf("fingerprint %q", c.Fingerprint)
	}
	c.Remove()
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("Remove left %s: %v", c.Dir, err)
	}
}
