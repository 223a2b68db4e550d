package archive

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"zeroserve.dev/zeroserve/internal/sys"
)

// Reader serves an archive from one read-only mapping (or, off unix, one
// in-memory copy). Everything it returns points into that mapping and stays
// valid until Close. A Reader is safe for concurrent use; Close must not race
// with other calls.
type Reader struct {
	data   []byte // the whole archive
	mapped bool   // data must be unmapped on Close
	x      *index
	size   int64
}

// Open maps the archive at path and validates it (see OpenBytes). Only the
// first tar member, the index, is read.
func Open(path string) (*Reader, error) {
	// O_NONBLOCK: opening a FIFO put where the archive should be must not
	// wait for a writer; it is refused below like any other non-file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s, not an archive", path, sys.FileKind(fi.Mode()))
	}
	b, err := sys.MapFile(f)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r, err := OpenBytes(b)
	if err != nil {
		_ = sys.Unmap(b)
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	r.mapped = sys.Mapped
	return r, nil
}

// OpenBytes validates an archive held in b and returns a Reader over it
// without copying; b must not change while the Reader is in use. Every
// rejection wraps ErrCorrupt as a *CorruptError with a one-line reason.
//
// Validation covers the tar header of the index member, the index magic,
// version, lengths, counts and CRC-32C, every string, path, content type,
// ETag, flag and encoding, and the byte range of every member: all members
// follow the index in index order, block-aligned, without gaps or overlaps,
// inside the file and before the tar end blocks. It does not read member
// contents or their tar headers: Verify does that.
func OpenBytes(b []byte) (*Reader, error) {
	if len(b) < 2*blockSize+tarEndLen {
		return nil, corrupt("file is %d bytes, too short for an archive", len(b))
	}
	if len(b)%blockSize != 0 {
		return nil, corrupt("file size %d is not a multiple of the %d-byte tar block", len(b), blockSize)
	}
	size, err := indexHeader(b[:blockSize])
	if err != nil {
		return nil, err
	}
	if size > int64(len(b))-blockSize-tarEndLen {
		return nil, corrupt("index member of %d bytes runs past the end of the %d-byte file", size, len(b))
	}
	x, err := parseIndex(b[blockSize:blockSize+size], int64(len(b)))
	if err != nil {
		return nil, err
	}
	return &Reader{data: b, x: x, size: int64(len(b))}, nil
}

// indexHeader checks that hdr is the ustar header of the index member and
// returns the index size.
func indexHeader(hdr []byte) (int64, error) {
	if string(hdr[257:263]) != "ustar\x00" || string(hdr[263:265]) != "00" {
		return 0, corrupt("first tar header is not a POSIX ustar header")
	}
	h, err := tar.NewReader(bytes.NewReader(hdr)).Next()
	if err != nil && err != io.EOF {
		return 0, corrupt("first tar header: %v", err)
	}
	if h == nil {
		return 0, corrupt("archive has no members")
	}
	if h.Name != IndexName || h.Typeflag != tar.TypeReg {
		return 0, corrupt("first member is %q, want the index %q", h.Name, IndexName)
	}
	return h.Size, nil
}

// Close releases the mapping. Entries, strings and content slices obtained
// from the Reader must not be used afterwards.
func (r *Reader) Close() error {
	b := r.data
	r.data, r.x = nil, &index{}
	if r.mapped {
		r.mapped = false
		return sys.Unmap(b)
	}
	return nil
}

// Len is the number of site files.
func (r *Reader) Len() int { return r.x.n }

// Size is the archive's length in bytes.
func (r *Reader) Size() int64 { return r.size }

// ModTime is the newest site file's mtime (Unix seconds), 0 for no files.
func (r *Reader) ModTime() int64 { return r.x.modTime }

// Bytes returns the whole archive (the mapping).
func (r *Reader) Bytes() []byte { return r.data }

// At returns entry i, 0 <= i < Len(), in path order. It does not allocate.
func (r *Reader) At(i int) Entry {
	rec := r.x.entries[i*entryRecLen : (i+1)*entryRecLen]
	e := Entry{
		Path:        r.str(rec[32:]),
		ContentType: r.str(rec[40:]),
		ETag:        r.str(rec[48:]),
		ModTime:     int64(le.Uint64(rec[24:])),
		Size:        int64(le.Uint64(rec[16:])),
		Offset:      int64(le.Uint64(rec[8:])),
		Flags:       Flags(le.Uint32(rec[56:])),
	}
	first, n := int(le.Uint32(rec[60:])), int(le.Uint32(rec[64:]))
	e.NVariants = uint8(n)
	for j := range n {
		v := r.x.variants[(first+j)*variantRecLen:]
		e.Variants[j] = Variant{
			Encoding: Encoding(le.Uint32(v[32:])),
			ETag:     r.str(v[24:]),
			Size:     int64(le.Uint64(v[16:])),
			Offset:   int64(le.Uint64(v[8:])),
		}
	}
	return e
}

// pathAt is At(i).Path without decoding the rest.
func (r *Reader) pathAt(i int) string {
	return r.str(r.x.entries[i*entryRecLen+32:])
}

// Lookup finds the entry for a normalised site path ("css/site.css"; one
// leading '/' is ignored). Binary search over the index: O(log n), no
// allocation.
func (r *Reader) Lookup(path string) (Entry, bool) {
	path = strings.TrimPrefix(path, "/")
	lo, hi := 0, r.x.n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if r.pathAt(m) < path {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < r.x.n && r.pathAt(lo) == path {
		return r.At(lo), true
	}
	return Entry{}, false
}

// Content returns the identity bytes of e: a subslice of the mapping.
func (r *Reader) Content(e Entry) []byte { return r.data[e.Offset : e.Offset+e.Size : e.Offset+e.Size] }

// VariantContent returns the bytes of a variant: a subslice of the mapping.
func (r *Reader) VariantContent(v Variant) []byte {
	return r.data[v.Offset : v.Offset+v.Size : v.Offset+v.Size]
}

// Variant returns e's variant with encoding enc, if it has one.
func (e *Entry) Variant(enc Encoding) (Variant, bool) {
	for _, v := range e.Variants[:min(int(e.NVariants), len(e.Variants))] {
		if v.Encoding == enc {
			return v, true
		}
	}
	return Variant{}, false
}

// Scripts returns the compiled scripts in name order; Object points into the
// mapping.
func (r *Reader) Scripts() []Script {
	out := make([]Script, r.x.ns)
	for i := range out {
		rec := r.x.scripts[i*scriptRecLen:]
		off, n := int64(le.Uint64(rec[8:])), int64(le.Uint64(rec[16:]))
		out[i] = Script{Name: r.str(rec[24:]), Object: r.data[off : off+n : off+n]}
	}
	return out
}
