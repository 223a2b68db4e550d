package archive

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"unicode/utf8"
)

var le = binary.LittleEndian

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// index is a validated index: the tables are subslices of the index bytes.
type index struct {
	entries  []byte // n records of entryRecLen
	variants []byte // nv records of variantRecLen
	scripts  []byte // ns records of scriptRecLen
	strs     []byte // string table
	n        int
	nv       int
	ns       int
	modTime  int64 // newest entry mtime
}

// parseIndex validates idx, the content of the archive's first member (whose
// data starts at byte blockSize), for an archive of archiveLen bytes. It
// checks the header, the checksum, every record, every string, and that the
// members the records describe tile the archive after the index in order,
// without gaps or overlaps, ending with the tar end-of-archive blocks.
func parseIndex(idx []byte, archiveLen int64) (*index, error) {
	if len(idx) < headerLen+trailerLen {
		return nil, corrupt("index is %d bytes, shorter than its header", len(idx))
	}
	if string(idx[:8]) != Magic {
		return nil, corrupt("bad index magic %q", idx[:8])
	}
	if v := le.Uint32(idx[8:]); v != Version {
		return nil, corrupt("unsupported index version %d (this build reads version %d)", v, Version)
	}
	if h := le.Uint32(idx[12:]); h != headerLen {
		return nil, corrupt("index header length %d, want %d", h, headerLen)
	}
	if l := le.Uint64(idx[16:]); l != uint64(len(idx)) {
		return nil, corrupt("index length field %d does not match its member size %d", l, len(idx))
	}
	if l := le.Uint64(idx[24:]); l != uint64(archiveLen) {
		return nil, corrupt("archive length field %d does not match the file size %d", l, archiveLen)
	}
	for _, b := range idx[48:headerLen] {
		if b != 0 {
			return nil, corrupt("index header reserved bytes are not zero")
		}
	}
	body := len(idx) - trailerLen
	if sum, want := crc32.Checksum(idx[:body], castagnoli), le.Uint32(idx[body:]); sum != want {
		return nil, corrupt("index checksum mismatch (stored %08x, computed %08x)", want, sum)
	}
	n, nv, ns, sl := uint64(le.Uint32(idx[32:])), uint64(le.Uint32(idx[36:])), uint64(le.Uint32(idx[40:])), uint64(le.Uint32(idx[44:]))
	if want := headerLen + n*entryRecLen + nv*variantRecLen + ns*scriptRecLen + sl + trailerLen; want != uint64(len(idx)) {
		return nil, corrupt("index counts (%d entries, %d variants, %d scripts, %d string bytes) need %d bytes, index has %d", n, nv, ns, sl, want, len(idx))
	}
	if nv > 3*n {
		return nil, corrupt("%d variants for %d entries", nv, n)
	}
	x := &index{n: int(n), nv: int(nv), ns: int(ns)}
	p := uint64(headerLen)
	x.entries, p = idx[p:p+n*entryRecLen], p+n*entryRecLen
	x.variants, p = idx[p:p+nv*variantRecLen], p+nv*variantRecLen
	x.scripts, p = idx[p:p+ns*scriptRecLen], p+ns*scriptRecLen
	x.strs = idx[p : p+sl]

	l := layout{cursor: align(blockSize + int64(len(idx))), end: archiveLen - tarEndLen}
	if err := x.checkScripts(&l); err != nil {
		return nil, err
	}
	if err := x.checkEntries(&l); err != nil {
		return nil, err
	}
	if l.cursor != l.end {
		return nil, corrupt("archive has %d bytes after its last member where the tar end blocks belong", l.end-l.cursor)
	}
	return x, nil
}

// layout walks the members in index order: each must start where the
// previous one ended (rounded to a block) and stay before the tar end blocks.
type layout struct{ cursor, end int64 }

// member checks the range record at rec for the member named what+suffix
// (the name is only built for an error).
func (l *layout) member(what []byte, suffix string, rec []byte) (off, size int64, err error) {
	hdr, data, sz := le.Uint64(rec), le.Uint64(rec[8:]), le.Uint64(rec[16:])
	if hdr != uint64(l.cursor) {
		return 0, 0, corrupt("%s%s: member header at byte %d, want %d (members must follow each other in index order)", what, suffix, hdr, l.cursor)
	}
	if data%blockSize != 0 || data < hdr+blockSize || data > hdr+maxHeaderSpan {
		return 0, 0, corrupt("%s%s: data offset %d is not a block boundary 1 to %d blocks after its header at %d", what, suffix, data, maxHeaderSpan/blockSize, hdr)
	}
	if data > uint64(l.end) || sz > uint64(l.end)-data {
		return 0, 0, corrupt("%s%s: range %d+%d runs past the archive data end %d", what, suffix, data, sz, l.end)
	}
	l.cursor = align(int64(data + sz))
	return int64(data), int64(sz), nil
}

func (x *index) str(what string, rec []byte) ([]byte, error) {
	off, n := uint64(le.Uint32(rec)), uint64(le.Uint32(rec[4:]))
	if off+n > uint64(len(x.strs)) {
		return nil, corrupt("%s: string %d+%d outside the %d-byte string table", what, off, n, len(x.strs))
	}
	return x.strs[off : off+n], nil
}

func (x *index) checkScripts(l *layout) error {
	var prev []byte
	for i := range x.ns {
		rec := x.scripts[i*scriptRecLen : (i+1)*scriptRecLen]
		name, err := x.str("script", rec[24:])
		if err != nil {
			return err
		}
		if err := checkScriptName(name); err != nil {
			return corrupt("script %d: %v", i, err)
		}
		if i > 0 && bytes.Compare(prev, name) >= 0 {
			return corrupt("script %q: names not sorted and unique", name)
		}
		prev = name
		if _, _, err := l.member(name, " script", rec); err != nil {
			return err
		}
	}
	return nil
}

func (x *index) checkEntries(l *layout) error {
	var prev []byte
	nextVariant := uint64(0)
	for i := range x.n {
		rec := x.entries[i*entryRecLen : (i+1)*entryRecLen]
		p, err := x.str("entry path", rec[32:])
		if err != nil {
			return err
		}
		if err := checkPath(p); err != nil {
			return corrupt("entry %d: path %q: %v", i, p, err)
		}
		if i > 0 && bytes.Compare(prev, p) >= 0 {
			return corrupt("entry %q: paths not sorted and unique (after %q)", p, prev)
		}
		prev = p
		if err := x.checkEntry(p, rec); err != nil {
			return err
		}
		if _, _, err := l.member(p, "", rec); err != nil {
			return err
		}
		first, nvar := uint64(le.Uint32(rec[60:])), uint64(le.Uint32(rec[64:]))
		if first != nextVariant || nvar > 3 || first+nvar > uint64(x.nv) {
			return corrupt("entry %q: variants %d+%d, want start %d, at most 3, within %d", p, first, nvar, nextVariant, x.nv)
		}
		nextVariant += nvar
		last := Identity
		for j := first; j < first+nvar; j++ {
			v := x.variants[j*variantRecLen : (j+1)*variantRecLen]
			enc := le.Uint32(v[32:])
			if enc <= uint32(last) || enc > uint32(Gzip) || le.Uint32(v[36:]) != 0 {
				return corrupt("entry %q: variant %d has encoding %d (must be 1..3, increasing, reserved zero)", p, j-first, enc)
			}
			last = Encoding(enc)
			if err := x.checkETag(p, last.variantSuffix(), v[24:]); err != nil {
				return err
			}
			if _, _, err := l.member(p, last.variantSuffix(), v); err != nil {
				return err
			}
		}
	}
	if nextVariant != uint64(x.nv) {
		return corrupt("entries use %d variants, index has %d", nextVariant, x.nv)
	}
	return nil
}

func (x *index) checkEntry(p, rec []byte) error {
	mt := int64(le.Uint64(rec[24:]))
	if mt < 0 || mt >= maxModTime {
		return corrupt("entry %q: mtime %d out of range", p, mt)
	}
	x.modTime = max(x.modTime, mt)
	ct, err := x.str("entry content type", rec[40:])
	if err != nil {
		return err
	}
	if len(ct) == 0 || len(ct) > maxTypeLen {
		return corrupt("entry %q: content type is %d bytes", p, len(ct))
	}
	for _, c := range ct {
		if c < 0x20 || c > 0x7e {
			return corrupt("entry %q: content type has byte 0x%02x", p, c)
		}
	}
	if err := x.checkETag(p, "", rec[48:]); err != nil {
		return err
	}
	if f := Flags(le.Uint32(rec[56:])); f&^knownFlags != 0 {
		return corrupt("entry %q: unknown flags %#x", p, uint32(f&^knownFlags))
	}
	if le.Uint32(rec[68:]) != 0 {
		return corrupt("entry %q: reserved field is not zero", p)
	}
	return nil
}

func (x *index) checkETag(p []byte, suffix string, rec []byte) error {
	e, err := x.str("etag", rec)
	if err != nil {
		return err
	}
	if !validETag(e) {
		return corrupt("%s%s: malformed ETag %q", p, suffix, e)
	}
	return nil
}

// validETag: '"' + 32 lower-case hex digits + '"'.
func validETag(e []byte) bool {
	if len(e) != etagLen || e[0] != '"' || e[etagLen-1] != '"' {
		return false
	}
	bad := byte(0)
	for _, c := range e[1 : etagLen-1] {
		bad |= notHex[c]
	}
	return bad == 0
}

// notHex is 1 for every byte that is not a lower-case hex digit.
var notHex = func() (t [256]byte) {
	for i := range t {
		if !('0' <= i && i <= '9' || 'a' <= i && i <= 'f') {
			t[i] = 1
		}
	}
	return t
}()

// checkPath enforces the normal form of a site path: non-empty UTF-8 without
// control bytes, relative, '/'-separated, no empty, "." or ".." segment, and
// not under ReservedDir.
func checkPath(p []byte) error {
	switch {
	case len(p) == 0:
		return errString("empty path")
	case len(p) > maxPathLen:
		return errString("path longer than 4096 bytes")
	case !utf8.Valid(p):
		return errString("path is not UTF-8")
	case string(p) == ReservedDir || bytes.HasPrefix(p, []byte(ReservedDir+"/")):
		return errString("path is under the reserved .zeroserve/ directory")
	}
	start := 0
	for i, c := range p {
		if c < 0x20 || c == 0x7f {
			return errString("path has a control byte")
		}
		if c == '/' {
			if err := checkSegment(p[start:i]); err != nil {
				return err
			}
			start = i + 1
		}
	}
	return checkSegment(p[start:])
}

func checkSegment(seg []byte) error {
	switch string(seg) {
	case "":
		return errString("path has an empty segment (leading, trailing or double '/')")
	case ".", "..":
		return errString("path has a '.' or '..' segment")
	}
	return nil
}

// fileUnderFile rejects a path below another site file ("a/b" when "a" is
// a file): no file system, and so no tar -xf, can hold both.
func fileUnderFile(p string, isFile func(string) bool) error {
	for i := range len(p) {
		if p[i] == '/' && isFile(p[:i]) {
			return fmt.Errorf("%q: %q is a file, not a directory", p, p[:i])
		}
	}
	return nil
}

// checkScriptName: 1..255 bytes of [A-Za-z0-9._-], not starting with '.'.
func checkScriptName(n []byte) error {
	if len(n) == 0 || len(n) > maxNameLen || n[0] == '.' {
		return errString("script name must be 1 to 255 bytes, not starting with '.'")
	}
	for _, c := range n {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return errString("script name may contain only letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}

type errString string

func (e errString) Error() string { return string(e) }

func crc32Castagnoli(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
