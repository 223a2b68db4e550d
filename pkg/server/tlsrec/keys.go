package tlsrec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"errors"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// suite is a TLS 1.3 cipher suite: an AEAD and the hash of its key schedule
// (RFC 8446 §B.4).
type suite struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	aead   func(key []byte) (cipher.AEAD, error)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var suites = [...]suite{
	{tls.TLS_AES_128_GCM_SHA256, 16, sha256.New, newGCM},
	{tls.TLS_AES_256_GCM_SHA384, 32, sha512.New384, newGCM},
	{tls.TLS_CHACHA20_POLY1305_SHA256, chacha20poly1305.KeySize, sha256.New, chacha20poly1305.New},
}

// suiteByID returns the suite with the given IANA id, or nil.
func suiteByID(id uint16) *suite {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}

// expandLabel is HKDF-Expand-Label(secret, label, "", length) (RFC 8446 §7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, length int) ([]byte, error) {
	const prefix = "tls13 "
	info := make([]byte, 0, 4+len(prefix)+len(label))
	info = append(info, byte(length>>8), byte(length), byte(len(prefix)+len(label)))
	info = append(info, prefix...)
	info = append(info, label...)
	info = append(info, 0) // empty context
	return hkdf.Expand(h, secret, string(info), length)
}

// errSeqOverflow: the 64-bit sequence number would wrap (RFC 8446 §5.3).
var errSeqOverflow = errors.New("tlsrec: record sequence number exhausted")

// halfConn is the protection state of one direction (RFC 8446 §5.2–5.3).
type halfConn struct {
	suite  *suite
	aead   cipher.AEAD
	secret []byte // current application traffic secret, for KeyUpdate
	iv     [12]byte
	nonce  [12]byte
	seq    uint64
	gen    int // number of key updates applied
}

// setSecret installs a traffic secret: key and iv from HKDF-Expand-Label
// "key" and "iv", sequence number reset to 0 (§7.3).
func (hc *halfConn) setSecret(s *suite, secret []byte) error {
	key, err := expandLabel(s.hash, secret, "key", s.keyLen)
	if err != nil {
		return err
	}
	iv, err := expandLabel(s.hash, secret, "iv", len(hc.iv))
	if err != nil {
		return err
	}
	a, err := s.aead(key)
	if err != nil {
		return err
	}
	hc.suite, hc.aead, hc.secret = s, a, secret
	copy(hc.iv[:], iv)
	hc.seq = 0
	return nil
}

// update moves to the next traffic secret:
// HKDF-Expand-Label(secret, "traffic upd", "", Hash.length) (§7.2).
func (hc *halfConn) update() error {
	next, err := expandLabel(hc.suite.hash, hc.secret, "traffic upd", hc.suite.hash().Size())
	if err != nil {
		return err
	}
	if err := hc.setSecret(hc.suite, next); err != nil {
		return err
	}
	hc.gen++
	return nil
}

// nextNonce computes iv XOR seq for the current record and advances seq
// (§5.3).
func (hc *halfConn) nextNonce() ([]byte, error) {
	if hc.seq == ^uint64(0) {
		return nil, errSeqOverflow
	}
	hc.nonce = hc.iv
	s := hc.seq
	for i := 11; i >= 4; i-- {
		hc.nonce[i] ^= byte(s)
		s >>= 8
	}
	hc.seq++
	return hc.nonce[:], nil
}

// sealInPlace finishes the record that starts at dst[start]: 5 header bytes
// (overwritten here) followed by the plaintext up to len(dst). It appends the
// inner content type, encrypts in place and returns dst extended by the
// overhead. cap(dst) must leave room for maxOverhead more bytes.
func (hc *halfConn) sealInPlace(dst []byte, start int, t ContentType) ([]byte, error) {
	n := len(dst) - start - headerLen
	if n < 0 || n > maxPlaintext || cap(dst)-len(dst) < maxOverhead {
		panic("BUG: tlsrec: sealInPlace misuse")
	}
	nonce, err := hc.nextNonce()
	if err != nil {
		return dst[:start], err
	}
	dst = append(dst, byte(t))
	clen := n + 1 + tagLen
	hdr := dst[start : start+headerLen]
	hdr[0], hdr[1], hdr[2] = byte(TypeApplicationData), recordVersion>>8, recordVersion&0xff
	hdr[3], hdr[4] = byte(clen>>8), byte(clen)
	body := dst[start+headerLen:]
	hc.aead.Seal(body[:0], nonce, body, hdr)
	return dst[:start+headerLen+clen], nil
}

// seal appends one record of type t carrying p (at most maxPlaintext bytes).
func (hc *halfConn) seal(dst []byte, t ContentType, p []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0)
	dst = append(dst, p...)
	dst = growCap(dst, maxOverhead)
	return hc.sealInPlace(dst, start, t)
}

// open decrypts the record rec (header included) in place and returns its
// real content type and plaintext with padding removed (§5.2, §5.4).
func (hc *halfConn) open(rec []byte) (ContentType, []byte, error) {
	hdr, body := rec[:headerLen], rec[headerLen:]
	if len(body) < 1+tagLen {
		return 0, nil, alertBadRecordMAC
	}
	nonce, err := hc.nextNonce()
	if err != nil {
		return 0, nil, err
	}
	pt, err := hc.aead.Open(body[:0], nonce, body, hdr)
	if err != nil {
		return 0, nil, alertBadRecordMAC
	}
	if len(pt) > maxPlaintext+1 {
		return 0, nil, alertRecordOverflow
	}
	i := len(pt) - 1
	for i >= 0 && pt[i] == 0 {
		i--
	}
	if i < 0 {
		// All zeros: no content type (§5.4).
		return 0, nil, alertUnexpectedMessage
	}
	return ContentType(pt[i]), pt[:i], nil
}

// growCap returns b with room for at least n more bytes.
func growCap(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), len(b)+n+len(b)/2)
	copy(nb, b)
	return nb
}
