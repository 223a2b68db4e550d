package script

import (
	"crypto/sha256"
	"hash"
	"strconv"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/vm/interp"
)

// Response is the response a script set with zs_respond, zs_json_respond
// or zs_abort. Body is owned by the Context and valid until it is reused.
type Response struct {
	Status int
	Body   []byte
	// JSON reports a zs_json_respond response: Content-Type is exactly
	// application/json (metadata cannot override it).
	JSON bool

	pending bool // a response or abort is set
	abort   bool
}

func (r *Response) reset() {
	r.Status, r.Body, r.JSON, r.pending, r.abort = 0, r.Body[:0], false, false, false
}

func (r *Response) set(status int, body []byte, json bool) {
	r.Status, r.JSON, r.pending, r.abort = status, json, true, false
	r.Body = append(r.Body[:0], body...)
}

// Context is the request-scoped state of one chain: the request, its
// metadata, the pending response and the JSON handles of the running
// script. A Runner hands out Contexts (Get) and takes them back (Put); they
// are reset, not reallocated, between requests. A Context belongs to one
// Runner and one goroutine.
type Context struct {
	// RequestID tags log lines; the integrator sets it.
	RequestID uint64
	// Request is the request the scripts see and rewrite.
	Request Request
	// Meta is the request metadata.
	Meta Meta
	// Response is the response a script set.
	Response Response

	runner *Runner
	json   trees
	sha    hash.Hash
	tmp    []byte // helper scratch (combined headers, decoded params, ...)

	// chain progress
	active bool
	next   int // script running or to run
	inst   *interp.Instance
	start  time.Time
	yields int

	num    [20]byte // Content-Length text
	digest [32]byte // HMAC inner digest
}

func (cx *Context) reset() {
	cx.RequestID = 0
	cx.Request.reset()
	cx.Meta.reset()
	cx.Response.reset()
	cx.json.reset()
	cx.tmp = cx.tmp[:0]
	cx.active, cx.next, cx.inst, cx.yields = false, 0, nil, 0
}

func (cx *Context) hasher() hash.Hash {
	if cx.sha == nil {
		cx.sha = sha256.New()
	}
	cx.sha.Reset()
	return cx.sha
}

// Yields returns how many times the chain has yielded so far.
func (cx *Context) Yields() int { return cx.yields }

// Content types of script responses.
const (
	TextContentType = "text/plain; charset=utf-8"
	JSONContentType = "application/json"
)

// ResponseFields appends the header fields of a script's response (an
// Outcome of Kind Respond or Failed) to dst: Content-Type (text/plain, or
// application/json for zs_json_respond), Content-Length, then the metadata
// headers (which may replace Content-Type of a zs_respond response). The
// strings point into cx and are valid until it is reused.
func (cx *Context) ResponseFields(dst []static.Field) []static.Field {
	ct := TextContentType
	if cx.Response.JSON {
		ct = JSONContentType
	}
	dst = append(dst, static.Field{Name: "Content-Type", Value: ct})
	n := strconv.AppendInt(cx.num[:0], int64(len(cx.Response.Body)), 10)
	dst = append(dst, static.Field{Name: "Content-Length", Value: str(n)})
	start := len(dst)
	dst = cx.ApplyHeaders(dst)
	if cx.Response.JSON && dst[start-2].Value != JSONContentType {
		dst[start-2].Value = JSONContentType
	}
	return dst
}

// ApplyHeaders applies the metadata response headers
// (zs.response.header.<name>) to fields, the header of any response (static
// file, script, error page): a metadata header replaces the value of the
// first field of the same name (case-insensitive) and removes later ones,
// or is appended. Surrounding spaces and tabs are trimmed from values.
// Names that are not tokens, values with a control byte other than HTAB
// (CR, LF, NUL, ...: see sendableValue), and
// the fields the protocol layer owns (Content-Length, Transfer-Encoding,
// Connection, Keep-Alive, Upgrade, TE, Trailer, Proxy-Connection, Date,
// Server) are ignored. It allocates only if fields must grow.
func (cx *Context) ApplyHeaders(fields []static.Field) []static.Field {
	m := &cx.Meta
	for i := range m.list {
		k, v := m.At(i)
		name, ok := metaHeader(k, v)
		if !ok {
			continue
		}
		fields = replaceField(fields, str(name), str(trimOWS(v)))
	}
	return fields
}

// MetaHeaders calls f for each valid metadata response header, in the
// order they were first set.
func (cx *Context) MetaHeaders(f func(name, value string)) {
	m := &cx.Meta
	for i := range m.list {
		k, v := m.At(i)
		if name, ok := metaHeader(k, v); ok {
			f(str(name), str(trimOWS(v)))
		}
	}
}

func replaceField(fields []static.Field, name, value string) []static.Field {
	found := -1
	out := fields[:0]
	for _, f := range fields {
		if equalFold(f.Name, name) {
			if found >= 0 {
				continue
			}
			found = len(out)
			f.Value = value
		}
		out = append(out, f)
	}
	if found < 0 {
		out = append(out, static.Field{Name: name, Value: value})
	}
	return out
}

// metaHeader returns the header name of metadata key k when k is a valid,
// allowed response header key with a sendable value v.
func metaHeader(k, v []byte) ([]byte, bool) {
	if len(k) <= len(ResponseHeaderPrefix) || string(k[:len(ResponseHeaderPrefix)]) != ResponseHeaderPrefix {
		return nil, false
	}
	name := k[len(ResponseHeaderPrefix):]
	if !validName(name) || !sendableValue(v) || reserved(name) {
		return nil, false
	}
	return name, true
}

// sendableValue reports whether v, trimmed of surrounding spaces and tabs
// (trimOWS), is a field value every protocol writer can send as it is (RFC
// 9110 §5.5): no control byte but HTAB. HTTP/2 and HTTP/3 clients treat a
// response with any other control byte (or with surrounding whitespace,
// hence the trim) as malformed (RFC 9113 §8.2.1).
func sendableValue(v []byte) bool {
	for _, c := range v {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// trimOWS removes leading and trailing spaces and tabs (RFC 9110 §5.6.3),
// which are not part of a field value.
func trimOWS(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// reserved reports header names metadata may not set: framing and
// connection fields, and those the protocol writer adds.
func reserved(name []byte) bool {
	for _, r := range [...]string{"content-length", "transfer-encoding", "connection", "keep-alive",
		"upgrade", "te", "trailer", "proxy-connection", "date", "server"} {
		if equalFoldString(name, r) {
			return true
		}
	}
	return false
}
