package dev

import (
	"os"
	"path/filepath"
	"time"

	"zeroserve.dev/zeroserve/internal/selfsigned"
)

// devCert is a throwaway certificate for `zspack dev --tls` (see
// selfsigned.Write). Its files live in a private temporary directory
// removed by Remove.
type devCert struct {
	Dir, CertFile, KeyFile string
	Fingerprint            string // SHA-256, colon-separated hex
}

func newDevCert(now time.Time) (*devCert, error) {
	dir, err := os.MkdirTemp("", "zspack-dev-tls-")
	if err != nil {
		return nil, err
	}
	c := &devCert{Dir: dir, CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	c.Fingerprint, err = selfsigned.Write(c.CertFile, c.KeyFile, "zspack dev (throwaway)", now)
	if err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

// Remove deletes the certificate's files.
func (c *devCert) Remove() { os.RemoveAll(c.Dir) }
