package server

import (
	"strconv"
	"strings"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/script"
	"zeroserve.dev/zeroserve/pkg/server/static"
)

// exchange is the protocol-neutral work of answering one request: the
// site's script chain (package script), static serving on the request as
// the chain left it, <zs-meta> template substitution and the metadata
// response headers. The protocol owns the framing: HTTP/1.1 (conn.go) and
// HTTP/2 streams (h2.go). It reuses one exchange per request slot (a
// connection's current request, a stream); after warm-up nothing here
// allocates.
//
// Use, on the connection's loop, with the generation pinned by the caller
// until the response has been sent:
//
//	req := ex.begin(gen, info.Worker, requestID, method == "HEAD")
//	if req != nil {
//		// The site has scripts: fill the chain's own copy of the request
//		// (req.FromHTTP1, or SetMethod/SetURI/SetProto/SetConn/Headers.Add).
//	} else {
//		// No scripts: fill *ex.staticRequest(); its slices may point into
//		// the protocol's buffers, so call run before they change.
//	}
//	if !ex.run() {
//		// A script used its slice: return to the loop with nothing
//		// pending, call info.Waker.Wake(), and from Conn.Resume call
//		// ex.resume() until it returns true.
//	}
//	// The response: ex.Abort (reset the stream / close the connection),
//	// else ex.Status, ex.Fields (without Date, Server and the connection
//	// fields) and ex.Body. Body pieces that are not inside ex.mapping()
//	// (script bodies, substituted templates, multipart framing) must be
//	// copied before end.
//	ex.end() // before releasing the generation; also cancels a yielded chain
type exchange struct {
	// Status, Fields and Body are the response once run or resume
	// returned true. Fields hold no framing fields but Content-Length; Body
	// is empty for HEAD.
	Status int
	Fields []static.Field
	Body   [][]byte
	// Abort: a script called zs_abort; send nothing, close the connection
	// or reset the stream.
	Abort bool
	// Outcome is how the chain ended (Kind Static without scripts).
	Outcome script.Outcome

	gen  *Generation
	slot *runnerSlot
	rn   *script.Runner
	cx   *script.Context
	head bool // the client's method is HEAD: no body whatever the chain did

	sreq   static.Request
	sresp  static.Response
	fields []static.Field // Fields when they are not sresp's
	body   [1][]byte
	tmpl   []byte // substituted template body
	num    [20]byte
}

// begin starts a request on g (pinned by the caller) for the worker that
// owns the connection. It returns the chain's request to fill when the
// site has scripts, nil otherwise (fill staticRequest instead).
func (ex *exchange) begin(g *Generation, worker int, id uint64, head bool) *script.Request {
	ex.gen, ex.head, ex.Abort = g, head, false
	ex.Outcome = script.Outcome{}
	slot := g.runnerSlot(worker)
	if slot == nil {
		return nil
	}
	ex.slot = slot
	slot.lock()
	ex.rn = slot.runner(g)
	ex.cx = ex.rn.Get()
	slot.unlock()
	ex.cx.RequestID = id
	return &ex.cx.Request
}

// staticRequest is the request static serving reads when the site has no
// scripts.
func (ex *exchange) staticRequest() *static.Request { return &ex.sreq }

// scripted reports whether the request goes through a script chain.
func (ex *exchange) scripted() bool { return ex.cx != nil }

// run answers the request: it runs the chain (if any) and then static
// serving. It returns false when a script yielded; call resume later.
func (ex *exchange) run() bool {
	if ex.cx == nil {
		ex.gen.Site.h.Serve(&ex.sreq, &ex.sresp)
		ex.Status, ex.Fields, ex.Body = ex.sresp.Status, ex.sresp.Fields, ex.sresp.Body
		return true
	}
	ex.slot.lock()
	out := ex.rn.Run(ex.cx)
	ex.slot.unlock()
	return ex.after(out)
}

// resume continues a chain whose run or resume returned false.
func (ex *exchange) resume() bool {
	ex.slot.lock()
	out := ex.rn.Continue(ex.cx)
	ex.slot.unlock()
	return ex.after(out)
}

func (ex *exchange) after(out script.Outcome) bool {
	ex.Outcome = out
	switch out.Kind {
	case script.Yielded:
		return false
	case script.Static:
		ex.serveStatic()
	case script.Respond, script.Failed:
		ex.scriptResponse(out.Status)
	case script.Abort:
		ex.Abort = true
	}
	return true
}

var (
	methodGET  = []byte("GET")
	methodHEAD = []byte("HEAD")
)

// serveStatic serves the request the chain left, with its metadata
// headers, substituting a template when the request has metadata.
func (ex *exchange) serveStatic() {
	cx := ex.cx
	sr := &ex.sreq
	cx.Request.Static(sr)
	isHead := string(sr.Method) == "HEAD"
	getOrHead := isHead || string(sr.Method) == "GET"
	if isHead && !ex.head {
		// A GET rewritten to HEAD still gets the body its client expects.
		sr.Method = methodGET
	}
	h := ex.gen.Site.h
	resp := &ex.sresp
	h.Serve(sr, resp)
	// Static serving resolved the entry (file, index, .html fallback or
	// 404.html) and reports its flags.
	tmpl := getOrHead && cx.Meta.Len() > 0 && resp.Flags&archive.FlagTemplate != 0
	if tmpl && wholeGET(sr) {
		// The page differs per request: serve it again whole, identity,
		// unconditional and with its body (a template's length needs it).
		// The path is unchanged, so this resolves the same entry.
		h.Serve(sr, resp)
	}
	ex.Status, ex.Body = resp.Status, resp.Body
	ex.fields = ex.fields[:0]
	if tmpl && len(resp.Body) == 1 && (resp.Status == 200 || resp.Status == 404) {
		ex.tmpl = script.Substitute(ex.tmpl[:0], resp.Body[0], &cx.Meta)
		for _, f := range resp.Fields {
			switch f.Name {
			case "ETag", "Accept-Ranges", "Last-Modified":
				continue
			case "Content-Length":
				f.Value = str(strconv.AppendInt(ex.num[:0], int64(len(ex.tmpl)), 10))
			}
			ex.fields = append(ex.fields, f)
		}
		ex.body[0] = ex.tmpl
		ex.Body = ex.body[:1]
	} else {
		ex.fields = append(ex.fields, resp.Fields...)
	}
	ex.fields = cx.ApplyHeaders(ex.fields)
	ex.Fields = ex.fields
	if ex.head {
		ex.Body = nil
	}
}

// wholeGET turns sr into an unconditional, identity, whole-body GET and
// reports whether that changed it.
func wholeGET(sr *static.Request) bool {
	changed := sr.AcceptEncoding != nil || sr.Range != nil || sr.IfRange != nil ||
		sr.IfMatch != nil || sr.IfNoneMatch != nil || sr.IfModifiedSince != nil || sr.IfUnmodifiedSince != nil ||
		string(sr.Method) != "GET"
	sr.AcceptEncoding, sr.Range, sr.IfRange = nil, nil, nil
	sr.IfMatch, sr.IfNoneMatch, sr.IfModifiedSince, sr.IfUnmodifiedSince = nil, nil, nil, nil
	sr.Method = methodGET
	return changed
}

// scriptResponse sends the response a script set (or the runner's 500/503).
func (ex *exchange) scriptResponse(status int) {
	cx := ex.cx
	ex.Status = status
	ex.fields = cx.ResponseFields(ex.fields[:0])
	if status == 204 || status == 304 {
		// No body and no Content-Length (RFC 9110 §8.6).
		out := ex.fields[:0]
		for _, f := range ex.fields {
			if f.Name != "Content-Length" {
				out = append(out, f)
			}
		}
		ex.fields = out
	}
	ex.Fields = ex.fields
	ex.Body = nil
	if b := cx.Response.Body; len(b) > 0 && status != 204 && status != 304 {
		if h := ex.gen.Site.scriptHTML; h != nil && isHTML(ex.fields) {
			b = h(b)
			for i := range ex.fields {
				if ex.fields[i].Name == "Content-Length" {
					ex.fields[i].Value = str(strconv.AppendInt(ex.num[:0], int64(len(b)), 10))
				}
			}
		}
		if !ex.head {
			ex.body[0] = b
			ex.Body = ex.body[:1]
		}
	}
}

// isHTML reports whether fields say Content-Type text/html.
func isHTML(fields []static.Field) bool {
	const html = "text/html"
	for _, f := range fields {
		if strings.EqualFold(f.Name, "Content-Type") {
			return len(f.Value) >= len(html) && strings.EqualFold(f.Value[:len(html)], html)
		}
	}
	return false
}

// mapping returns the archive bytes body pieces may point into; pieces
// elsewhere must be copied before end.
func (ex *exchange) mapping() []byte { return ex.gen.Site.r.Bytes() }

// end finishes the request: the chain's Context goes back to its Runner
// (cancelling a chain still in progress) and the response is forgotten.
// Call it before releasing the generation.
func (ex *exchange) end() {
	if ex.cx != nil {
		ex.slot.lock()
		ex.rn.Put(ex.cx)
		ex.slot.unlock()
	}
	ex.cx, ex.rn, ex.slot, ex.gen = nil, nil, nil, nil
	ex.Fields, ex.Body, ex.Abort = nil, nil, false
	ex.body[0] = nil
	clear(ex.fields)
	ex.sreq = static.Request{}
}
