package main

import (
	"time"

	"zeroserve.dev/zeroserve/internal/selfsigned"
)

// writeCert writes a throwaway self-signed ECDSA P-256 certificate for
// 127.0.0.1 and localhost to certPath and its key to keyPath (PEM). Every
// server under test gets these same two files.
func writeCert(certPath, keyPath string) error {
	_, err := selfsigned.Write(certPath, keyPath, "zeroserve bench", time.Now())
	return err
}
