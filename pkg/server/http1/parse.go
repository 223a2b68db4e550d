package http1

import (
	"bytes"
	"encoding/binary"

	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

// maxLeadingEmptyLines bounds the empty lines skipped before a request line
// (RFC 9112 §2.2 asks servers to ignore "at least one").
const maxLeadingEmptyLines = 8

var slash = []byte("/")

// Parse parses one request head from the start of buf into req.
//
// It returns the length of the head (leading empty lines, request line and
// header section including the final empty line) and a nil error; the body,
// if any, starts at buf[n:] and is read with Body. When buf holds a valid but
// incomplete head it returns ErrNeedMore. Any other error is an *Error: answer
// with its Status and close the connection. Parse never allocates and never
// reads outside buf; req's slices point into buf.
func Parse(buf []byte, req *Request, lim Limits) (n int, err error) {
	lim = lim.norm()
	req.reset()

	// RFC 9112 §2.2: ignore empty lines before the request line.
	pos := 0
	for i := 0; ; i++ {
		if pos == len(buf) {
			return 0, ErrNeedMore
		}
		if buf[pos] == '\n' {
			return 0, ErrBareLF
		}
		if buf[pos] != '\r' {
			break
		}
		if pos+1 == len(buf) {
			return 0, ErrNeedMore
		}
		if buf[pos+1] != '\n' || i == maxLeadingEmptyLines {
			return 0, ErrRequestLine
		}
		pos += 2
	}

	// Request line (RFC 9112 §3).
	rest := buf[pos:]
	eol := bytes.IndexByte(rest, '\n')
	if eol < 0 {
		if len(rest) > lim.MaxRequestLine+1 {
			return 0, ErrURITooLong
		}
		return 0, checkPartialMethod(rest)
	}
	if eol == 0 || rest[eol-1] != '\r' {
		return 0, ErrBareLF
	}
	if eol-1 > lim.MaxRequestLine {
		return 0, ErrURITooLong
	}
	if !headReady(rest[eol+1:], lim) {
		return 0, ErrNeedMore
	}
	if err := parseRequestLine(rest[:eol-1], req); err != nil {
		return 0, err
	}
	pos += eol + 1

	// Header section (RFC 9112 §5).
	var st fieldState
	hstart := pos
	for {
		rest = buf[pos:]
		eol = bytes.IndexByte(rest, '\n')
		if eol < 0 {
			if len(buf)-hstart > lim.MaxHeaderBytes {
				return 0, ErrHeaderTooLarge
			}
			if len(rest) > 0 && httpfield.IsOWS(rest[0]) {
				return 0, ErrObsFold
			}
			if len(rest) > 0 && rest[0] != '\r' && req.NHeaders == lim.MaxHeaders {
				return 0, ErrTooManyHeaders // a field line can only be one too many
			}
			return 0, ErrNeedMore
		}
		if pos+eol+1-hstart > lim.MaxHeaderBytes {
			return 0, ErrHeaderTooLarge
		}
		if eol == 0 || rest[eol-1] != '\r' {
			return 0, ErrBareLF
		}
		line := rest[:eol-1]
		pos += eol + 1
		if len(line) == 0 {
			break
		}
		if err := st.field(line, req, lim); err != nil {
			return 0, err
		}
	}
	if err := st.finish(req, lim); err != nil {
		return 0, err
	}
	return pos, nil
}

// headReady reports whether h, the bytes after the request line, hold what
// the full parse must look at now: the empty line that ends the header
// section, or something refused without it (a bare LF, obs-fold or
// whitespace before the first field, a line starting with CR, more than
// lim.MaxHeaders lines, more than lim.MaxHeaderBytes bytes). Until then
// Parse asks for more input after one IndexByte per line, so a head that
// arrives in many small pieces is not validated again for every piece
// (notes/server.md §4: parse the header block once its blank line is
// buffered). The other errors of a partial head wait for its end.
func headReady(h []byte, lim Limits) bool {
	if len(h) > lim.MaxHeaderBytes {
		return true
	}
	for i, lines := 0, 0; i < len(h); lines++ {
		if c := h[i]; c == '\r' || c == '\n' || httpfield.IsOWS(c) || lines == lim.MaxHeaders {
			return true
		}
		j := bytes.IndexByte(h[i:], '\n')
		if j < 0 {
			return false
		}
		if h[i+j-1] != '\r' {
			return true // bare LF
		}
		i += j + 1
	}
	return false
}

// checkPartialMethod rejects early an incomplete request line whose method is
// already invalid (e.g. a TLS ClientHello sent to a plain HTTP port).
func checkPartialMethod(b []byte) error {
	for _, c := range b {
		if c == ' ' {
			return ErrNeedMore
		}
		if class[c]&cToken == 0 {
			if c == '\r' {
				return ErrBareCR
			}
			return ErrMethod
		}
	}
	return ErrNeedMore
}

func parseRequestLine(l []byte, req *Request) error {
	sp := bytes.IndexByte(l, ' ')
	if sp < 0 {
		return ErrRequestLine
	}
	if !isToken(l[:sp]) {
		return ErrMethod
	}
	req.Method = l[:sp]
	req.MethodID = methodID(req.Method)
	l = l[sp+1:]
	sp = bytes.IndexByte(l, ' ')
	if sp <= 0 {
		return ErrRequestLine
	}
	target, v := l[:sp], l[sp+1:]
	// HTTP-version = "HTTP" "/" DIGIT "." DIGIT (RFC 9112 §2.3), case-sensitive.
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		if bytes.IndexByte(v, '\r') >= 0 {
			return ErrBareCR
		}
		return ErrVersion
	}
	if v[5] != '1' {
		return ErrVersionSupported
	}
	// A later 1.x is processed as 1.1, the highest minor version we
	// implement (RFC 9110 §6.2), as nginx does.
	req.Minor = min(v[7]-'0', 1)
	for _, c := range target {
		if class[c]&cTarget == 0 {
			if c == '\r' {
				return ErrBareCR
			}
			return ErrTarget
		}
	}
	req.Target = target
	return parseTarget(target, req)
}

// parseTarget splits the request-target into its forms (RFC 9112 §3.2).
func parseTarget(t []byte, req *Request) error {
	switch {
	case t[0] == '/': // origin-form
		req.Path, req.Query = splitQuery(t)
		return nil
	case req.MethodID == MethodOptions && len(t) == 1 && t[0] == '*': // asterisk-form
		return nil
	case req.MethodID == MethodConnect: // authority-form
		if !isHost(t) || len(t) == 0 {
			return ErrTarget
		}
		return nil
	}
	// absolute-form: only http and https URIs.
	var rest []byte
	switch {
	case len(t) > 7 && equalFold(t[:7], "http://"):
		rest = t[7:]
	case len(t) > 8 && equalFold(t[:8], "https://"):
		rest = t[8:]
	default:
		return ErrTarget
	}
	i := 0
	for i < len(rest) && rest[i] != '/' && rest[i] != '?' {
		i++
	}
	auth := rest[:i]
	if len(auth) == 0 || !isHost(auth) {
		return ErrTarget
	}
	req.Host = auth // RFC 9112 §3.2.3: the target's authority replaces Host
	req.Path, req.Query = splitQuery(rest[i:])
	if len(req.Path) == 0 {
		req.Path = slash
	}
	return nil
}

func splitQuery(t []byte) (path, query []byte) {
	if q := bytes.IndexByte(t, '?'); q >= 0 {
		return t[:q], t[q+1:]
	}
	return t, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isHost(b []byte) bool {
	for _, c := range b {
		if class[c]&cHost == 0 {
			return false
		}
	}
	return true
}

func methodID(m []byte) Method {
	switch string(m) {
	case "GET":
		return MethodGet
	case "HEAD":
		return MethodHead
	case "POST":
		return MethodPost
	case "PUT":
		return MethodPut
	case "DELETE":
		return MethodDelete
	case "OPTIONS":
		return MethodOptions
	case "PATCH":
		return MethodPatch
	case "CONNECT":
		return MethodConnect
	case "TRACE":
		return MethodTrace
	}
	return MethodOther
}

// fieldState collects what the header fields say about framing and the
// connection while Parse walks them.
type fieldState struct {
	nHost, nCL, nTE int
	host, cl, te    []byte
	close, keep     bool
	expect100       bool
}

// field parses and records one field line (RFC 9112 §5.1, RFC 9110 §5.5).
func (st *fieldState) field(line []byte, req *Request, lim Limits) error {
	if httpfield.IsOWS(line[0]) {
		return ErrObsFold // RFC 9112 §5.2; also whitespace before the first field (§2.2)
	}
	if req.NHeaders == lim.MaxHeaders {
		return ErrTooManyHeaders
	}
	i := 0
	for i < len(line) && class[line[i]]&cToken != 0 {
		i++
	}
	if i == 0 || i == len(line) || line[i] != ':' {
		if i < len(line) && line[i] == '\r' {
			return ErrBareCR
		}
		return ErrFieldName // includes whitespace before the colon (RFC 9112 §5.1)
	}
	name := line[:i]
	value := httpfield.TrimOWS(line[i+1:])
	if err := checkValue(value); err != nil {
		return err
	}
	req.Headers[req.NHeaders] = Field{name, value}
	req.NHeaders++
	return st.classify(name, value, req)
}

func (st *fieldState) classify(name, value []byte, req *Request) error {
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			st.nHost++
			st.host = value
		}
	case 6:
		if equalFold(name, "expect") && equalFold(value, "100-continue") {
			st.expect100 = true
		}
	case 10:
		if equalFold(name, "connection") {
			st.connection(value)
			return nil
		}
	case 14:
		if equalFold(name, "content-length") {
			st.nCL++
			st.cl = value
			return nil
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			st.nTE++
			st.te = value
			return nil
		}
	}
	if len(name) < len(knownLen) && knownLen[len(name)] > 0 {
		for k := Known(knownLen[len(name)] - 1); k < numKnown && len(knownNames[k]) == len(name); k++ {
			if req.known[k] == 0 && equalFold(name, knownNames[k]) {
				req.known[k] = int16(req.NHeaders)
				break
			}
		}
	}
	return nil
}

// checkValue validates a field value: field-vchar, obs-text, SP and HTAB
// (RFC 9110 §5.5). Eight bytes at a time while they are all printable.
func checkValue(v []byte) error {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(v) >= 8 {
		x := binary.LittleEndian.Uint64(v)
		ctl := (x - 0x20*ones) &^ x & highs // some byte < 0x20
		y := x ^ 0x7f*ones
		del := (y - ones) &^ y & highs // some byte == 0x7f
		if ctl|del != 0 {
			break
		}
		v = v[8:]
	}
	for _, c := range v {
		if class[c]&cVchar == 0 && !httpfield.IsOWS(c) {
			if c == '\r' {
				return ErrBareCR
			}
			return ErrFieldValue
		}
	}
	return nil
}

// connection records the connection options (RFC 9112 §9.3, §9.6).
func (st *fieldState) connection(v []byte) {
	for {
		e, rest, ok := httpfield.NextElem(v)
		if !ok {
			return
		}
		switch {
		case equalFold(e, "close"):
			st.close = true
		case equalFold(e, "keep-alive"):
			st.keep = true
		}
		v = rest
	}
}

// finish decides framing (RFC 9112 §6.3), Host (§3.2) and persistence (§9.3).
func (st *fieldState) finish(req *Request, lim Limits) error {
	switch {
	case st.nTE > 0:
		if req.Minor == 0 || st.nTE > 1 {
			return ErrTransferEncoding
		}
		if st.nCL > 0 {
			return ErrCLAndTE
		}
		if err := checkTE(st.te); err != nil {
			return err
		}
		req.Framing = BodyChunked
	case st.nCL > 0:
		if st.nCL > 1 {
			return ErrContentLength
		}
		n, ok := parseContentLength(st.cl)
		if !ok {
			return ErrContentLength
		}
		if n > lim.MaxBody {
			return ErrBodyTooLarge
		}
		if n > 0 {
			req.Framing = BodyLength
			req.ContentLength = n
		}
	}
	if st.nHost > 1 || (req.Minor == 1 && st.nHost == 0) || !isHost(st.host) {
		return ErrHost
	}
	if req.Host == nil {
		req.Host = st.host
	}
	if req.Minor == 1 {
		req.KeepAlive = !st.close
		req.Expect100 = st.expect100 && req.Framing != BodyNone
	} else {
		req.KeepAlive = st.keep && !st.close
	}
	return nil
}

// checkTE accepts exactly "chunked" (RFC 9112 §6.1, §7).
func checkTE(v []byte) error {
	n, chunked, last := 0, 0, false
	for {
		e, rest, ok := httpfield.NextElem(v)
		if !ok {
			break
		}
		// A transfer-coding may carry parameters; none is defined for chunked.
		name := e
		if i := bytes.IndexByte(e, ';'); i >= 0 {
			name = httpfield.TrimOWS(e[:i])
		}
		if !isToken(name) {
			return ErrTransferEncoding
		}
		n++
		last = equalFold(e, "chunked")
		if equalFold(name, "chunked") {
			chunked++
		}
		v = rest
	}
	switch {
	case n == 0:
		return ErrTransferEncoding
	case chunked > 1 || (chunked == 1 && !last):
		return ErrTransferEncoding
	case n > 1 || chunked == 0:
		return ErrTENotChunked
	}
	return nil
}

// parseContentLength accepts 1 to 18 decimal digits and nothing else.
func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
