package archive

import (
	"archive/tar"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// File is one site file to pack.
type File struct {
	Path    string // normalised site path, e.g. "css/site.css"
	ModTime int64  // Unix seconds, clamped to [0, 2^33) (what ustar holds)
	Data    []byte
}

// Script is a compiled request script: the object stored as
// ".zeroserve/scripts/<Name>.o".
type Script struct {
	Name   string // e.g. "10-auth" (from 10-auth.c)
	Object []byte
}

// Options tune packing. The zero value packs with variants for compressible
// files of at least DefaultMinCompressSize bytes, on all CPUs.
type Options struct {
	// MinCompressSize is the smallest compressible file that gets variants;
	// 0 means DefaultMinCompressSize, negative disables variants.
	MinCompressSize int
	// Workers compress in parallel; 0 or negative means GOMAXPROCS. Output
	// does not depend on it.
	Workers int
	// Progress, when set, is called from the packing goroutine after each
	// file is hashed and compressed, with done in 1..total.
	Progress func(done, total int)
}

// DefaultMinCompressSize is the default size threshold for variants.
const DefaultMinCompressSize = 256

// EncodingStats counts the variants of one encoding.
type EncodingStats struct {
	Count int
	Bytes int64 // compressed bytes stored
	Saved int64 // identity bytes minus compressed bytes, summed
}

// Stats summarises a pack.
type Stats struct {
	Files        int
	Bytes        int64 // identity content bytes
	Scripts      int
	ScriptBytes  int64
	Variants     int
	VariantBytes int64
	ByEncoding   [4]EncodingStats // indexed by Encoding; Identity unused
	IndexBytes   int64
	ArchiveBytes int64
}

// Writer collects files and scripts and writes them as one archive.
type Writer struct {
	opts    Options
	files   []File
	scripts []Script
	stats   Stats
}

// NewWriter returns an empty Writer.
func NewWriter(opts Options) *Writer { return &Writer{opts: opts} }

// Add queues a site file. Its path must be normalised (see checkPath) and
// must not be under .zeroserve/. Data is not copied; keep it unchanged until
// WriteTo returns.
func (w *Writer) Add(f File) error {
	if err := checkPath([]byte(f.Path)); err != nil {
		return fmt.Errorf("add %q: %w", f.Path, err)
	}
	w.files = append(w.files, f)
	return nil
}

// AddScript queues a compiled script.
func (w *Writer) AddScript(s Script) error {
	if err := checkScriptName([]byte(s.Name)); err != nil {
		return fmt.Errorf("add script %q: %w", s.Name, err)
	}
	w.scripts = append(w.scripts, s)
	return nil
}

// Stats describes the last WriteTo.
func (w *Writer) Stats() Stats { return w.stats }

// Pack writes an archive of files and scripts to out.
func Pack(out io.Writer, files []File, scripts []Script, opts Options) (Stats, error) {
	w := NewWriter(opts)
	for _, f := range files {
		if err := w.Add(f); err != nil {
			return Stats{}, err
		}
	}
	for _, s := range scripts {
		if err := w.AddScript(s); err != nil {
			return Stats{}, err
		}
	}
	_, err := w.WriteTo(out)
	return w.stats, err
}

// PackBytes is Pack into memory.
func PackBytes(files []File, scripts []Script, opts Options) ([]byte, Stats, error) {
	var buf bytes.Buffer
	st, err := Pack(&buf, files, scripts, opts)
	if err != nil {
		return nil, st, err
	}
	return buf.Bytes(), st, nil
}

// member is one tar member to write, after the index.
type member struct {
	name   string
	mtime  int64
	data   []byte
	header []byte // tar header block(s), PAX included
	hdrOff int64
	off    int64
}

// packed is one entry ready for the index.
type packed struct {
	File
	ctype    string
	etag     string
	flags    Flags
	variants []packedVariant
}

type packedVariant struct {
	enc  Encoding
	data []byte
	etag string
}

// WriteTo writes the archive. The same inputs always give the same bytes.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	files := slices.Clone(w.files)
	scripts := slices.Clone(w.scripts)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	slices.SortFunc(scripts, func(a, b Script) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(files); i++ {
		if files[i].Path == files[i-1].Path {
			return 0, fmt.Errorf("duplicate path %q", files[i].Path)
		}
	}
	isFile := func(p string) bool {
		_, ok := slices.BinarySearchFunc(files, p, func(f File, p string) int { return strings.Compare(f.Path, p) })
		return ok
	}
	for _, f := range files {
		if err := fileUnderFile(f.Path, isFile); err != nil {
			return 0, err
		}
	}
	for i := 1; i < len(scripts); i++ {
		if scripts[i].Name == scripts[i-1].Name {
			return 0, fmt.Errorf("duplicate script %q", scripts[i].Name)
		}
	}
	entries, err := w.prepare(files)
	if err != nil {
		return 0, err
	}
	ix, members, err := w.layout(entries, scripts)
	if err != nil {
		return 0, err
	}
	cw := &countWriter{w: out}
	err = writeArchive(cw, ix, members)
	w.stats.ArchiveBytes = cw.n
	return cw.n, err
}

// prepare hashes, types and compresses every file, in parallel.
func (w *Writer) prepare(files []File) ([]packed, error) {
	entries := make([]packed, len(files))
	workers := w.opts.Workers
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	done := make(chan error)
	var wg sync.WaitGroup
	for range min(workers, max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := newCompressor()
			if err != nil {
				for range jobs {
					done <- err
				}
				return
			}
			defer c.close()
			for i := range jobs {
				entries[i], err = w.prepareOne(c, files[i])
				done <- err
			}
		}()
	}
	go func() {
		for i := range files {
			jobs <- i
		}
		close(jobs)
	}()
	var errs []error
	for n := range len(files) {
		if err := <-done; err != nil {
			errs = append(errs, err)
		}
		if w.opts.Progress != nil {
			w.opts.Progress(n+1, len(files))
		}
	}
	wg.Wait()
	return entries, errors.Join(errs...)
}

func (w *Writer) prepareOne(c *compressor, f File) (packed, error) {
	f.ModTime = min(max(f.ModTime, 0), maxModTime-1)
	p := packed{File: f, ctype: ContentType(f.Path), etag: ETagOf(f.Data)}
	p.flags = FlagsFor(f.Path, p.ctype, f.Data)
	minSize := cmp.Or(w.opts.MinCompressSize, DefaultMinCompressSize)
	if minSize < 0 || len(f.Data) < minSize || !Compressible(p.ctype) {
		return p, nil
	}
	for _, enc := range []Encoding{Brotli, Zstd, Gzip} {
		v, err := c.encode(enc, f.Data)
		if err != nil {
			return p, fmt.Errorf("compress %s: %w", f.Path, err)
		}
		if len(v)*10 <= len(f.Data)*9 { // keep only when it saves at least 10%
			p.variants = append(p.variants, packedVariant{enc: enc, data: v, etag: ETagOf(v)})
		}
	}
	return p, nil
}

// ETagOf returns the strong ETag of content: the first 16 bytes of its
// SHA-256 in lower-case hex, quoted.
func ETagOf(data []byte) string {
	sum := sha256.Sum256(data)
	var b [etagLen]byte
	b[0], b[etagLen-1] = '"', '"'
	hex.Encode(b[1:etagLen-1], sum[:16])
	return string(b[:])
}

// FlagsFor computes an entry's flags from its path, type and content.
func FlagsFor(p, ctype string, data []byte) Flags {
	var f Flags
	mt, _, _ := strings.Cut(ctype, ";")
	if mt == "text/html" {
		f |= FlagHTML
	}
	if HashedName(p) {
		f |= FlagHashedName
	}
	if mt == "text/html" || mt == "application/xhtml+xml" || strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "+xml") {
		if bytes.Contains(data, []byte("<zs-meta>")) {
			f |= FlagTemplate
		}
	}
	return f
}

// HashedName reports whether the base name of p carries a content hash: a
// dot-separated segment that is neither the first nor the last, of at least
// 8 characters from [0-9A-Za-z_-], and either all hex digits or a mix of
// letters and digits (app.3f9c1a2b.js, main.Xk3ld8r2.chunk.css), so words
// such as jquery.validate.min.js do not count.
func HashedName(p string) bool {
	base := p[strings.LastIndexByte(p, '/')+1:]
	segs := strings.Split(base, ".")
	for _, s := range segs[1:max(len(segs)-1, 1)] {
		if len(s) >= 8 && hashLike(s) {
			return true
		}
	}
	return false
}

func hashLike(s string) bool {
	var digit, letter, hexOnly = false, false, true
	for _, c := range []byte(s) {
		switch {
		case '0' <= c && c <= '9':
			digit = true
		case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F':
			letter = true
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
			letter, hexOnly = true, false
		case c == '_' || c == '-':
			hexOnly = false
		default:
			return false
		}
	}
	return hexOnly || digit && letter
}

// strtab builds the string table, storing each distinct string once.
type strtab struct {
	b   []byte
	off map[string]uint32
}

func (t *strtab) add(s string) (off, n uint32) {
	if o, ok := t.off[s]; ok {
		return o, uint32(len(s))
	}
	o := uint32(len(t.b))
	t.b = append(t.b, s...)
	t.off[s] = o
	return o, uint32(len(s))
}

// layout places every member and encodes the index.
func (w *Writer) layout(entries []packed, scripts []Script) ([]byte, []member, error) {
	st := &strtab{off: map[string]uint32{}}
	var newest int64
	nv := 0
	for _, e := range entries {
		st.add(e.Path)
		st.add(e.ctype)
		st.add(e.etag)
		for _, v := range e.variants {
			st.add(v.etag)
		}
		nv += len(e.variants)
		newest = max(newest, e.ModTime)
	}
	for _, s := range scripts {
		st.add(s.Name)
	}
	if len(st.b) > 1<<31 || len(entries) > 1<<31 {
		return nil, nil, errors.New("site too large for one index")
	}
	ixLen := headerLen + len(entries)*entryRecLen + nv*variantRecLen + len(scripts)*scriptRecLen + len(st.b) + trailerLen

	var members []member
	for _, s := range scripts {
		members = append(members, member{name: ScriptDir + s.Name + ".o", mtime: newest, data: s.Object})
	}
	for _, e := range entries {
		members = append(members, member{name: e.Path, mtime: e.ModTime, data: e.Data})
		for _, v := range e.variants {
			members = append(members, member{name: VariantDir + e.Path + v.enc.fileExt(), mtime: e.ModTime, data: v.data})
		}
	}
	cursor := align(blockSize + int64(ixLen))
	for i := range members {
		m := &members[i]
		h, err := tarHeader(m.name, int64(len(m.data)), m.mtime)
		if err != nil {
			return nil, nil, fmt.Errorf("tar header for %q: %w", m.name, err)
		}
		if len(h) > maxHeaderSpan {
			return nil, nil, fmt.Errorf("tar header for %q: %d bytes, more than %d", m.name, len(h), maxHeaderSpan)
		}
		m.header, m.hdrOff, m.off = h, cursor, cursor+int64(len(h))
		cursor = align(m.off + int64(len(m.data)))
	}
	archiveLen := cursor + tarEndLen

	ix := make([]byte, ixLen)
	copy(ix, Magic)
	le.PutUint32(ix[8:], Version)
	le.PutUint32(ix[12:], headerLen)
	le.PutUint64(ix[16:], uint64(ixLen))
	le.PutUint64(ix[24:], uint64(archiveLen))
	le.PutUint32(ix[32:], uint32(len(entries)))
	le.PutUint32(ix[36:], uint32(nv))
	le.PutUint32(ix[40:], uint32(len(scripts)))
	le.PutUint32(ix[44:], uint32(len(st.b)))
	er := ix[headerLen:]
	vr := er[len(entries)*entryRecLen:]
	sr := vr[nv*variantRecLen:]
	copy(sr[len(scripts)*scriptRecLen:], st.b)

	putRange := func(rec []byte, m *member) {
		le.PutUint64(rec, uint64(m.hdrOff))
		le.PutUint64(rec[8:], uint64(m.off))
		le.PutUint64(rec[16:], uint64(len(m.data)))
	}
	putStr := func(rec []byte, s string) {
		off, n := st.add(s)
		le.PutUint32(rec, off)
		le.PutUint32(rec[4:], n)
	}
	mi, vi := 0, 0
	s := &w.stats
	*s = Stats{}
	for i, sc := range scripts {
		rec := sr[i*scriptRecLen:]
		putRange(rec, &members[mi])
		putStr(rec[24:], sc.Name)
		mi++
		s.Scripts++
		s.ScriptBytes += int64(len(sc.Object))
	}
	for i, e := range entries {
		rec := er[i*entryRecLen:]
		putRange(rec, &members[mi])
		mi++
		le.PutUint64(rec[24:], uint64(e.ModTime))
		putStr(rec[32:], e.Path)
		putStr(rec[40:], e.ctype)
		putStr(rec[48:], e.etag)
		le.PutUint32(rec[56:], uint32(e.flags))
		le.PutUint32(rec[60:], uint32(vi))
		le.PutUint32(rec[64:], uint32(len(e.variants)))
		s.Files++
		s.Bytes += int64(len(e.Data))
		for _, v := range e.variants {
			vrec := vr[vi*variantRecLen:]
			putRange(vrec, &members[mi])
			putStr(vrec[24:], v.etag)
			le.PutUint32(vrec[32:], uint32(v.enc))
			mi++
			vi++
			s.Variants++
			s.VariantBytes += int64(len(v.data))
			es := &s.ByEncoding[v.enc]
			es.Count++
			es.Bytes += int64(len(v.data))
			es.Saved += int64(len(e.Data) - len(v.data))
		}
	}
	le.PutUint32(ix[ixLen-trailerLen:], crc32Castagnoli(ix[:ixLen-trailerLen]))
	s.IndexBytes = int64(ixLen)

	idxHdr, err := tarHeader(IndexName, int64(ixLen), newest)
	if err != nil || len(idxHdr) != blockSize {
		return nil, nil, fmt.Errorf("BUG: index tar header is %d bytes: %v", len(idxHdr), err)
	}
	members = append([]member{{name: IndexName, data: ix, header: idxHdr}}, members...)
	return ix, members, nil
}

// tarHeader encodes the header block(s) of a regular file with normalised
// metadata: mode 0644, owner 0:0, no user or group names, whole-second mtime.
// archive/tar picks ustar when it can and PAX for long or non-ASCII names.
func tarHeader(name string, size, mtime int64) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Size:     size,
		Mode:     0o644,
		ModTime:  time.Unix(mtime, 0),
	})
	return buf.Bytes(), err
}

var zeros [tarEndLen]byte

func writeArchive(w io.Writer, _ []byte, members []member) error {
	for _, m := range members {
		if _, err := w.Write(m.header); err != nil {
			return err
		}
		if _, err := w.Write(m.data); err != nil {
			return err
		}
		if pad := align(int64(len(m.data))) - int64(len(m.data)); pad > 0 {
			if _, err := w.Write(zeros[:pad]); err != nil {
				return err
			}
		}
	}
	_, err := w.Write(zeros[:])
	return err
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
