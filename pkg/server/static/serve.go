package static

import (
	"strconv"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

const textPlain = "text/plain; charset=utf-8"

// Short text bodies of the responses static serving produces itself
// (SPEC.md §7), indexed by status.
var (
	textBody [600][]byte
	textLen  [600]string
)

func init() {
	for code, s := range map[int]string{
		308: "Permanent Redirect", 400: "Bad Request", 404: "Not Found",
		405: "Method Not Allowed", 412: "Precondition Failed", 416: "Range Not Satisfiable",
	} {
		b := strconv.Itoa(code) + " " + s + "\n"
		textBody[code] = []byte(b)
		textLen[code] = strconv.Itoa(len(b))
	}
}

// text answers with status and its short text body.
func (h *Handler) text(resp *Response, status int, m method) {
	resp.Status = status
	resp.add("Content-Type", textPlain)
	resp.add("Content-Length", textLen[status])
	if status == 405 {
		resp.add("Allow", Allow)
	}
	resp.ContentLength = int64(len(textBody[status]))
	if m != mHead {
		resp.Body = append(resp.Body, textBody[status])
	}
}

// options answers OPTIONS (RFC 9110 §9.3.7) for any path and for "*".
func (h *Handler) options(resp *Response) {
	resp.Status = 204
	resp.add("Allow", Allow)
}

// redirect answers 308 to the path with a trailing slash, keeping the query.
// The Location is built from the normalised path, percent-encoded again, so
// it is always a single-slash absolute path on this host.
func (h *Handler) redirect(req *Request, resp *Response, m method) {
	start := len(resp.scratch)
	b := appendEscapedPath(resp.scratch, []byte(resp.Path))
	b = append(b, '/')
	if req.Query != nil {
		b = append(b, '?')
		b = append(b, req.Query...)
	}
	resp.scratch = b
	h.text(resp, 308, m)
	resp.add("Location", str(b[start:]))
}

// appendEscapedPath percent-encodes every byte of p outside RFC 3986 pchar
// and '/'.
func appendEscapedPath(dst, p []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range p {
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') {
			dst = append(dst, c)
			continue
		}
		switch c {
		case '-', '.', '_', '~', '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/':
			dst = append(dst, c)
		default:
			dst = append(dst, '%', hex[c>>4], hex[c&15])
		}
	}
	return dst
}

// missing answers 404, with the site's 404.html when it has one.
func (h *Handler) missing(req *Request, resp *Response, m method) {
	if !h.haveNotFound || (m != mGet && m != mHead) {
		h.text(resp, 404, m)
		return
	}
	e := &h.notFound
	enc, body := h.representation(req.AcceptEncoding, e)
	resp.Status = 404
	resp.Flags = e.Flags
	resp.Encoding = enc
	if e.ContentType != "" {
		resp.add("Content-Type", e.ContentType)
	}
	resp.addNum("Content-Length", int64(len(body)))
	if enc != archive.Identity {
		resp.add("Content-Encoding", enc.Token())
	}
	if e.NVariants > 0 {
		resp.add("Vary", "Accept-Encoding")
	}
	resp.add("Cache-Control", HTMLCacheControl)
	resp.ContentLength = int64(len(body))
	if m == mGet {
		resp.Body = append(resp.Body, body)
	}
}

// representation negotiates the content coding of e and returns its bytes.
func (h *Handler) representation(ae []byte, e *archive.Entry) (archive.Encoding, []byte) {
	if enc := negotiate(ae, e); enc != archive.Identity {
		if v, ok := e.Variant(enc); ok {
			return enc, h.site.VariantContent(v)
		}
	}
	return archive.Identity, h.site.Content(*e)
}

// serveEntry answers GET or HEAD for a found entry: representation choice,
// preconditions (RFC 9110 §13.2.2), ranges (RFC 9110 §14), then the
// response.
func (h *Handler) serveEntry(req *Request, resp *Response, e *archive.Entry, m method) {
	resp.Flags = e.Flags
	// Ranges apply to the identity representation only, so a GET with Range
	// is served identity whatever Accept-Encoding says.
	wantRange := m == mGet && req.Range != nil
	enc, etag, body := archive.Identity, e.ETag, []byte(nil)
	if wantRange {
		body = h.site.Content(*e)
	} else {
		enc, body = h.representation(req.AcceptEncoding, e)
		if enc != archive.Identity {
			v, _ := e.Variant(enc)
			etag = v.ETag
		}
	}
	resp.Encoding = enc

	// RFC 9110 §13.2.2 steps 1-4.
	lm := e.ModTime
	if req.IfMatch != nil {
		if !etagMatch(req.IfMatch, etag, false) {
			h.text(resp, 412, m)
			return
		}
	} else if req.IfUnmodifiedSince != nil && lm > 0 {
		if t, ok := httpfield.ParseDate(req.IfUnmodifiedSince); ok && lm > t {
			h.text(resp, 412, m)
			return
		}
	}
	if req.IfNoneMatch != nil {
		if etagMatch(req.IfNoneMatch, etag, true) {
			h.notModified(resp, e, etag)
			return
		}
	} else if req.IfModifiedSince != nil && lm > 0 {
		if t, ok := httpfield.ParseDate(req.IfModifiedSince); ok && lm <= t {
			h.notModified(resp, e, etag)
			return
		}
	}

	// Step 5: Range, guarded by If-Range.
	n, rr := 0, rangeIgnore
	if wantRange && h.ifRange(req.IfRange, e) {
		n, rr = parseRange(req.Range, int64(len(body)), &resp.ranges)
	}
	switch rr {
	case rangeUnsatisfiable:
		h.text(resp, 416, m)
		start := len(resp.scratch)
		resp.scratch = append(resp.scratch, "bytes */"...)
		resp.scratch = strconv.AppendInt(resp.scratch, int64(len(body)), 10)
		resp.add("Content-Range", str(resp.scratch[start:]))
		return
	case rangeOK:
		resp.Status = 206
		if n == 1 {
			h.singleRange(resp, e, body, resp.ranges[0])
		} else {
			h.multiRange(resp, e, body, resp.ranges[:n])
		}
	default:
		resp.Status = 200
		if e.ContentType != "" {
			resp.add("Content-Type", e.ContentType)
		}
		resp.addNum("Content-Length", int64(len(body)))
		if enc != archive.Identity {
			resp.add("Content-Encoding", enc.Token())
		}
		resp.ContentLength = int64(len(body))
		resp.Body = append(resp.Body, body)
	}
	h.validators(resp, e, etag)
	resp.add("Accept-Ranges", "bytes")
	if m == mHead {
		resp.Body = resp.Body[:0]
	}
}

// validators adds the fields a 200, 206 and 304 share: ETag, Last-Modified
// (not on 304, RFC 9110 §15.4.5), Cache-Control and Vary.
func (h *Handler) validators(resp *Response, e *archive.Entry, etag string) {
	if etag != "" {
		resp.add("ETag", etag)
	}
	if e.ModTime > 0 && resp.Status != 304 {
		// Most files of a site share one mtime: keep the last rendering.
		if e.ModTime != resp.lmSec {
			resp.lmSec = e.ModTime
			httpfield.AppendDate(resp.lm[:0], e.ModTime)
		}
		resp.add("Last-Modified", str(resp.lm[:]))
	}
	resp.add("Cache-Control", h.cacheControl(e))
	if e.NVariants > 0 {
		resp.add("Vary", "Accept-Encoding")
	}
}

func (h *Handler) cacheControl(e *archive.Entry) string {
	switch {
	case e.Flags&archive.FlagHashedName != 0:
		return ImmutableCacheControl
	case e.Flags&archive.FlagHTML != 0:
		return HTMLCacheControl
	}
	return h.cfg.CacheControl
}

func (h *Handler) notModified(resp *Response, e *archive.Entry, etag string) {
	resp.Status = 304
	resp.Body = resp.Body[:0]
	h.validators(resp, e, etag)
}

// ifRange evaluates If-Range (RFC 9110 §13.1.5): an entity-tag must match
// the identity ETag strongly, a date must equal Last-Modified exactly.
func (h *Handler) ifRange(v []byte, e *archive.Entry) bool {
	if v == nil {
		return true
	}
	v = httpfield.TrimOWS(v)
	if len(v) > 0 && (v[0] == '"' || (len(v) > 1 && v[0] == 'W' && v[1] == '/')) {
		return len(v) > 0 && v[0] == '"' && string(v) == e.ETag
	}
	t, ok := httpfield.ParseDate(v)
	return ok && e.ModTime > 0 && t == e.ModTime
}

func (h *Handler) singleRange(resp *Response, e *archive.Entry, body []byte, r byteRange) {
	if e.ContentType != "" {
		resp.add("Content-Type", e.ContentType)
	}
	resp.addNum("Content-Length", r.n)
	start := len(resp.scratch)
	resp.scratch = appendContentRange(resp.scratch, r, int64(len(body)))
	resp.add("Content-Range", str(resp.scratch[start:]))
	resp.ContentLength = r.n
	resp.Body = append(resp.Body, body[r.off:r.off+r.n])
}

func appendContentRange(dst []byte, r byteRange, size int64) []byte {
	dst = append(dst, "bytes "...)
	dst = strconv.AppendInt(dst, r.off, 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, r.off+r.n-1, 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, size, 10)
}

// multiRange builds a multipart/byteranges body (RFC 9110 §14.6): part
// headers in the scratch buffer, part contents from the mapping. The
// boundary is derived from the ETag (a content hash), so it is
// deterministic and cannot occur in the content by accident.
func (h *Handler) multiRange(resp *Response, e *archive.Entry, body []byte, rs []byteRange) {
	// Reserve the scratch space first so the slices below stay put.
	need := len(resp.scratch) + 256 + len(rs)*(160+len(e.ContentType))
	if cap(resp.scratch) < need {
		b := make([]byte, len(resp.scratch), need)
		copy(b, resp.scratch)
		resp.scratch = b
	}
	bstart := len(resp.scratch)
	resp.scratch = append(resp.scratch, "zs"...)
	for i := 0; i < len(e.ETag) && len(resp.scratch)-bstart < 34; i++ {
		if c := e.ETag[i]; ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			resp.scratch = append(resp.scratch, c)
		}
	}
	boundary := resp.scratch[bstart:]
	ctStart := len(resp.scratch)
	resp.scratch = append(resp.scratch, "multipart/byteranges; boundary="...)
	resp.scratch = append(resp.scratch, boundary...)
	resp.add("Content-Type", str(resp.scratch[ctStart:]))

	var total int64
	for i, r := range rs {
		start := len(resp.scratch)
		if i > 0 {
			resp.scratch = append(resp.scratch, "\r\n"...)
		}
		resp.scratch = append(resp.scratch, "--"...)
		resp.scratch = append(resp.scratch, boundary...)
		if e.ContentType != "" {
			resp.scratch = append(resp.scratch, "\r\nContent-Type: "...)
			resp.scratch = append(resp.scratch, e.ContentType...)
		}
		resp.scratch = append(resp.scratch, "\r\nContent-Range: "...)
		resp.scratch = appendContentRange(resp.scratch, r, int64(len(body)))
		resp.scratch = append(resp.scratch, "\r\n\r\n"...)
		part := resp.scratch[start:]
		resp.Body = append(resp.Body, part, body[r.off:r.off+r.n])
		total += int64(len(part)) + r.n
	}
	start := len(resp.scratch)
	resp.scratch = append(resp.scratch, "\r\n--"...)
	resp.scratch = append(resp.scratch, boundary...)
	resp.scratch = append(resp.scratch, "--\r\n"...)
	resp.Body = append(resp.Body, resp.scratch[start:])
	total += int64(len(resp.scratch) - start)
	resp.addNum("Content-Length", total)
	resp.ContentLength = total
}
