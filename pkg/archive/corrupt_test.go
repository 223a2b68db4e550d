package archive

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fixture locates the parts of a packed sample archive for mutation.
type fixture struct {
	b      []byte
	ix     []byte // the index inside b
	strs   []byte // the string table inside b
	ents   []byte
	vars   []byte
	reader *Reader
}

func newFixture(t *testing.T) fixture {
	b := mustPack(t, sampleFiles(), sampleScripts())
	r := mustOpen(t, bytes.Clone(b))
	ixLen := int(le.Uint64(b[blockSize+16:]))
	ix := b[blockSize : blockSize+ixLen]
	sl := int(le.Uint32(ix[44:]))
	n, nv := int(le.Uint32(ix[32:])), int(le.Uint32(ix[36:]))
	return fixture{
		b: b, ix: ix, reader: r,
		strs: ix[ixLen-trailerLen-sl : ixLen-trailerLen],
		ents: ix[headerLen : headerLen+n*entryRecLen],
		vars: ix[headerLen+n*entryRecLen : headerLen+n*entryRecLen+nv*variantRecLen],
	}
}

func (f fixture) fixCRC() {
	n := len(f.ix) - trailerLen
	le.PutUint32(f.ix[n:], crc32Castagnoli(f.ix[:n]))
}

func (f fixture) ent(i int) []byte { return f.ents[i*entryRecLen : (i+1)*entryRecLen] }

// entryOf returns the record of the entry with path p.
func (f fixture) entryOf(t *testing.T, p string) []byte {
	for i := range f.reader.Len() {
		if f.reader.At(i).Path == p {
			return f.ent(i)
		}
	}
	t.Fatalf("no entry %q", p)
	return nil
}

// strOf returns the bytes of the string-table string at rec.
func (f fixture) strOf(rec []byte) []byte {
	off, n := le.Uint32(rec), le.Uint32(rec[4:])
	return f.strs[off : off+n]
}

// fixTarChecksum recomputes the checksum of the tar header block at off.
func fixTarChecksum(b []byte, off int) {
	h := b[off : off+blockSize]
	copy(h[148:156], "        ")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
}

// paxRecord formats one PAX extended header record ("%d %s=%s\n").
func paxRecord(k, v string) string {
	n := len(k) + len(v) + 3
	for {
		r := fmt.Sprintf("%d %s=%s\n", n, k, v)
		if len(r) == n {
			return r
		}
		n = len(r)
	}
}

// setPAX replaces the one-block PAX extended header data of the member of
// site path p with records.
func (f fixture) setPAX(t *testing.T, p, records string) {
	t.Helper()
	h := int(le.Uint64(f.entryOf(t, p)))
	if f.b[h+156] != 'x' || len(records) > blockSize {
		t.Fatalf("%q has no one-block PAX header", p)
	}
	data := f.b[h+blockSize : h+2*blockSize]
	clear(data)
	copy(data, records)
	copy(f.b[h+124:h+136], fmt.Sprintf("%011o\x00", len(records)))
	fixTarChecksum(f.b, h)
}

func TestCorruptArchives(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, f fixture) []byte
		open   string // substring of the OpenBytes error; "" means Open succeeds
		verify string // substring of the Verify error when Open succeeds
	}{
		{"empty file", func(t *testing.T, f fixture) []byte { return nil }, "too short", ""},
		{"zeros", func(t *testing.T, f fixture) []byte { return make([]byte, 8192) }, "not a POSIX ustar header", ""},
		{"truncated by a block", func(t *testing.T, f fixture) []byte { return f.b[:len(f.b)-blockSize] }, "archive length field", ""},
		{"trailing block", func(t *testing.T, f fixture) []byte { return append(f.b, make([]byte, blockSize)...) }, "archive length field", ""},
		{"odd size", func(t *testing.T, f fixture) []byte { return f.b[:len(f.b)-1] }, "not a multiple", ""},
		{"first member renamed", func(t *testing.T, f fixture) []byte {
			f.b[0] = 'X'
			fixTarChecksum(f.b, 0)
			return f.b
		}, "want the index", ""},
		{"tar header checksum", func(t *testing.T, f fixture) []byte { f.b[0] = 'X'; return f.b }, "first tar header", ""},
		{"bad magic", func(t *testing.T, f fixture) []byte { f.ix[0] = 'X'; return f.b }, "bad index magic", ""},
		{"future version", func(t *testing.T, f fixture) []byte { le.PutUint32(f.ix[8:], 2); f.fixCRC(); return f.b }, "unsupported index version 2", ""},
		{"checksum", func(t *testing.T, f fixture) []byte { f.strs[0] ^= 1; return f.b }, "checksum mismatch", ""},
		{"reserved header", func(t *testing.T, f fixture) []byte { f.ix[50] = 1; f.fixCRC(); return f.b }, "reserved bytes", ""},
		{"absurd entry count", func(t *testing.T, f fixture) []byte { le.PutUint32(f.ix[32:], 1<<31); f.fixCRC(); return f.b }, "index counts", ""},
		{"too many variants", func(t *testing.T, f fixture) []byte {
			le.PutUint32(f.ix[32:], 0)
			le.PutUint32(f.ix[36:], 1)
			le.PutUint32(f.ix[44:], uint32(len(f.ix)-headerLen-variantRecLen-2*scriptRecLen-trailerLen))
			f.fixCRC()
			return f.b
		}, "variants for 0 entries", ""},
		{"size past end", func(t *testing.T, f fixture) []byte {
			le.PutUint64(f.entryOf(t, "small.js")[16:], 1<<62)
			f.fixCRC()
			return f.b
		}, "runs past the archive data end", ""},
		{"overlapping members", func(t *testing.T, f fixture) []byte {
			copy(f.ent(1)[0:16], f.ent(0)[0:16])
			f.fixCRC()
			return f.b
		}, "members must follow each other", ""},
		{"data before header", func(t *testing.T, f fixture) []byte {
			e := f.ent(0)
			le.PutUint64(e[8:], le.Uint64(e[0:]))
			f.fixCRC()
			return f.b
		}, "block boundary", ""},
		{"dotdot path", func(t *testing.T, f fixture) []byte {
			copy(f.strOf(f.entryOf(t, "css/site.css")[32:]), "../")
			f.fixCRC()
			return f.b
		}, "'..' segment", ""},
		{"absolute path", func(t *testing.T, f fixture) []byte {
			copy(f.strOf(f.entryOf(t, "css/site.css")[32:]), "/")
			f.fixCRC()
			return f.b
		}, "empty segment", ""},
		{"reserved path", func(t *testing.T, f fixture) []byte {
			copy(f.strOf(f.entryOf(t, sampleFiles()[6].Path)[32:]), ".zeroserve/")
			f.fixCRC()
			return f.b
		}, "reserved", ""},
		{"unsorted paths", func(t *testing.T, f fixture) []byte {
			a, b := f.ent(0), f.ent(1)
			x := bytes.Clone(a[32:40])
			copy(a[32:40], b[32:40])
			copy(b[32:40], x)
			f.fixCRC()
			return f.b
		}, "not sorted and unique", ""},
		{"string outside table", func(t *testing.T, f fixture) []byte {
			le.PutUint32(f.ent(0)[32:], 0xfffffff0)
			f.fixCRC()
			return f.b
		}, "outside the", ""},
		{"header injection in content type", func(t *testing.T, f fixture) []byte {
			f.strOf(f.ent(0)[40:])[0] = '\n'
			f.fixCRC()
			return f.b
		}, "content type has byte 0x0a", ""},
		{"malformed etag", func(t *testing.T, f fixture) []byte {
			f.strOf(f.ent(0)[48:])[3] = 'G'
			f.fixCRC()
			return f.b
		}, "malformed ETag", ""},
		{"unknown flag", func(t *testing.T, f fixture) []byte { le.PutUint32(f.ent(0)[56:], 1<<20); f.fixCRC(); return f.b }, "unknown flags", ""},
		{"negative mtime", func(t *testing.T, f fixture) []byte { le.PutUint64(f.ent(0)[24:], 1<<63); f.fixCRC(); return f.b }, "mtime", ""},
		{"bad encoding", func(t *testing.T, f fixture) []byte { le.PutUint32(f.vars[32:], 9); f.fixCRC(); return f.b }, "encoding 9", ""},
		{"variant list out of range", func(t *testing.T, f fixture) []byte { le.PutUint32(f.ent(0)[64:], 4); f.fixCRC(); return f.b }, "at most 3", ""},

		// Open accepts these (it reads no content); Verify must not.
		{"content byte flipped", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("css/site.css")
			f.b[e.Offset] ^= 0x20
			return f.b
		}, "", "css/site.css: content hash"},
		{"variant byte flipped", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("index.html")
			f.b[e.Variants[1].Offset+10] ^= 0xff
			return f.b
		}, "", "index.html: zstd variant hash"},
		{"tar member renamed", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("small.js")
			f.b[e.Offset-blockSize] = 'S'
			fixTarChecksum(f.b, int(e.Offset-blockSize))
			return f.b
		}, "", `is "Small.js", index says "small.js"`},
		{"tar header corrupted", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("small.js")
			f.b[e.Offset-blockSize+100] ^= 1
			return f.b
		}, "", `tar member "small.js"`},
		{"end blocks not zero", func(t *testing.T, f fixture) []byte { f.b[len(f.b)-1] = 1; return f.b }, "", "end blocks"},
		{"setuid mode", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("small.js")
			h := int(e.Offset - blockSize)
			copy(f.b[h+100:h+108], "0004755\x00")
			fixTarChecksum(f.b, h)
			return f.b
		}, "", `tar member "small.js" has mode 4755`},
		{"owner name", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("small.js")
			h := int(e.Offset - blockSize)
			copy(f.b[h+265:], "root")
			fixTarChecksum(f.b, h)
			return f.b
		}, "", `tar member "small.js" has owner`},
		{"link name on a regular file", func(t *testing.T, f fixture) []byte {
			e, _ := f.reader.Lookup("small.js")
			h := int(e.Offset - blockSize)
			copy(f.b[h+157:], "/etc/passwd")
			fixTarChecksum(f.b, h)
			return f.b
		}, "", `tar member "small.js" has link name`},
		// tar -xf would write "\x00unicode name": the sparse map moves the
		// stored bytes, while the index (and archive/tar's Size) still
		// describe 13 bytes of data at the indexed offset.
		{"GNU sparse PAX records", func(t *testing.T, f fixture) []byte {
			const p = "ünïcödé/файл.txt"
			f.setPAX(t, p, paxRecord("path", p)+paxRecord("GNU.sparse.major", "0")+paxRecord("GNU.sparse.minor", "1")+
				paxRecord("GNU.sparse.numblocks", "1")+paxRecord("GNU.sparse.map", "1,12")+paxRecord("GNU.sparse.size", "13"))
			return f.b
		}, "", `tar member "ünïcödé/файл.txt" has PAX record "GNU.sparse.major"`},
		{"extra PAX record", func(t *testing.T, f fixture) []byte {
			const p = "ünïcödé/файл.txt"
			f.setPAX(t, p, paxRecord("path", p)+paxRecord("SCHILY.xattr.user.x", "y"))
			return f.b
		}, "", `has PAX record "SCHILY.xattr.user.x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.mutate(t, newFixture(t))
			r, err := OpenBytes(b)
			if tt.open != "" {
				if err == nil {
					t.Fatalf("OpenBytes accepted it, want error containing %q", tt.open)
				}
				checkReason(t, err, tt.open)
				return
			}
			if err != nil {
				t.Fatalf("OpenBytes: %v", err)
			}
			err = r.Verify()
			if err == nil {
				t.Fatalf("Verify accepted it, want error containing %q", tt.verify)
			}
			checkReason(t, err, tt.verify)
		})
	}
}

func checkReason(t *testing.T, err error, want string) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("error %v does not wrap ErrCorrupt", err)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Errorf("error %q, want one line containing %q", msg, want)
	}
}

// An archive holding both a file "a" and a file "a/b" cannot be extracted
// (tar -xf fails on "a/b": "a" is not a directory): Verify rejects it.
func TestVerifyFileUnderFile(t *testing.T) {
	b := mustPack(t, []File{{Path: "a", Data: []byte("A")}, {Path: "x/b", Data: []byte("B")}}, nil)
	r := mustOpen(t, bytes.Clone(b))
	e, _ := r.Lookup("x/b")
	// Rename "x/b" to "a/b" in the string table and in its tar header; the
	// sort order still holds.
	ixLen := int(le.Uint64(b[blockSize+16:]))
	ix := b[blockSize : blockSize+ixLen]
	i := bytes.Index(ix, []byte("x/b"))
	if i < 0 || b[e.Offset-blockSize] != 'x' {
		t.Fatal("fixture layout changed")
	}
	ix[i] = 'a'
	le.PutUint32(ix[ixLen-trailerLen:], crc32Castagnoli(ix[:ixLen-trailerLen]))
	b[e.Offset-blockSize] = 'a'
	fixTarChecksum(b, int(e.Offset-blockSize))
	r = mustOpen(t, b)
	err := r.Verify()
	if err == nil {
		t.Fatal("Verify accepted a file under a file")
	}
	checkReason(t, err, `"a/b": "a" is a file`)
}

// A variant must be exactly one compressed stream of its entry: bytes
// after it (junk, or a second stream that a multi-member gzip decoder, as
// in browsers, would append to the content) are rejected.
func TestDecodeTrailingData(t *testing.T) {
	c, err := newCompressor()
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	data := []byte(strings.Repeat("hello, variant ", 20))
	for _, enc := range []Encoding{Brotli, Zstd, Gzip} {
		v, err := c.encode(enc, data)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := decode(enc, v, int64(len(data))); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%v: decode = %q, %v", enc, got, err)
		}
		for name, tail := range map[string][]byte{"junk": []byte("JUNK"), "second stream": v, "zero byte": {0}} {
			if got, err := decode(enc, append(bytes.Clone(v), tail...), int64(len(data))); err == nil {
				t.Errorf("%v with %s after the stream: accepted (%d bytes)", enc, name, len(got))
			}
		}
	}
}
