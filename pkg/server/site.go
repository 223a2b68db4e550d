package server

import (
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// Site answers requests from one open archive through static serving. It
// is immutable and shared by every worker.
type Site struct {
	r    *archive.Reader
	h    *static.Handler
	opts siteOptions
}

// siteOptions configure static serving.
type siteOptions struct {
	index   string
	tryHTML bool
}

func newSite(r *archive.Reader, opts siteOptions) *Site {
	if opts.index == "" {
		opts.index = DefaultIndex
	}
	return &Site{r: r, h: static.New(r, static.Config{Index: opts.index, TryHTML: opts.tryHTML}), opts: opts}
}

// Archive returns the site's archive.
func (s *Site) Archive() *archive.Reader { return s.r }

// staticFromHTTP1 fills sr from a parsed HTTP/1 request head; the slices
// point into the request's buffer.
func staticFromHTTP1(req *http1.Request, sr *static.Request) {
	sr.Method = req.Method
	sr.Path = req.Path
	if sr.Path == nil && len(req.Target) == 1 && req.Target[0] == '*' {
		sr.Path = req.Target // OPTIONS *
	}
	if sr.Path == nil {
		sr.Path = emptyPath // authority-form: static answers 400
	}
	sr.Query = req.Query
	sr.AcceptEncoding = req.Header(http1.HdrAcceptEncoding)
	sr.IfMatch = req.Header(http1.HdrIfMatch)
	sr.IfNoneMatch = req.Header(http1.HdrIfNoneMatch)
	sr.IfModifiedSince = req.Header(http1.HdrIfModifiedSince)
	sr.IfUnmodifiedSince = req.Header(http1.HdrIfUnmodifiedSince)
	sr.Range = req.Header(http1.HdrRange)
	sr.IfRange = req.Header(http1.HdrIfRange)
}

var emptyPath = []byte{}

// isTemplate reports whether static serving of a GET for sr would answer
// with a template entry (archive.FlagTemplate): the file itself, the
// directory index, the PATH.html fallback or the site's 404.html. It
// mirrors the resolution of static.Handler.Serve; scratch is a reusable
// buffer, returned grown.
func (s *Site) isTemplate(sr *static.Request, scratch []byte) (bool, []byte) {
	p, err := static.NormalizePath(scratch[:0], sr.Path)
	if err != nil {
		return false, p
	}
	n := len(p)
	key := p[1:n]
	lookup := func(suffix string) (archive.Entry, bool) {
		p = append(p[:n], suffix...)
		return s.r.Lookup(str(p[1:]))
	}
	var e archive.Entry
	ok := false
	switch {
	case hiddenKey(key):
	case len(key) == 0 || key[len(key)-1] == '/':
		e, ok = lookup(s.opts.index)
	default:
		if e, ok = lookup(""); ok {
			break
		}
		if _, dir := lookup("/" + s.opts.index); dir {
			return false, p // 308 to the directory
		}
		if s.opts.tryHTML {
			e, ok = lookup(".html")
		}
	}
	if !ok {
		e, ok = s.r.Lookup("404.html")
	}
	return ok && e.Flags&archive.FlagTemplate != 0, p
}

// hiddenKey reports whether an archive key is under .zeroserve/.
func hiddenKey(key []byte) bool {
	const dir = ".zeroserve"
	return len(key) >= len(dir) && string(key[:len(dir)]) == dir && (len(key) == len(dir) || key[len(dir)] == '/')
}
