package server

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/net/http2/hpack"
	"zeroserve.dev/zeroserve/pkg/server/http2"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// TestH2NoAlloc: a request over HTTP/2 through the server's handler (the
// same exchange as HTTP/1.1: static serving, the script chain, templates,
// the stream's Hold released and logged) allocates nothing once warm.
func TestH2NoAlloc(t *testing.T) {
	t.Run("static site", func(t *testing.T) {
		h2NoAlloc(t, newHarness(t, testFiles), []h2AllocCase{
			{"static", "GET", "/hello.txt", "200", "hello world"},
			{"static HEAD", "HEAD", "/hello.txt", "200", ""},
			{"404", "GET", "/nope", "404", "404 Not Found"},
		})
	})
	t.Run("scripts", func(t *testing.T) {
		h2NoAlloc(t, newTemplateHarness(t).connHarness, []h2AllocCase{
			{"script answer", "GET", "/json", "200", `{"path":"/json","ok":true}`},
			{"static after the chain, gzip variant", "GET", "/plain.html", "200", "\x1f\x8b"},
			{"template", "GET", "/page.html", "200", "<"},
			{"404 template", "GET", "/missing", "404", "<"},
		})
	})
}

// h2AllocCase is a request and what its response must hold.
type h2AllocCase struct {
	name, method, path string
	status             string
	body               string // in every response's DATA; "" for none
}

func h2NoAlloc(t *testing.T, h *connHarness, cases []h2AllocCase) {
	h.opts.access = NewAccessLog(io.Discard, LogText, 1<<16)
	defer h.opts.access.Close()
	w := &nopWaker{}
	hd := &h2handler{o: &h.opts, info: transport.Info{Waker: w}}
	c := http2.NewConn(&http2.Config{Now: h.clock.now}, hd, w)
	defer c.Close(nil)
	iov := make([][]byte, 0, maxIOV)
	flushH2 := func() []byte {
		var out []byte
		for {
			iov = c.Pending(iov[:0])
			if len(iov) == 0 {
				return out
			}
			n := 0
			for _, b := range iov {
				out = append(out, b...)
				n += len(b)
			}
			c.Written(n)
		}
	}
	send := func(b []byte) {
		if n := c.Recv(b); n != len(b) {
			t.Fatalf("Recv consumed %d of %d", n, len(b))
		}
	}
	send(append([]byte(http2.Preface), http2.AppendSettings(nil)...))
	send(http2.AppendSettingsAck(nil))
	flushH2()

	var ebuf bytes.Buffer
	enc := hpack.NewEncoder(&ebuf)
	id := uint32(1)
	// Every response is checked after the measurement, from out (its
	// capacity is never exceeded, so appending does not allocate).
	out := make([]byte, 0, 16<<20)
	dec := hpack.NewDecoder(4096, nil)
	for _, tc := range cases {
		// Requests built ahead: with hpack's dynamic table each is a few
		// indices; a connection WINDOW_UPDATE gives back what the
		// response used.
		const runs = 300
		reqs := make([][]byte, runs)
		for i := range reqs {
			ebuf.Reset()
			for _, f := range [][2]string{{":method", tc.method}, {":scheme", "http"}, {":path", tc.path},
				{":authority", "x"}, {"accept-encoding", "gzip"}, {"user-agent", "test"}} {
				enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
			}
			reqs[i] = http2.AppendHeaders(nil, id, http2.FlagEndHeaders|http2.FlagEndStream, ebuf.Bytes())
			reqs[i] = http2.AppendWindowUpdate(reqs[i], 0, 1<<16)
			id += 2
		}
		i := 0
		run := func() {
			send(reqs[i])
			i++
			for {
				iov = c.Pending(iov[:0])
				if len(iov) == 0 {
					break
				}
				n := 0
				for _, b := range iov {
					out = append(out, b...)
					n += len(b)
				}
				c.Written(n)
				_ = c.Status()
			}
		}
		out = out[:0]
		for range 5 {
			run()
		}
		if n := testing.AllocsPerRun(runs-10, run); n != 0 {
			t.Errorf("%s: %v allocations per request", tc.name, n)
		}
		if cap(out) != 16<<20 {
			t.Fatal("output buffer grew: the count includes the test's own allocations")
		}
		checkH2Responses(t, tc.name, out, dec, i, tc.status, tc.body)
	}
}

// checkH2Responses parses out, the server's frames for n requests, and
// checks that each got a HEADERS with status and, when body is set, DATA
// containing it; nothing else but WINDOW_UPDATE, SETTINGS and PING.
func checkH2Responses(t *testing.T, name string, out []byte, dec *hpack.Decoder, n int, status, body string) {
	t.Helper()
	heads, datas := 0, 0
	for len(out) > 0 {
		var f http2.Frame
		k, err := http2.ParseFrame(out, http2.MaxMaxFrameSize, &f)
		if err != nil {
			t.Fatalf("%s: bad frame: %v", name, err)
		}
		out = out[k:]
		switch f.Type {
		case http2.FrameHeaders:
			hf, err := dec.DecodeFull(f.Data)
			if err != nil || len(hf) == 0 || hf[0].Name != ":status" || hf[0].Value != status {
				t.Fatalf("%s: response head %v (%v), want :status %s", name, hf, err, status)
			}
			heads++
		case http2.FrameData:
			if body != "" && !bytes.Contains(f.Data, []byte(body)) {
				t.Fatalf("%s: DATA %q lacks %q", name, f.Data, body)
			}
			datas++
		case http2.FrameWindowUpdate, http2.FrameSettings, http2.FramePing:
		default:
			t.Fatalf("%s: unexpected %v frame", name, f.Type)
		}
	}
	if heads != n || (body != "" && datas < n) {
		t.Errorf("%s: %d HEADERS and %d DATA frames for %d requests", name, heads, datas, n)
	}
}
