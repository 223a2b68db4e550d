package server

import (
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// Site answers requests from one open archive through static serving. It
// is immutable and shared by every worker.
type Site struct {
	r          *archive.Reader
	h          *static.Handler
	scriptHTML func([]byte) []byte // Config.ScriptHTML
}

// siteOptions configure static serving.
type siteOptions struct {
	index      string
	tryHTML    bool
	scriptHTML func([]byte) []byte
}

func newSite(r *archive.Reader, opts siteOptions) *Site {
	if opts.index == "" {
		opts.index = DefaultIndex
	}
	return &Site{r: r, h: static.New(r, static.Config{Index: opts.index, TryHTML: opts.tryHTML}),
		scriptHTML: opts.scriptHTML}
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
