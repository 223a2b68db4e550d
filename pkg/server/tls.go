package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"

	"zeroserve.dev/zeroserve/pkg/server/certs"
	"zeroserve.dev/zeroserve/pkg/server/tlsrec"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// tlsState is what the TLS listeners share: the certificates (swapped on
// reload) and one tlsrec.Config, kept for the life of the Server so that
// session tickets stay valid across reloads.
type tlsState struct {
	certFile, keyFile, certDir string
	src                        *certs.Source
	cfg                        *tlsrec.Config
	validate                   bool
}

// setupTLS loads the certificates and builds the TLS configuration when
// Config.TLSAddrs is set.
func (s *Server) setupTLS() error {
	cfg := s.cfg
	hasPair := cfg.CertFile != "" || cfg.KeyFile != ""
	switch {
	case len(cfg.TLSAddrs) == 0:
		if hasPair || cfg.CertDir != "" {
			return errors.New("certificates given without a TLS address (--tls-addr)")
		}
		return nil
	case hasPair && cfg.CertDir != "":
		return errors.New("give either a certificate and key or a certificate directory, not both")
	case hasPair && (cfg.CertFile == "" || cfg.KeyFile == ""):
		return errors.New("a certificate needs its key and a key its certificate (--cert and --key)")
	case !hasPair && cfg.CertDir == "":
		return errors.New("a TLS address needs certificates (--cert/--key or --cert-dir)")
	}
	minV := cfg.TLSMinVersion
	switch minV {
	case 0:
		minV = tls.VersionTLS12
	case tls.VersionTLS12, tls.VersionTLS13:
	default:
		return fmt.Errorf("TLS minimum version %#x: want TLS 1.2 or 1.3", minV)
	}
	st := &tlsState{certFile: cfg.CertFile, keyFile: cfg.KeyFile, certDir: cfg.CertDir,
		validate: cfg.ValidateHostnames}
	store, err := st.load()
	if err != nil {
		return err
	}
	st.src = certs.NewSource(store)
	protos := []string{"http/1.1"}
	if s.h2 != nil {
		protos = []string{"h2", "http/1.1"}
	}
	st.cfg, err = tlsrec.NewConfig(tlsrec.BaseConfig(minV, protos, st.src.GetCertificate), tlsrec.Options{
		HandshakeTimeout: cfg.HeaderTimeout,
		WriteTimeout:     cfg.WriteTimeout,
	})
	if err != nil {
		return err
	}
	s.tls = st
	return nil
}

// load reads the certificates from their files. Certificates no handshake
// could use (all expired or not valid yet) are an error like a broken
// file: Reload then keeps the previous ones.
func (st *tlsState) load() (*certs.Store, error) {
	var store *certs.Store
	var err error
	if st.certDir != "" {
		store, err = certs.LoadDir(st.certDir, certs.Options{})
		if err == nil && store.Len() == 0 {
			err = fmt.Errorf("%s: no certificate", st.certDir)
		}
	} else {
		store, err = certs.LoadPair(st.certFile, st.keyFile, certs.Options{})
	}
	if err != nil {
		return nil, err
	}
	// No server name: the default, the first certificate valid now.
	if _, err := store.GetCertificate(&tls.ClientHelloInfo{}); err != nil {
		return nil, fmt.Errorf("no certificate is valid now (all expired or not valid yet): %w", err)
	}
	return store, nil
}

// afterHandshake is the tlsrec.NextFunc of the TLS listeners: HTTP/2 for
// ALPN "h2", HTTP/1.1 otherwise.
func (s *Server) afterHandshake(st *tls.ConnectionState, info transport.Info) transport.Conn {
	hc := hostCheck{tls: true, sni: st.ServerName}
	if s.tls.validate {
		hc.validate = s.tls.src
	}
	if st.NegotiatedProtocol == "h2" && s.h2 != nil {
		return s.newH2(info, hc)
	}
	o := s.opts
	o.cur = &s.cur
	c := newConn(&o, info)
	c.tls = true
	c.hc = hc
	return s.withEndpoint(c) // endpoint.go
}

// hostCheck decides 421 Misdirected Request for one connection: on TLS,
// when the client sent SNI and the request's host differs from it, and
// with --validate-hostnames when no certificate covers the host.
type hostCheck struct {
	tls      bool
	sni      string
	validate *certs.Source // nil: no certificate check
	okStore  *certs.Store  // the last host that passed, per store
	okHost   []byte
}

// misdirected reports whether a request for host (a Host field or
// :authority, with an optional port) must get 421. A request without a
// host is not checked.
func (h *hostCheck) misdirected(host []byte) bool {
	if !h.tls {
		return false
	}
	name := hostName(host)
	if len(name) == 0 {
		return false
	}
	if h.sni != "" && !equalName(name, h.sni) {
		return true
	}
	if h.validate == nil {
		return false
	}
	store := h.validate.Store()
	if store == h.okStore && bytes.EqualFold(name, h.okHost) {
		return false
	}
	cert, err := store.GetCertificate(&tls.ClientHelloInfo{ServerName: string(name)})
	if err != nil || cert.Leaf == nil || cert.Leaf.VerifyHostname(string(name)) != nil {
		return true
	}
	h.okStore, h.okHost = store, append(h.okHost[:0], name...)
	return false
}

// hostName strips the port and a trailing dot from a Host value
// ("example.com:443" → "example.com", "[::1]:8443" → "::1").
func hostName(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if i := bytes.IndexByte(h, ']'); i > 0 {
			return h[1:i]
		}
		return h
	}
	if i := bytes.LastIndexByte(h, ':'); i >= 0 {
		h = h[:i]
	}
	if n := len(h); n > 0 && h[n-1] == '.' {
		h = h[:n-1]
	}
	return h
}

// equalName compares host names case-insensitively, ignoring a trailing
// dot on sni.
func equalName(name []byte, sni string) bool {
	if n := len(sni); n > 0 && sni[n-1] == '.' {
		sni = sni[:n-1]
	}
	if len(name) != len(sni) {
		return false
	}
	for i := range len(name) {
		if lower(name[i]) != lower(sni[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
