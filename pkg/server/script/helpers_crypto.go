package script

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
	"zeroserve.dev/zeroserve/pkg/vm"
)

// base64Encodings by abi encoding number. Decoding is strict: padding must
// match the encoding, unused trailing bits must be zero, and line breaks
// (which package base64 would skip) are rejected before decoding.
var base64Encodings = [...]*base64.Encoding{
	abi.Base64Standard:      base64.StdEncoding.Strict(),
	abi.Base64StandardNoPad: base64.RawStdEncoding.Strict(),
	abi.Base64URL:           base64.URLEncoding.Strict(),
	abi.Base64URLNoPad:      base64.RawURLEncoding.Strict(),
}

// computeBytesPerInsn prices the host work of hashing and encoding: these
// run at roughly 0.5-3 ns per byte (sha256, base64 and hex in Go on this
// class of machine), about one to two interpreted instructions per
// byte, far above the HelperBytesPerInsn that Call.Mem charges for
// touching guest memory. Without it a loop over zs_sha256 on a large
// buffer ran tens of times longer than the hard budget suggests.
const computeBytesPerInsn = 2

// chargeCompute charges the hashing or encoding of n bytes.
func chargeCompute(c *vm.Call, n int) { c.Charge(uint64(n) / computeBytesPerInsn) }

func zsGetrandom(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	b, err := out(c, p, n)
	if err != nil {
		return 0, err
	}
	if _, err := io.ReadFull(ctx(c).runner.set.cfg.Rand, b); err != nil {
		return 0, err // a host failure: the script traps
	}
	return rOK, nil
}

func zsSHA256(c *vm.Call, data, n, p, outLen, _ uint64) (uint64, error) {
	d, err := in(c, data, n)
	if err != nil {
		return 0, err
	}
	o, err := out(c, p, outLen)
	if err != nil {
		return 0, err
	}
	if len(o) < sha256.Size {
		return rError, nil
	}
	chargeCompute(c, len(d))
	sum := sha256.Sum256(d)
	copy(o, sum[:])
	return sha256.Size, nil
}

func zsHMACSHA256(c *vm.Call, key, keyLen, msg, msgLen, p uint64) (uint64, error) {
	k, err := in(c, key, keyLen)
	if err != nil {
		return 0, err
	}
	m, err := in(c, msg, msgLen)
	if err != nil {
		return 0, err
	}
	o, err := c.WritableMem(p, sha256.Size)
	if err != nil {
		return 0, err
	}
	chargeCompute(c, len(k)+len(m)+2*sha256.BlockSize)
	ctx(c).hmacSHA256(o, k, m)
	return sha256.Size, nil
}

// hmacSHA256 writes HMAC-SHA256(key, msg) (RFC 2104) to out[:32] with the
// Context's reusable hash: no allocation, unlike crypto/hmac.New.
func (cx *Context) hmacSHA256(out, key, msg []byte) {
	var pad [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		copy(pad[:], sum[:])
	} else {
		copy(pad[:], key)
	}
	for i := range pad {
		pad[i] ^= 0x36
	}
	h := cx.hasher()
	h.Write(pad[:])
	h.Write(msg)
	inner := h.Sum(cx.digest[:0])
	for i := range pad {
		pad[i] ^= 0x36 ^ 0x5c
	}
	h.Reset()
	h.Write(pad[:])
	h.Write(inner)
	h.Sum(out[:0])
}

func zsBase64Encode(c *vm.Call, data, n, p, outLen, encoding uint64) (uint64, error) {
	d, err := in(c, data, n)
	if err != nil {
		return 0, err
	}
	if encoding >= uint64(len(base64Encodings)) {
		return rError, nil
	}
	cx := ctx(c)
	enc := base64Encodings[encoding]
	chargeCompute(c, len(d))
	cx.tmp = grow(cx.tmp, enc.EncodedLen(len(d)))
	enc.Encode(cx.tmp, d)
	return strOut(c, p, outLen, cx.tmp)
}

func zsBase64Decode(c *vm.Call, p, n, encoding, _, _ uint64) (uint64, error) {
	b, err := out(c, p, n)
	if err != nil {
		return 0, err
	}
	if encoding >= uint64(len(base64Encodings)) {
		return rError, nil
	}
	for _, ch := range b {
		if ch == '\r' || ch == '\n' {
			return rError, nil
		}
	}
	chargeCompute(c, len(b))
	cx := ctx(c)
	enc := base64Encodings[encoding]
	cx.tmp = grow(cx.tmp, enc.DecodedLen(len(b)))
	k, err := enc.Decode(cx.tmp, b)
	if err != nil {
		return rError, nil
	}
	copy(b, cx.tmp[:k])
	return uint64(k), nil
}

// grow returns b resized to n bytes, reusing its array when it can.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n, max(n, 2*cap(b)))
	}
	return b[:n]
}

func zsHexEncode(c *vm.Call, data, n, p, outLen, caseFlag uint64) (uint64, error) {
	d, err := in(c, data, n)
	if err != nil {
		return 0, err
	}
	if caseFlag != abi.HexLowercase && caseFlag != abi.HexUppercase {
		return rError, nil
	}
	chargeCompute(c, len(d))
	cx := ctx(c)
	cx.tmp = grow(cx.tmp, hex.EncodedLen(len(d)))
	hex.Encode(cx.tmp, d)
	if caseFlag == abi.HexUppercase {
		for i, ch := range cx.tmp {
			if ch >= 'a' {
				cx.tmp[i] = ch - 'a' + 'A'
			}
		}
	}
	return strOut(c, p, outLen, cx.tmp)
}

func zsHexDecode(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	b, err := out(c, p, n)
	if err != nil {
		return 0, err
	}
	if len(b)%2 != 0 {
		return rError, nil
	}
	chargeCompute(c, len(b))
	for _, ch := range b {
		if _, ok := httpfield.Unhex(ch); !ok {
			return rError, nil
		}
	}
	// In place: byte i is written after bytes 2i and 2i+1 are read.
	k, err := hex.Decode(b, b)
	if err != nil {
		return rError, nil
	}
	return uint64(k), nil
}
