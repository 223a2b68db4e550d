package http1

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const browserRequest = "GET /assets/app.3f9c1a.js?v=2 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: */*\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Connection: keep-alive\r\n" +
	"Sec-Fetch-Dest: script\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"If-None-Match: \"3f9c1a\"\r\n" +
	"Priority: u=1\r\n" +
	"\r\n"

func TestParseValid(t *testing.T) {
	tests := []struct {
		name, in                string
		method, path, query     string
		hasQuery                bool
		host                    string
		minor                   uint8
		keep, expect100         bool
		framing                 Framing
		cl                      int64
		nheaders, trailingBytes int
	}{
		{name: "browser", in: browserRequest, method: "GET", path: "/assets/app.3f9c1a.js", query: "v=2", hasQuery: true,
			host: "www.example.com", minor: 1, keep: true, nheaders: 12},
		{name: "minimal 1.1", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "empty host", in: "GET / HTTP/1.1\r\nHost:\r\n\r\n", method: "GET", path: "/", host: "", minor: 1, keep: true, nheaders: 1},
		{name: "1.2 read as 1.1", in: "GET / HTTP/1.2\r\nHost: a\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "1.9 read as 1.1", in: "GET / HTTP/1.9\r\nHost: a\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "1.0 no host", in: "GET /x HTTP/1.0\r\n\r\n", method: "GET", path: "/x", minor: 0, nheaders: 0},
		{name: "1.0 keep-alive", in: "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", method: "GET", path: "/x", keep: true, nheaders: 1},
		{name: "1.1 close", in: "GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, nheaders: 2},
		{name: "leading CRLF", in: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "pipelined rest", in: "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 1, trailingBytes: 17},
		{name: "content-length", in: "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", method: "POST", path: "/f", host: "a", minor: 1, keep: true,
			framing: BodyLength, cl: 5, nheaders: 2, trailingBytes: 5},
		{name: "content-length 0", in: "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", method: "POST", path: "/f", host: "a", minor: 1, keep: true, nheaders: 2},
		{name: "chunked", in: "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\nExpect: 100-continue\r\n\r\n", method: "POST", path: "/f", host: "a", minor: 1, keep: true,
			expect100: true, framing: BodyChunked, nheaders: 3},
		{name: "expect without body", in: "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 2},
		{name: "expect on 1.0 ignored", in: "POST / HTTP/1.0\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\nx", method: "POST", path: "/", framing: BodyLength, cl: 1, nheaders: 2, trailingBytes: 1},
		{name: "absolute-form", in: "GET http://Example.com:8080?q HTTP/1.1\r\nHost: other\r\n\r\n", method: "GET", path: "/", query: "q", hasQuery: true, host: "Example.com:8080", minor: 1, keep: true, nheaders: 1},
		{name: "absolute https", in: "GET HTTPS://h/a/b HTTP/1.1\r\nHost: h\r\n\r\n", method: "GET", path: "/a/b", host: "h", minor: 1, keep: true, nheaders: 1},
		{name: "asterisk", in: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", method: "OPTIONS", host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "connect", in: "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", method: "CONNECT", host: "a.example:443", minor: 1, keep: true, nheaders: 1},
		{name: "empty query", in: "GET /?\x20HTTP/1.1\r\nHost: a\r\n\r\n", method: "GET", path: "/", hasQuery: true, host: "a", minor: 1, keep: true, nheaders: 1},
		{name: "ows and obs-text", in: "GET / HTTP/1.1\r\nHost: a\r\nX-A: \t v\xe9 x \t\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 2},
		{name: "underscore is not a dash", in: "POST / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\nTransfer_Encoding: chunked\r\n\r\n", method: "POST", path: "/", host: "a", minor: 1, keep: true, nheaders: 3},
		{name: "unknown expectation ignored", in: "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", method: "GET", path: "/", host: "a", minor: 1, keep: true, nheaders: 2},
		{name: "CL leading zeros", in: "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", method: "POST", path: "/", host: "a", minor: 1, keep: true, framing: BodyLength, cl: 7, nheaders: 2},
		{name: "TE OWS", in: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \tchunked \r\n\r\n", method: "POST", path: "/", host: "a", minor: 1, keep: true, framing: BodyChunked, nheaders: 2},
		{name: "custom method", in: "PROPFIND /d HTTP/1.1\r\nHost: a\r\n\r\n", method: "PROPFIND", path: "/d", host: "a", minor: 1, keep: true, nheaders: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req Request
			n, err := Parse([]byte(tt.in), &req, Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if n != len(tt.in)-tt.trailingBytes {
				t.Errorf("n = %d, want %d", n, len(tt.in)-tt.trailingBytes)
			}
			if string(req.Method) != tt.method || string(req.Path) != tt.path || string(req.Query) != tt.query || (req.Query != nil) != tt.hasQuery {
				t.Errorf("method %q path %q query %q(%v)", req.Method, req.Path, req.Query, req.Query != nil)
			}
			if string(req.Host) != tt.host || req.Minor != tt.minor || req.KeepAlive != tt.keep || req.Expect100 != tt.expect100 {
				t.Errorf("host %q minor %d keep %v expect %v", req.Host, req.Minor, req.KeepAlive, req.Expect100)
			}
			if req.Framing != tt.framing || req.ContentLength != tt.cl || req.NHeaders != tt.nheaders {
				t.Errorf("framing %d cl %d nheaders %d", req.Framing, req.ContentLength, req.NHeaders)
			}
		})
	}
}

func TestParseHeaderAccess(t *testing.T) {
	var req Request
	if _, err := Parse([]byte(browserRequest), &req, Limits{}); err != nil {
		t.Fatal(err)
	}
	if got := string(req.Header(HdrAcceptEncoding)); got != "gzip, deflate, br, zstd" {
		t.Errorf("Accept-Encoding = %q", got)
	}
	if got := string(req.Header(HdrIfNoneMatch)); got != `"3f9c1a"` {
		t.Errorf("If-None-Match = %q", got)
	}
	if req.Header(HdrRange) != nil || req.Get("x-missing") != nil {
		t.Error("absent field is not nil")
	}
	if got := string(req.Get("sec-fetch-mode")); got != "no-cors" {
		t.Errorf("Get = %q", got)
	}
	if req.MethodID != MethodGet {
		t.Errorf("MethodID = %d", req.MethodID)
	}
	if _, err := Parse([]byte("GET / HTTP/1.1\r\nHost: a\r\nRange:\r\n\r\n"), &req, Limits{}); err != nil {
		t.Fatal(err)
	}
	if v := req.Header(HdrRange); v == nil || len(v) != 0 {
		t.Errorf("empty Range = %q (nil %v)", v, v == nil)
	}
}

// TestParseErrors covers the smuggling cases of notes/server.md §4 and the
// limits: each must be refused with the right status.
func TestParseErrors(t *testing.T) {
	h := "Host: a\r\n"
	tests := []struct {
		name, in string
		want     *Error
	}{
		{"CL and TE", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", ErrCLAndTE},
		{"TE and CL", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", ErrCLAndTE},
		{"duplicate CL differing", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n", ErrContentLength},
		{"duplicate CL identical", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n", ErrContentLength},
		{"CL list", "POST / HTTP/1.1\r\n" + h + "Content-Length: 3, 3\r\n\r\n", ErrContentLength},
		{"CL plus sign", "POST / HTTP/1.1\r\n" + h + "Content-Length: +3\r\n\r\n", ErrContentLength},
		{"CL minus", "POST / HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n", ErrContentLength},
		{"CL inner space", "POST / HTTP/1.1\r\n" + h + "Content-Length: 1 2\r\n\r\n", ErrContentLength},
		{"CL hex", "POST / HTTP/1.1\r\n" + h + "Content-Length: 0x10\r\n\r\n", ErrContentLength},
		{"CL empty", "POST / HTTP/1.1\r\n" + h + "Content-Length:\r\n\r\n", ErrContentLength},
		{"CL overflow", "POST / HTTP/1.1\r\n" + h + "Content-Length: 99999999999999999999\r\n\r\n", ErrContentLength},
		{"CL too large", "POST / HTTP/1.1\r\n" + h + "Content-Length: 1048577\r\n\r\n", ErrBodyTooLarge},
		{"TE gzip", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip\r\n\r\n", ErrTENotChunked},
		{"TE gzip chunked", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: gzip, chunked\r\n\r\n", ErrTENotChunked},
		{"TE identity", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: identity\r\n\r\n", ErrTENotChunked},
		{"TE chunked twice", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, chunked\r\n\r\n", ErrTransferEncoding},
		{"TE chunked not last", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, gzip\r\n\r\n", ErrTransferEncoding},
		{"TE two fields", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", ErrTransferEncoding},
		{"TE empty", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding:\r\n\r\n", ErrTransferEncoding},
		{"TE garbage", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: \"chunked\"\r\n\r\n", ErrTransferEncoding},
		{"TE chunked junk", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked-false\r\n\r\n", ErrTENotChunked},
		{"TE on 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", ErrTransferEncoding},
		{"TE space before colon", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding : chunked\r\n\r\n", ErrFieldName},
		{"TE vertical tab", "POST / HTTP/1.1\r\n" + h + "Transfer-Encoding:\x0bchunked\r\n\r\n", ErrFieldValue},
		{"obs-fold", "GET / HTTP/1.1\r\n" + h + "X-A: b\r\n c\r\n\r\n", ErrObsFold},
		{"obs-fold tab", "GET / HTTP/1.1\r\n" + h + "X-A: b\r\n\tc\r\n\r\n", ErrObsFold},
		{"space before first field", "GET / HTTP/1.1\r\n " + h + "\r\n", ErrObsFold},
		{"bare LF request line", "GET / HTTP/1.1\n" + h + "\r\n", ErrBareLF},
		{"bare LF field", "GET / HTTP/1.1\r\nHost: a\n\r\n", ErrBareLF},
		{"bare LF end", "GET / HTTP/1.1\r\nHost: a\r\n\n", ErrBareLF},
		{"bare LF leading", "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", ErrBareLF},
		{"bare CR value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", ErrBareCR},
		{"bare CR name", "GET / HTTP/1.1\r\nHost: a\r\nX\rA: b\r\n\r\n", ErrBareCR},
		{"bare CR target", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", ErrBareCR},
		{"bare CR version", "GET / HTTP/1.1\r\r\nHost: a\r\n\r\n", ErrBareCR},
		{"NUL value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x00\r\n\r\n", ErrFieldValue},
		{"DEL value", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x7f\r\n\r\n", ErrFieldValue},
		{"bad name char", "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", ErrFieldName},
		{"empty name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", ErrFieldName},
		{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nXA\r\n\r\n", ErrFieldName},
		{"missing host", "GET / HTTP/1.1\r\n\r\n", ErrHost},
		{"repeated host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", ErrHost},
		{"repeated host 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", ErrHost},
		{"host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ErrHost},
		{"host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", ErrHost},
		{"absolute userinfo", "GET http://u@a/ HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"absolute empty authority", "GET http:///x HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"absolute other scheme", "GET ftp://a/ HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"authority-form on GET", "GET a:80 HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"asterisk on GET", "GET * HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"fragment", "GET /a#b HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"raw non-ASCII target", "GET /\xc3\xa9 HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"tab in target", "GET /a\tb HTTP/1.1\r\n" + h + "\r\n", ErrTarget},
		{"double space", "GET  / HTTP/1.1\r\n" + h + "\r\n", ErrRequestLine},
		{"no version", "GET /\r\n" + h + "\r\n", ErrRequestLine},
		{"trailing space", "GET / HTTP/1.1 \r\n" + h + "\r\n", ErrVersion},
		{"lower-case version", "GET / http/1.1\r\n" + h + "\r\n", ErrVersion},
		{"version 2.0", "GET / HTTP/2.0\r\n" + h + "\r\n", ErrVersionSupported},
		{"version 0.9", "GET / HTTP/0.9\r\n" + h + "\r\n", ErrVersionSupported},
		{"version 1.10", "GET / HTTP/1.10\r\n" + h + "\r\n", ErrVersion},
		{"bad method", "G(T / HTTP/1.1\r\n" + h + "\r\n", ErrMethod},
		{"TLS hello", "\x16\x03\x01\x02\x00\x01", ErrMethod},
		{"too many CRLF", strings.Repeat("\r\n", 9) + "GET / HTTP/1.1\r\n" + h + "\r\n", ErrRequestLine},
		{"request line too long", "GET /" + strings.Repeat("a", 8192) + " HTTP/1.1\r\n" + h + "\r\n", ErrURITooLong},
		{"request line too long partial", "GET /" + strings.Repeat("a", 8200), ErrURITooLong},
		{"header section too large", "GET / HTTP/1.1\r\n" + h + "X-A: " + strings.Repeat("b", 16<<10) + "\r\n\r\n", ErrHeaderTooLarge},
		{"header section too large partial", "GET / HTTP/1.1\r\n" + h + "X-A: " + strings.Repeat("b", 16<<10), ErrHeaderTooLarge},
		{"too many fields", "GET / HTTP/1.1\r\n" + h + strings.Repeat("X-A: b\r\n", 100) + "\r\n", ErrTooManyHeaders},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req Request
			n, err := Parse([]byte(tt.in), &req, Limits{})
			if err != tt.want {
				t.Fatalf("Parse = %d, %v; want %v", n, err, tt.want)
			}
			if n != 0 {
				t.Errorf("n = %d on error", n)
			}
			if StatusOf(err) != tt.want.Status {
				t.Errorf("StatusOf = %d", StatusOf(err))
			}
		})
	}
}

func TestParseLimitsBoundary(t *testing.T) {
	var req Request
	line := "GET /" + strings.Repeat("a", 8192-len("GET / HTTP/1.1")) + " HTTP/1.1"
	if len(line) != 8192 {
		t.Fatal(len(line))
	}
	if _, err := Parse([]byte(line+"\r\nHost: a\r\n\r\n"), &req, Limits{}); err != nil {
		t.Errorf("8 KiB request line: %v", err)
	}
	fields := "Host: a\r\n" + strings.Repeat("X-A: b\r\n", 99) + "\r\n"
	if _, err := Parse([]byte("GET / HTTP/1.1\r\n"+fields), &req, Limits{}); err != nil || req.NHeaders != 100 {
		t.Errorf("100 fields: %v, %d", err, req.NHeaders)
	}
	big := "Host: a\r\nX-A: " + strings.Repeat("b", 16<<10-len("Host: a\r\nX-A: \r\n\r\n")) + "\r\n\r\n"
	if len(big) != 16<<10 {
		t.Fatal(len(big))
	}
	if _, err := Parse([]byte("GET / HTTP/1.1\r\n"+big), &req, Limits{}); err != nil {
		t.Errorf("16 KiB header section: %v", err)
	}
	lim := Limits{MaxRequestLine: 16, MaxHeaderBytes: 32, MaxHeaders: 2, MaxBody: 10}
	for in, want := range map[string]error{
		"GET /0123456789 HTTP/1.1\r\n":                            ErrURITooLong,
		"GET / HTTP/1.1\r\nHost: a\r\nA: b\r\nB: c\r\n\r\n":       ErrTooManyHeaders,
		"GET / HTTP/1.1\r\nHost: a\r\nA: 0123456789012345678\r\n": ErrHeaderTooLarge,
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n": ErrBodyTooLarge,
	} {
		if _, err := Parse([]byte(in), &req, lim); err != want {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
	if got := lim.MaxHead(); got != 16+16+2+32 {
		t.Errorf("MaxHead = %d", got)
	}
}

// TestParsePrefixes checks that every strict prefix of a valid request head
// asks for more input.
func TestParsePrefixes(t *testing.T) {
	for _, in := range []string{browserRequest, "\r\nPOST http://a/b?c HTTP/1.0\r\nContent-Length: 3\r\n\r\n", "OPTIONS * HTTP/1.1\r\nHost:\r\n\r\n"} {
		var req Request
		for i := range len(in) {
			if n, err := Parse([]byte(in[:i]), &req, Limits{}); err != ErrNeedMore {
				t.Fatalf("prefix %q: %d, %v", in[:i], n, err)
			}
		}
	}
}

// serialize writes req back in canonical form.
func serialize(req *Request) []byte {
	var b []byte
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.Target...)
	b = append(b, " HTTP/1."...)
	b = append(b, '0'+req.Minor)
	b = append(b, "\r\n"...)
	for _, f := range req.Fields() {
		b = append(b, f.Name...)
		b = append(b, ": "...)
		b = append(b, f.Value...)
		b = append(b, "\r\n"...)
	}
	return append(b, "\r\n"...)
}

func TestParseRoundTrip(t *testing.T) {
	for _, in := range []string{browserRequest, "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "GET http://a/b HTTP/1.0\r\n\r\n"} {
		var req Request
		n, err := Parse([]byte(in), &req, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		out := serialize(&req)
		if n != len(out) || !bytes.Equal(out, []byte(in)) {
			t.Errorf("round trip:\n%q\n%q", in, out)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	buf := []byte(browserRequest)
	var req Request
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Parse(buf, &req, Limits{}); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Parse allocates %v times", allocs)
	}
}

func TestStatusOf(t *testing.T) {
	if StatusOf(errors.New("x")) != 400 || StatusOf(ErrURITooLong) != 414 {
		t.Error("StatusOf")
	}
}

func BenchmarkParse(b *testing.B) {
	buf := []byte(browserRequest)
	var req Request
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(buf, &req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMinimal(b *testing.B) {
	buf := []byte("GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n")
	var req Request
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(buf, &req, Limits{}); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(browserRequest))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("GET http://a/b?c HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("\r\nOPTIONS * HTTP/1.1\r\nHost:\r\nExpect: 100-continue\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var req Request
		n, err := Parse(in, &req, Limits{})
		if err != nil {
			if n != 0 {
				t.Fatalf("n = %d with error %v", n, err)
			}
			if err != ErrNeedMore {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T", err)
				}
			}
			return
		}
		if n <= 0 || n > len(in) {
			t.Fatalf("n = %d, len %d", n, len(in))
		}
		// Every strict prefix of an accepted head needs more input.
		for i := range n {
			var r2 Request
			if _, err := Parse(in[:i], &r2, Limits{}); err != ErrNeedMore {
				t.Fatalf("prefix %d of accepted head %q: %v", i, in[:n], err)
			}
		}
		// The canonical form parses to the same request.
		out := serialize(&req)
		var r2 Request
		m, err := Parse(out, &r2, Limits{})
		if err != nil || m != len(out) {
			t.Fatalf("reparse %q: %d %v", out, m, err)
		}
		if !bytes.Equal(serialize(&r2), out) || r2.Framing != req.Framing || r2.ContentLength != req.ContentLength ||
			r2.KeepAlive != req.KeepAlive || !bytes.Equal(r2.Host, req.Host) || !bytes.Equal(r2.Path, req.Path) {
			t.Fatalf("reparse differs for %q", out)
		}
	})
}

// TestParsePartialHead: until the blank line that ends the head is buffered,
// Parse refuses only what can never become valid by reading on (limits,
// bare LF, obs-fold, one field too many) and otherwise asks for more without
// validating the complete lines again, so a head sent in many small pieces
// costs one IndexByte per line per piece (see BenchmarkParseSlowHead). The
// deferred errors come as soon as the head is complete.
func TestParsePartialHead(t *testing.T) {
	h := "Host: a\r\n"
	tests := []struct {
		name, in string
		partial  error // Parse(in)
		complete error // Parse(in + "\r\n")
	}{
		{"NUL in a complete line", "GET / HTTP/1.1\r\n" + h + "X-A: b\x00\r\n", ErrNeedMore, ErrFieldValue},
		{"bad method", "G(T / HTTP/1.1\r\n" + h, ErrNeedMore, ErrMethod},
		{"bad version", "GET / HTTP/9.9\r\n" + h, ErrNeedMore, ErrVersionSupported},
		{"CL and TE", "POST / HTTP/1.1\r\n" + h + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n", ErrNeedMore, ErrCLAndTE},
		{"missing host", "GET / HTTP/1.1\r\nX: y\r\n", ErrNeedMore, ErrHost},
		{"bare LF", "GET / HTTP/1.1\r\n" + h + "X: y\nZ", ErrBareLF, ErrBareLF},
		{"bare LF first line", "GET / HTTP/1.1\r\n\nX", ErrBareLF, ErrBareLF},
		{"obs-fold partial", "GET / HTTP/1.1\r\n" + h + " x", ErrObsFold, ErrObsFold},
		{"space before first field", "GET / HTTP/1.1\r\n Host: a\r\n", ErrObsFold, ErrObsFold},
		{"field 101 partial", "GET / HTTP/1.1\r\n" + strings.Repeat(h, 100) + "X", ErrTooManyHeaders, ErrTooManyHeaders},
		{"field 101 complete", "GET / HTTP/1.1\r\n" + strings.Repeat(h, 101), ErrTooManyHeaders, ErrTooManyHeaders},
		{"too large partial", "GET / HTTP/1.1\r\n" + h + "X-A: " + strings.Repeat("b", 16<<10), ErrHeaderTooLarge, ErrHeaderTooLarge},
		{"too large with a NUL", "GET / HTTP/1.1\r\n" + h + "X-A: \x00\r\nX-B: " + strings.Repeat("b", 16<<10), ErrFieldValue, ErrFieldValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req Request
			if n, err := Parse([]byte(tt.in), &req, Limits{}); err != tt.partial || n != 0 {
				t.Errorf("partial: %d, %v; want %v", n, err, tt.partial)
			}
			if n, err := Parse([]byte(tt.in+"\r\n"), &req, Limits{}); err != tt.complete || n != 0 {
				t.Errorf("complete: %d, %v; want %v", n, err, tt.complete)
			}
		})
	}
}

// BenchmarkParseSlowHead parses a 14 KB head presented one more byte at a
// time, as a connection does for a client sending one byte per segment.
func BenchmarkParseSlowHead(b *testing.B) {
	buf := []byte("GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Field: "+strings.Repeat("v", 140)+"\r\n", 98))[:14000]
	var req Request
	b.ReportAllocs()
	for b.Loop() {
		for i := range len(buf) {
			if _, err := Parse(buf[:i], &req, Limits{}); err != ErrNeedMore {
				b.Fatal(err)
			}
		}
	}
}
