package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Options configure loading and selection.
type Options struct {
	// Now is the clock used to skip expired or not-yet-valid certificates;
	// nil means time.Now.
	Now func() time.Time
	// DefaultName picks the default certificate (for no or unknown SNI):
	// the identity that would be chosen for this name. Empty: the first
	// identity loaded.
	DefaultName string
}

// identity is one certificate chain with its key.
type identity struct {
	cert  *tls.Certificate
	file  string
	names []string
}

// Store is an immutable set of identities indexed by name.
type Store struct {
	ids   []*identity
	exact map[string][]*identity
	wild  map[string][]*identity // "*.example.com" under "example.com"
	def   string                 // normalized Options.DefaultName, or ""
	now   func() time.Time
}

// pemExts are the file extensions LoadDir reads.
var pemExts = []string{".pem", ".crt", ".cer", ".cert", ".key"}

// ErrNoCertificate is returned by GetCertificate when nothing valid fits.
var ErrNoCertificate = errors.New("certs: no valid certificate")

// parsed is the content of one PEM file.
type parsed struct {
	file  string
	chain [][]byte
	leaf  *x509.Certificate
	keys  []crypto.Signer
}

// readPEM parses every block of one file.
func readPEM(file string) (*parsed, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p := &parsed{file: file}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: certificate %d: %w", file, len(p.chain)+1, err)
			}
			if p.leaf == nil {
				p.leaf = c
			}
			p.chain = append(p.chain, b.Bytes)
		case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
			k, err := parseKey(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			p.keys = append(p.keys, k)
		default:
			return nil, fmt.Errorf("%s: unsupported PEM block %q", file, b.Type)
		}
	}
	if len(bytes.TrimSpace(data)) > 0 && p.leaf == nil && len(p.keys) == 0 {
		return nil, fmt.Errorf("%s: no PEM data", file)
	}
	if p.leaf == nil && len(p.keys) == 0 {
		return nil, fmt.Errorf("%s: no certificate or key", file)
	}
	return p, nil
}

func parseKey(b *pem.Block) (crypto.Signer, error) {
	var k any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("private key: %w", err)
	}
	switch k := k.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return k.(crypto.Signer), nil
	}
	return nil, fmt.Errorf("private key: unsupported type %T", k)
}

// matches reports whether k is the private key of pub.
func matches(k crypto.Signer, pub any) bool {
	e, ok := k.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(pub)
}

// LoadPair loads one identity from a certificate file (chain, leaf first)
// and a key file; they may be the same file.
func LoadPair(certFile, keyFile string, opts Options) (*Store, error) {
	cp, err := readPEM(certFile)
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	if cp.leaf == nil {
		return nil, fmt.Errorf("load certificate: %s: no certificate", certFile)
	}
	kp := cp
	if keyFile != certFile {
		if kp, err = readPEM(keyFile); err != nil {
			return nil, fmt.Errorf("load key: %w", err)
		}
	}
	for _, k := range kp.keys {
		if matches(k, cp.leaf.PublicKey) {
			id, err := newIdentity(cp, k)
			if err != nil {
				return nil, err
			}
			return newStore([]*identity{id}, opts), nil
		}
	}
	return nil, fmt.Errorf("load key: %s: no private key matching the certificate in %s", keyFile, certFile)
}

// LoadDir loads every PEM file (.pem .crt .cer .cert .key) in dir.
func LoadDir(dir string, opts Options) (*Store, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load certificates: %w", err)
	}
	var files []*parsed
	for _, e := range ents { // ReadDir sorts by name
		if !e.Type().IsRegular() && e.Type()&os.ModeSymlink == 0 {
			continue
		}
		if !slices.Contains(pemExts, strings.ToLower(filepath.Ext(e.Name()))) {
			continue
		}
		p, err := readPEM(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("load certificates: %w", err)
		}
		files = append(files, p)
	}
	var keys []crypto.Signer
	keyFile := map[crypto.Signer]string{}
	for _, p := range files {
		for _, k := range p.keys {
			keys = append(keys, k)
			keyFile[k] = p.file
		}
	}
	used := map[crypto.Signer]bool{}
	var ids []*identity
	for _, p := range files {
		if p.leaf == nil {
			continue
		}
		i := slices.IndexFunc(keys, func(k crypto.Signer) bool { return matches(k, p.leaf.PublicKey) })
		if i < 0 {
			return nil, fmt.Errorf("load certificates: %s: no private key in %s matches the certificate", p.file, dir)
		}
		used[keys[i]] = true
		id, err := newIdentity(p, keys[i])
		if err != nil {
			return nil, fmt.Errorf("load certificates: %w", err)
		}
		ids = append(ids, id)
	}
	for _, k := range keys {
		if !used[k] {
			return nil, fmt.Errorf("load certificates: %s: no certificate for this private key", keyFile[k])
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("load certificates: no certificate in %s", dir)
	}
	return newStore(ids, opts), nil
}

// newIdentity builds the tls.Certificate and reads a staple next to it.
func newIdentity(p *parsed, k crypto.Signer) (*identity, error) {
	c := &tls.Certificate{Certificate: p.chain, PrivateKey: k, Leaf: p.leaf}
	base := strings.TrimSuffix(p.file, filepath.Ext(p.file))
	for _, f := range []string{base + ".ocsp", p.file + ".ocsp"} {
		b, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%s: empty OCSP response", f)
		}
		c.OCSPStaple = b
		break
	}
	names := make([]string, 0, len(p.leaf.DNSNames))
	for _, n := range p.leaf.DNSNames {
		names = append(names, strings.ToLower(strings.TrimSuffix(n, ".")))
	}
	return &identity{cert: c, file: p.file, names: names}, nil
}

func newStore(ids []*identity, opts Options) *Store {
	s := &Store{ids: ids, exact: map[string][]*identity{}, wild: map[string][]*identity{}, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	for _, id := range ids {
		for _, n := range id.names {
			if rest, ok := strings.CutPrefix(n, "*."); ok {
				s.wild[rest] = append(s.wild[rest], id)
			} else if !strings.Contains(n, "*") {
				s.exact[n] = append(s.exact[n], id)
			}
		}
	}
	s.def = normalize(opts.DefaultName)
	return s
}

func normalize(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) }

// lookup returns the best valid identity for a name: an exact name first,
// else a wildcard one label deep, so an expired exact certificate does not
// hide a valid wildcard one.
func (s *Store) lookup(name string, hello *tls.ClientHelloInfo, now time.Time) *tls.Certificate {
	if name == "" {
		return nil
	}
	if c := s.pick(s.exact[name], hello, now); c != nil {
		return c
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return s.pick(s.wild[name[i+1:]], hello, now)
	}
	return nil
}

// pick returns the best valid identity of cands, or nil.
func (s *Store) pick(cands []*identity, hello *tls.ClientHelloInfo, now time.Time) *tls.Certificate {
	var best, bestOK *identity
	for _, id := range cands {
		l := id.cert.Leaf
		if now.Before(l.NotBefore) || now.After(l.NotAfter) {
			continue
		}
		if best == nil || l.NotAfter.After(best.cert.Leaf.NotAfter) {
			best = id
		}
		if hello != nil && hello.SupportsCertificate(id.cert) == nil &&
			(bestOK == nil || l.NotAfter.After(bestOK.cert.Leaf.NotAfter)) {
			bestOK = id
		}
	}
	switch {
	case bestOK != nil:
		return bestOK.cert
	case best != nil:
		return best.cert
	}
	return nil
}

// first returns the first identity in load order that is valid now,
// preferring one the client supports: the default when no name (or
// Options.DefaultName) selects one. Load order, not expiry, so the default
// does not change when a later file is renewed.
func (s *Store) first(hello *tls.ClientHelloInfo, now time.Time) *tls.Certificate {
	var valid *identity
	for _, id := range s.ids {
		l := id.cert.Leaf
		if now.Before(l.NotBefore) || now.After(l.NotAfter) {
			continue
		}
		if hello == nil || hello.SupportsCertificate(id.cert) == nil {
			return id.cert
		}
		if valid == nil {
			valid = id
		}
	}
	if valid != nil {
		return valid.cert
	}
	return nil
}

// GetCertificate implements tls.Config.GetCertificate.
func (s *Store) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := s.now()
	name := normalize(hello.ServerName)
	if c := s.lookup(name, hello, now); c != nil {
		return c, nil
	}
	if c := s.lookup(s.def, hello, now); c != nil {
		return c, nil
	}
	if c := s.first(hello, now); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("%w for %q", ErrNoCertificate, name)
}

// Len returns the number of identities.
func (s *Store) Len() int { return len(s.ids) }

// Source is the current Store of a listener; safe for concurrent use.
type Source struct{ cur atomic.Pointer[Store] }

// NewSource returns a Source serving s.
func NewSource(s *Store) *Source {
	src := new(Source)
	src.cur.Store(s)
	return src
}

// Store returns the current Store.
func (src *Source) Store() *Store { return src.cur.Load() }

// Reload calls load and swaps in its Store on success; on error the old
// Store stays and the error is returned.
func (src *Source) Reload(load func() (*Store, error)) error {
	s, err := load()
	if err != nil {
		return err
	}
	src.cur.Store(s)
	return nil
}

// GetCertificate implements tls.Config.GetCertificate with the current
// Store.
func (src *Source) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	return src.cur.Load().GetCertificate(hello)
}
