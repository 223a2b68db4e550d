package server

import (
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// Site answers requests from one open archive through static serving. It
// is immutable and shared by every worker.
type Site struct {
	r *archive.Reader
	h *static.Handler
}

// siteOptions configure static serving.
type siteOptions struct {
	index   string
	tryHTML bool
}

// openSite opens the archive at path; the returned Reader is closed when
// the generation is released.
func openSite(path string, opts siteOptions) (*Site, *archive.Reader, error) {
	r, err := archive.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return newSite(r, opts), r, nil
}

func newSite(r *archive.Reader, opts siteOptions) *Site {
	return &Site{r: r, h: static.New(r, static.Config{Index: opts.index, TryHTML: opts.tryHTML})}
}

// Archive returns the site's archive.
func (s *Site) Archive() *archive.Reader { return s.r }

// siteResponse is the answer to one request. The static Response is reused
// per connection; body pieces that do not point into the archive mapping
// (multipart framing in the Response's own buffer) are copied when the
// response is queued, so that the next request can reuse the Response.
type siteResponse struct {
	Status  int
	resp    static.Response
	sreq    static.Request
	mapping []byte // the archive bytes the body may point into
}

// respond fills res for req without allocating (after warm-up).
func (s *Site) respond(req *http1.Request, res *siteResponse) {
	sr := &res.sreq
	sr.Method = req.Method
	sr.Path = req.Path
	if sr.Path == nil && len(req.Target) == 1 && req.Target[0] == '*' {
		sr.Path = req.Target // OPTIONS *
	}
	sr.Query = req.Query
	sr.AcceptEncoding = req.Header(http1.HdrAcceptEncoding)
	sr.IfMatch = req.Header(http1.HdrIfMatch)
	sr.IfNoneMatch = req.Header(http1.HdrIfNoneMatch)
	sr.IfModifiedSince = req.Header(http1.HdrIfModifiedSince)
	sr.IfUnmodifiedSince = req.Header(http1.HdrIfUnmodifiedSince)
	sr.Range = req.Header(http1.HdrRange)
	sr.IfRange = req.Header(http1.HdrIfRange)
	if sr.Path == nil {
		sr.Path = emptyPath // authority-form: static answers 400
	}
	s.h.Serve(sr, &res.resp)
	res.Status = res.resp.Status
	res.mapping = s.r.Bytes()
	*sr = static.Request{}
}

var emptyPath = []byte{}

// appendFields appends the representation fields as HTTP/1 field lines.
func (r *siteResponse) appendFields(dst []byte) []byte { return r.resp.AppendFields(dst) }

// body returns the body pieces.
func (r *siteResponse) body() [][]byte { return r.resp.Body }
