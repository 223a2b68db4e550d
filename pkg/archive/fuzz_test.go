package archive

import (
	"bytes"
	"errors"
	"testing"
)

// fixIndexCRC rewrites the index checksum of an archive-shaped input so the
// fuzzer gets past it and explores the structural checks.
func fixIndexCRC(b []byte) []byte {
	if len(b) < 2*blockSize+tarEndLen {
		return nil
	}
	size, err := indexHeader(b[:blockSize])
	if err != nil || size < headerLen+trailerLen || size > int64(len(b))-blockSize {
		return nil
	}
	c := bytes.Clone(b)
	ix := c[blockSize : blockSize+size]
	le.PutUint32(ix[len(ix)-trailerLen:], crc32Castagnoli(ix[:len(ix)-trailerLen]))
	return c
}

// exercise touches everything an accepted Reader exposes; it must not panic.
func exercise(t *testing.T, r *Reader) {
	for i := range r.Len() {
		e := r.At(i)
		_ = r.Content(e)
		for _, v := range e.Variants[:e.NVariants] {
			_ = r.VariantContent(v)
		}
		if got, ok := r.Lookup(e.Path); !ok || got != e {
			t.Fatalf("Lookup(%q) does not find entry %d", e.Path, i)
		}
	}
	for _, s := range r.Scripts() {
		_ = s.Object
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(mustPack(f, sampleFiles(), sampleScripts()))
	f.Add(mustPack(f, nil, nil))
	f.Add(mustPack(f, []File{{Path: "a", Data: []byte("x")}}, nil))
	f.Add(make([]byte, 2048))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, fixIndexCRC(data)} {
			if b == nil {
				continue
			}
			r, err := OpenBytes(b)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v does not wrap ErrCorrupt", err)
				}
				continue
			}
			exercise(t, r)
			if r.Verify() == nil {
				repack(t, r)
			}
		}
	})
}

// repack checks that an archive Verify accepts holds only what Pack could
// have written: packing its files and scripts again succeeds (so every
// path is one the writer accepts) and gives the same entries.
func repack(t *testing.T, r *Reader) {
	var files []File
	for i := range r.Len() {
		e := r.At(i)
		files = append(files, File{Path: e.Path, ModTime: e.ModTime, Data: r.Content(e)})
	}
	b, _, err := PackBytes(files, r.Scripts(), Options{MinCompressSize: -1, Workers: 1})
	if err != nil {
		t.Fatalf("verified archive does not repack: %v", err)
	}
	r2, err := OpenBytes(b)
	if err != nil {
		t.Fatalf("repacked archive does not open: %v", err)
	}
	if r2.Len() != r.Len() || len(r2.Scripts()) != len(r.Scripts()) {
		t.Fatalf("repacked archive: %d entries of %d", r2.Len(), r.Len())
	}
	for i := range r.Len() {
		e := r.At(i)
		e2, ok := r2.Lookup(e.Path)
		if !ok || e2.ETag != e.ETag || e2.Size != e.Size || e2.ModTime != e.ModTime {
			t.Fatalf("entry %q: %+v, repacked %+v", e.Path, e, e2)
		}
	}
}

// FuzzParseIndex feeds the index parser directly, with the checksum fixed
// and the archive length taken from the input's own header.
func FuzzParseIndex(f *testing.F) {
	for _, b := range [][]byte{mustPack(f, sampleFiles(), sampleScripts()), mustPack(f, nil, nil)} {
		size, _ := indexHeader(b[:blockSize])
		f.Add(b[blockSize : blockSize+size])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < headerLen+trailerLen {
			_, err := parseIndex(data, 0)
			if err == nil {
				t.Fatal("accepted an index shorter than its header")
			}
			return
		}
		data = bytes.Clone(data)
		le.PutUint32(data[len(data)-trailerLen:], crc32Castagnoli(data[:len(data)-trailerLen]))
		archiveLen := int64(le.Uint64(data[24:]))
		if archiveLen < 0 || archiveLen > 1<<20 {
			return
		}
		x, err := parseIndex(data, archiveLen)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		exercise(t, &Reader{data: make([]byte, archiveLen), x: x, size: archiveLen})
	})
}
