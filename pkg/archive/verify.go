package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
)

// Verify checks what Open leaves out: it walks the tar from the start and
// checks that every member is where the index says, with the name, size,
// type and mtime the index implies, that nothing else is in the tar, and it
// re-hashes every entry, variant and script-free content against its ETag,
// decompresses every variant and compares it with its entry, and recomputes
// every entry's flags. It returns nil only when all of that holds; otherwise
// a *CorruptError naming the first thing wrong.
func (r *Reader) Verify() error {
	if err := r.verifyTar(); err != nil {
		return err
	}
	isFile := func(p string) bool { _, ok := r.Lookup(p); return ok }
	for i := range r.Len() {
		e := r.At(i)
		if err := fileUnderFile(e.Path, isFile); err != nil {
			return corrupt("%v", err)
		}
		data := r.Content(e)
		if got := ETagOf(data); got != e.ETag {
			return corrupt("%s: content hash %s does not match its ETag %s", e.Path, got, e.ETag)
		}
		if f := FlagsFor(e.Path, e.ContentType, data); f != e.Flags {
			return corrupt("%s: flags %#x, content implies %#x", e.Path, uint32(e.Flags), uint32(f))
		}
		for _, v := range e.Variants[:e.NVariants] {
			vb := r.VariantContent(v)
			if got := ETagOf(vb); got != v.ETag {
				return corrupt("%s: %s variant hash %s does not match its ETag %s", e.Path, v.Encoding, got, v.ETag)
			}
			if v.ETag == e.ETag {
				return corrupt("%s: %s variant shares the identity ETag", e.Path, v.Encoding)
			}
			plain, err := decode(v.Encoding, vb, e.Size)
			if err != nil {
				return corrupt("%s: %s variant does not decompress: %v", e.Path, v.Encoding, err)
			}
			if !bytes.Equal(plain, data) {
				return corrupt("%s: %s variant decompresses to different content", e.Path, v.Encoding)
			}
		}
	}
	return nil
}

// expected lists the members in archive order as the index describes them.
type expected struct {
	name      string
	off, size int64
	mtime     int64
}

func (r *Reader) members() []expected {
	out := []expected{{name: IndexName, off: blockSize, size: int64(len(r.x.entries) + len(r.x.variants) + len(r.x.scripts) + len(r.x.strs) + headerLen + trailerLen), mtime: r.x.modTime}}
	for i, s := range r.Scripts() {
		off := int64(le.Uint64(r.x.scripts[i*scriptRecLen+8:]))
		out = append(out, expected{name: ScriptDir + s.Name + ".o", off: off, size: int64(len(s.Object)), mtime: r.x.modTime})
	}
	for i := range r.Len() {
		e := r.At(i)
		out = append(out, expected{name: e.Path, off: e.Offset, size: e.Size, mtime: e.ModTime})
		for _, v := range e.Variants[:e.NVariants] {
			out = append(out, expected{name: VariantDir + e.Path + v.Encoding.fileExt(), off: v.Offset, size: v.Size, mtime: e.ModTime})
		}
	}
	return out
}

func (r *Reader) verifyTar() error {
	end := int64(len(r.data)) - tarEndLen
	for _, c := range r.data[end:] {
		if c != 0 {
			return corrupt("tar end blocks are not zero")
		}
	}
	cr := &countReader{b: r.data}
	tr := tar.NewReader(cr)
	for _, m := range r.members() {
		h, err := tr.Next()
		if err == io.EOF {
			return corrupt("tar ends before member %q", m.name)
		}
		if err != nil {
			return corrupt("tar member %q: %v", m.name, err)
		}
		switch {
		case h.Name != m.name:
			return corrupt("tar member at byte %d is %q, index says %q", cr.n, h.Name, m.name)
		case h.Typeflag != tar.TypeReg:
			return corrupt("tar member %q is type %q, want a regular file", m.name, h.Typeflag)
		case h.Size != m.size:
			return corrupt("tar member %q is %d bytes, index says %d", m.name, h.Size, m.size)
		case cr.n != m.off:
			return corrupt("tar member %q data at byte %d, index says %d", m.name, cr.n, m.off)
		case h.ModTime.Unix() != m.mtime:
			return corrupt("tar member %q mtime %d, index says %d", m.name, h.ModTime.Unix(), m.mtime)
		}
		if err := checkMeta(m.name, h); err != nil {
			return err
		}
	}
	h, err := tr.Next()
	if err == nil {
		return corrupt("tar member %q is not in the index", h.Name)
	}
	if !errors.Is(err, io.EOF) {
		return corrupt("tar after the last member: %v", err)
	}
	return nil
}

// checkMeta checks the header fields the index does not describe against
// what the writer puts there, so tar -xf extracts exactly what the index
// says: mode 0644, owner 0:0 without names, no link name or device, ustar
// or PAX format, and no PAX record but "path" and "size" (a GNU.sparse.*
// record, for one, makes tar write other bytes than the indexed range).
func checkMeta(name string, h *tar.Header) error {
	switch {
	case h.Mode != 0o644:
		return corrupt("tar member %q has mode %o, want 644", name, h.Mode)
	case h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "":
		return corrupt("tar member %q has owner %d:%d (%q:%q), want 0:0 without names", name, h.Uid, h.Gid, h.Uname, h.Gname)
	case h.Linkname != "" || h.Devmajor != 0 || h.Devminor != 0:
		return corrupt("tar member %q has link name %q or device %d,%d", name, h.Linkname, h.Devmajor, h.Devminor)
	case h.Format != tar.FormatUSTAR && h.Format != tar.FormatPAX:
		return corrupt("tar member %q is in %v format, want ustar or PAX", name, h.Format)
	}
	for _, k := range slices.Sorted(maps.Keys(h.PAXRecords)) {
		if k != "path" && k != "size" {
			return corrupt("tar member %q has PAX record %q (only path and size are written)", name, k)
		}
	}
	return nil
}

// countReader reads b and counts the bytes consumed; archive/tar reads
// headers block by block, so after Next the count is the data offset.
type countReader struct {
	b []byte
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	if c.n >= int64(len(c.b)) {
		return 0, io.EOF
	}
	k := copy(p, c.b[c.n:])
	c.n += int64(k)
	return k, nil
}
