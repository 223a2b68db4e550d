package http1

import (
	"bufio"
	"bytes"
	"net/http"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

func TestAppendResponseHead(t *testing.T) {
	var dc DateCache
	date := dc.Value(time.Unix(784111777, 0))
	if string(date) != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("date %q", date)
	}
	tests := []struct {
		status int
		conn   ConnField
		want   string
	}{
		{200, ConnDefault, "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: zeroserve\r\nContent-Length: 2\r\n\r\n"},
		{404, ConnClose, "HTTP/1.1 404 Not Found\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: zeroserve\r\nConnection: close\r\nContent-Length: 2\r\n\r\n"},
		{299, ConnKeepAlive, "HTTP/1.1 299 \r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: zeroserve\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n"},
	}
	for _, tt := range tests {
		b := AppendResponseHead(nil, tt.status, date, tt.conn)
		b = AppendField(b, "Content-Length", "2")
		b = EndHead(b)
		if string(b) != tt.want {
			t.Errorf("got\n%q\nwant\n%q", b, tt.want)
		}
		// net/http's client reads it back.
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(append(b, "ok"...))), nil)
		if err != nil || resp.StatusCode != tt.status || resp.Header.Get("Server") != ServerName {
			t.Errorf("ReadResponse: %v %v", err, resp)
		}
	}
}

func TestAppendError(t *testing.T) {
	for _, e := range []*Error{ErrBareLF, ErrURITooLong, ErrHeaderTooLarge, ErrTENotChunked, ErrVersionSupported, ErrBodyTooLarge} {
		b := AppendError(nil, e.Status, nil)
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
		if err != nil || resp.StatusCode != e.Status || !resp.Close {
			t.Fatalf("%v: %v %+v", e, err, resp)
		}
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		if body.String() != StatusText(e.Status)+"\n" {
			t.Errorf("body %q", body.String())
		}
	}
}

func TestAppendErrorHead(t *testing.T) {
	b := AppendErrorHead([]byte("x"), 408, nil)
	want := "xHTTP/1.1 408 Request Timeout\r\nServer: zeroserve\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\n\r\n"
	if string(b) != want {
		t.Errorf("%q", b)
	}
}

func TestDateCache(t *testing.T) {
	var dc DateCache
	base := time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC)
	a := string(dc.Value(base))
	if a != "Sat, 28 Feb 2026 23:59:59 GMT" {
		t.Errorf("%q", a)
	}
	if got := string(dc.Value(base.Add(999 * time.Millisecond))); got != a {
		t.Errorf("same second reformatted: %q", got)
	}
	if got := string(dc.Value(base.Add(time.Second))); got != "Sun, 01 Mar 2026 00:00:00 GMT" {
		t.Errorf("%q", got)
	}
	for _, sec := range []int64{0, 951782400, 4102444800, 1e10} {
		want := time.Unix(sec, 0).UTC().Format(http.TimeFormat)
		if got := string(httpfield.AppendDate(nil, sec)); got != want {
			t.Errorf("%d: %q want %q", sec, got, want)
		}
	}
	now := time.Unix(1e9, 0)
	if a := testing.AllocsPerRun(100, func() { dc.Value(now); now = now.Add(time.Second) }); a != 0 {
		t.Errorf("DateCache allocates %v", a)
	}
}

func TestResponseConn(t *testing.T) {
	tests := []struct {
		minor        uint8
		keep, closng bool
		f            ConnField
		ka           bool
	}{
		{1, true, false, ConnDefault, true},
		{1, true, true, ConnClose, false},
		{1, false, false, ConnClose, false},
		{0, true, false, ConnKeepAlive, true},
		{0, false, false, ConnClose, false},
	}
	for _, tt := range tests {
		r := Request{Minor: tt.minor, KeepAlive: tt.keep}
		if f, ka := r.ResponseConn(tt.closng); f != tt.f || ka != tt.ka {
			t.Errorf("%+v: %d %v", tt, f, ka)
		}
	}
}

func BenchmarkAppendResponseHead(b *testing.B) {
	var dc DateCache
	date := dc.Value(time.Unix(1e9, 0))
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendResponseHead(buf[:0], 200, date, ConnDefault)
		buf = AppendField(buf, "Content-Type", "text/html; charset=utf-8")
		buf = EndHead(buf)
	}
}

func TestStatusTextKnown(t *testing.T) {
	// Every status a script may answer with and the server produces has a
	// reason phrase, so the status line never ends in a bare space.
	for _, code := range []int{200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
		400, 401, 403, 404, 405, 409, 410, 412, 413, 414, 416, 421, 422, 429, 431,
		500, 501, 502, 503, 504} {
		if StatusText(code) == "" {
			t.Errorf("StatusText(%d) is empty", code)
		}
	}
}
