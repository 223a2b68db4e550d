package server

import (
	"strconv"
	"strings"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/http1"
)

// siteOptions configure lookups.
type siteOptions struct {
	index   string
	tryHTML bool
}

// Site answers requests from one open archive. It is immutable and shared
// by every worker.
type Site struct {
	r        *archive.Reader
	opts     siteOptions
	notFound archive.Entry // the site's 404.html
	has404   bool
}

// openSite opens the archive at path; the returned closer unmaps it.
func openSite(path string, opts siteOptions) (*Site, *archive.Reader, error) {
	r, err := archive.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return newSite(r, opts), r, nil
}

func newSite(r *archive.Reader, opts siteOptions) *Site {
	s := &Site{r: r, opts: opts}
	s.notFound, s.has404 = r.Lookup("404.html")
	return s
}

// siteResponse is the answer to one request: a status, the fields after
// the connection-level ones, and body slices pointing into the mapping.
type siteResponse struct {
	Status int
	head   bool // HEAD: send the fields of the body but not the body
	entry  archive.Entry
	hasEnt bool
	parts  [1][]byte // body
	nparts int
	allow  bool // add Allow: GET, HEAD
}

var (
	textNotFound   = []byte("Not Found\n")
	textNotAllowed = []byte("Method Not Allowed\n")
	textBadRequest = []byte("Bad Request\n")
)

const (
	zeroserveDir    = ".zeroserve/"
	contentTypeText = "text/plain; charset=utf-8"
)

func (r *siteResponse) setText(status int, text []byte) {
	r.Status = status
	r.parts[0], r.nparts = text, 1
}

func (r *siteResponse) setEntry(status int, e archive.Entry, data []byte) {
	r.Status, r.entry, r.hasEnt = status, e, true
	r.parts[0], r.nparts = data, 1
}

// respond fills res for req without allocating.
func (s *Site) respond(req *http1.Request, res *siteResponse) {
	*res = siteResponse{head: req.MethodID == http1.MethodHead}
	if req.MethodID != http1.MethodGet && req.MethodID != http1.MethodHead {
		res.setText(405, textNotAllowed)
		res.allow = true
		return
	}
	if len(req.Path) == 0 || req.Path[0] != '/' {
		res.setText(400, textBadRequest)
		return
	}
	e, ok := s.lookup(req.Path)
	if !ok {
		if s.has404 {
			res.setEntry(404, s.notFound, s.r.Content(s.notFound))
			return
		}
		res.setText(404, textNotFound)
		return
	}
	res.setEntry(200, e, s.r.Content(e))
}

// lookup finds the entry for a request path: exact, then the directory
// index, then "<path>.html" with TryHTML. Nothing under .zeroserve/ matches.
func (s *Site) lookup(p []byte) (archive.Entry, bool) {
	path := bytesString(p[1:])
	for len(path) > 0 && path[0] == '/' {
		path = path[1:]
	}
	if strings.HasPrefix(path, zeroserveDir) || path == ".zeroserve" {
		return archive.Entry{}, false
	}
	if path != "" && path[len(path)-1] != '/' {
		if e, ok := s.r.Lookup(path); ok {
			return e, true
		}
	}
	if e, ok := s.lookupIndex(path); ok {
		return e, true
	}
	if s.opts.tryHTML && path != "" && path[len(path)-1] != '/' {
		return s.lookupSuffix(path, ".html")
	}
	return archive.Entry{}, false
}

// lookupIndex finds path/index (path "" or ending in '/' or a directory).
func (s *Site) lookupIndex(path string) (archive.Entry, bool) {
	var buf [512]byte
	b := append(buf[:0], path...)
	if len(b) > 0 && b[len(b)-1] != '/' {
		b = append(b, '/')
	}
	b = append(b, s.opts.index...)
	return s.r.Lookup(bytesString(b))
}

func (s *Site) lookupSuffix(path, suffix string) (archive.Entry, bool) {
	var buf [512]byte
	b := append(append(buf[:0], path...), suffix...)
	return s.r.Lookup(bytesString(b))
}

func (r *siteResponse) body() [][]byte { return r.parts[:r.nparts] }

// appendFields appends the representation fields.
func (r *siteResponse) appendFields(dst []byte) []byte {
	if r.allow {
		dst = append(dst, "Allow: GET, HEAD\r\n"...)
	}
	if !r.hasEnt {
		dst = http1.AppendField(dst, "Content-Type", contentTypeText)
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(r.parts[0])), 10)
		return append(dst, "\r\n"...)
	}
	e := &r.entry
	dst = http1.AppendField(dst, "Content-Type", e.ContentType)
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, e.Size, 10)
	dst = append(dst, "\r\n"...)
	if r.Status == 200 {
		dst = http1.AppendField(dst, "ETag", e.ETag)
		if e.ModTime > 0 {
			dst = append(dst, "Last-Modified: "...)
			dst = http1.AppendHTTPDate(dst, e.ModTime)
			dst = append(dst, "\r\n"...)
		}
	}
	return dst
}
