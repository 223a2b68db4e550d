package static

import (
	"strconv"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// Site is what static serving needs from an opened archive; *archive.Reader
// implements it. Implementations must not allocate in these methods.
type Site interface {
	Lookup(path string) (archive.Entry, bool)
	Content(e archive.Entry) []byte
	VariantContent(v archive.Variant) []byte
}

// Config holds the per-site serving options.
type Config struct {
	// Index is the file served for a directory; default "index.html".
	Index string
	// TryHTML also looks up "<path>.html" when "<path>" is missing.
	TryHTML bool
	// CacheControl is sent for files that are neither HTML nor have a
	// content hash in their name; default DefaultCacheControl.
	CacheControl string
}

// Cache-Control values (see the package documentation).
const (
	DefaultCacheControl   = "public, max-age=3600"
	ImmutableCacheControl = "public, max-age=31536000, immutable"
	HTMLCacheControl      = "no-cache"
)

// Allow is the Allow field value of 405 and OPTIONS responses.
const Allow = "GET, HEAD, OPTIONS"

// Request is the protocol-neutral view of a request that static serving
// reads. Slices are only read during Serve. A nil header slice means the
// field is absent; a present but empty field is a non-nil empty slice.
type Request struct {
	Method []byte // "GET", "HEAD", ...
	Path   []byte // raw path as sent, still percent-encoded; "*" for OPTIONS *
	Query  []byte // raw query without '?'; nil when the target has none

	AcceptEncoding    []byte
	IfMatch           []byte
	IfNoneMatch       []byte
	IfModifiedSince   []byte
	IfUnmodifiedSince []byte
	Range             []byte
	IfRange           []byte
}

// Field is one response header field.
type Field struct {
	Name, Value string
}

const maxFields = 10

// Response is what Serve produces. Reuse one per connection (or stream):
// after the first few requests Serve no longer allocates. Fields, Body and
// the strings in them stay valid until the next Serve with the same
// Response, or until the Site is closed for body slices of the mapping.
type Response struct {
	Status int
	// Fields are the header fields, without the connection-level ones the
	// protocol writer adds (Date, Server, Connection; see
	// http1.AppendResponseHead). Content-Length is always among them when
	// the response has a body (also for HEAD, where it is the length GET
	// would send).
	Fields []Field
	// Body is the content in pieces to send in order: slices of the
	// archive mapping, of package-level text, or of the Response's own
	// buffer (multipart framing). Empty for HEAD, 204 and 304.
	Body [][]byte
	// ContentLength is the sum of the Body pieces' lengths, or what it would
	// be for HEAD.
	ContentLength int64
	// Path is the normalised path (from '/') when the request path was
	// valid, for logs and scripts.
	Path string
	// Encoding is the representation served.
	Encoding archive.Encoding
	// Flags are the archive flags (archive.FlagHTML, FlagTemplate, ...) of
	// the entry the response is about: the file, the directory index, the
	// PATH.html fallback or the site's 404.html, whatever the status (also
	// 304, 412 and 416). 0 when Serve resolved no entry (400, 405, OPTIONS,
	// the 308 to a directory, a 404 without 404.html). A caller that treats
	// some entries differently (templates) reads it instead of resolving
	// the path again.
	Flags archive.Flags

	fields  [maxFields]Field
	body    [2*MaxRanges + 1][]byte
	ranges  [MaxRanges]byteRange
	scratch []byte
	lmSec   int64    // Unix second rendered in lm
	lm      [29]byte // IMF-fixdate of lmSec
}

// AppendFields appends the fields as HTTP/1 field lines "Name: value\r\n".
func (r *Response) AppendFields(dst []byte) []byte {
	for _, f := range r.Fields {
		dst = append(dst, f.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.Value...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

func (r *Response) reset() {
	r.Status, r.Fields, r.Body, r.ContentLength = 0, r.fields[:0], r.body[:0], 0
	r.Path, r.Encoding, r.Flags = "", archive.Identity, 0
	if cap(r.scratch) < 1024 {
		r.scratch = make([]byte, 0, 1024)
	}
	r.scratch = r.scratch[:0]
}

func (r *Response) add(name, value string) {
	r.Fields = append(r.Fields, Field{name, value})
}

// addNum adds a field with a decimal value rendered into the scratch buffer.
func (r *Response) addNum(name string, v int64) {
	start := len(r.scratch)
	r.scratch = strconv.AppendInt(r.scratch, v, 10)
	r.add(name, str(r.scratch[start:]))
}

// Handler serves one site. It is immutable after New and safe for
// concurrent use by several loops; all per-request state is in Response.
type Handler struct {
	site         Site
	cfg          Config
	notFound     archive.Entry // the site's 404.html
	haveNotFound bool
}

// New returns a Handler for site.
func New(site Site, cfg Config) *Handler {
	if cfg.Index == "" {
		cfg.Index = "index.html"
	}
	if cfg.CacheControl == "" {
		cfg.CacheControl = DefaultCacheControl
	}
	h := &Handler{site: site, cfg: cfg}
	h.notFound, h.haveNotFound = site.Lookup("404.html")
	return h
}

type method uint8

const (
	mOther method = iota
	mGet
	mHead
	mOptions
)

func methodOf(m []byte) method {
	switch string(m) {
	case "GET":
		return mGet
	case "HEAD":
		return mHead
	case "OPTIONS":
		return mOptions
	}
	return mOther
}

// Serve answers req into resp.
func (h *Handler) Serve(req *Request, resp *Response) {
	resp.reset()
	m := methodOf(req.Method)
	if len(req.Path) == 1 && req.Path[0] == '*' {
		if m == mOptions {
			h.options(resp)
		} else {
			h.text(resp, 400, m)
		}
		return
	}
	p, err := NormalizePath(resp.scratch, req.Path)
	if err != nil || !validQuery(req.Query) {
		h.text(resp, 400, m)
		return
	}
	resp.scratch = p
	resp.Path = str(p)
	key := p[1:] // archive paths have no leading '/'
	switch {
	case hidden(key):
		h.missing(req, resp, m)
		return
	case m == mOther:
		h.text(resp, 405, m)
		return
	case m == mOptions:
		h.options(resp)
		return
	}
	if len(key) == 0 || key[len(key)-1] == '/' {
		if e, ok := h.lookup(resp, key, h.cfg.Index); ok {
			h.serveEntry(req, resp, &e, m)
		} else {
			h.missing(req, resp, m)
		}
		return
	}
	if e, ok := h.site.Lookup(str(key)); ok {
		h.serveEntry(req, resp, &e, m)
		return
	}
	// A directory named without its trailing slash: 308 to the slash form,
	// so that relative links in its index resolve (like nginx and Caddy).
	if _, ok := h.lookup(resp, key, "/"+h.cfg.Index); ok {
		h.redirect(req, resp, m)
		return
	}
	if h.cfg.TryHTML {
		if e, ok := h.lookup(resp, key, ".html"); ok {
			h.serveEntry(req, resp, &e, m)
			return
		}
	}
	h.missing(req, resp, m)
}

// lookup looks up key+suffix, built in the scratch buffer.
func (h *Handler) lookup(resp *Response, key []byte, suffix string) (archive.Entry, bool) {
	start := len(resp.scratch)
	resp.scratch = append(resp.scratch, key...)
	resp.scratch = append(resp.scratch, suffix...)
	return h.site.Lookup(str(resp.scratch[start:]))
}

// hidden reports whether key is under .zeroserve/, which is never served.
func hidden(key []byte) bool {
	const dir = ".zeroserve"
	return len(key) >= len(dir) && string(key[:len(dir)]) == dir && (len(key) == len(dir) || key[len(dir)] == '/')
}

// validQuery checks that a query can be echoed into a Location field.
func validQuery(q []byte) bool {
	for _, c := range q {
		if c <= 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
