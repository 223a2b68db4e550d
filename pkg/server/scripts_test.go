package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/scriptc"
	"zeroserve.dev/zeroserve/pkg/server/script"
	"zeroserve.dev/zeroserve/pkg/server/transport"
	"zeroserve.dev/zeroserve/sdk"
)

var scriptObjects sync.Map // testdata/scripts name -> object

// scriptObject compiles testdata/scripts/<name>.c with clang-19 and the
// flags of zspack build (without its load check, so that broken scripts
// compile too).
func scriptObject(tb testing.TB, name string) archive.Script {
	tb.Helper()
	if o, ok := scriptObjects.Load(name); ok {
		return archive.Script{Name: name, Object: o.([]byte)}
	}
	clang := testutil.Tool(tb, "clang-19", "Debian package clang-19")
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sdk.HeaderName), sdk.Header(), 0o644); err != nil {
		tb.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", "scripts", name+".c"))
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name+".o")
	var c scriptc.Compiler
	if msg, err := exec.Command(clang, c.Args(dir, src, out)...).CombinedOutput(); err != nil {
		tb.Fatalf("compile %s: %v\n%s", name, err, msg)
	}
	obj, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	scriptObjects.Store(name, obj)
	return archive.Script{Name: name, Object: obj}
}

var scriptFiles = append(testFiles[:len(testFiles):len(testFiles)],
	archive.File{Path: "page.html", ModTime: 1700000000,
		Data: []byte("<!doctype html><p>hello <zs-meta>who</zs-meta>, [<zs-meta>nope</zs-meta>]</p>\n")},
	archive.File{Path: "404.html", ModTime: 1700000000,
		Data: []byte("<!doctype html><p>not here, <zs-meta>who</zs-meta></p>\n")},
)

// countWaker counts wakes; the tests call Resume by hand.
type countWaker struct{ n int }

func (w *countWaker) Wake() { w.n++ }

type scriptHarness struct {
	*connHarness
	logs  *bytes.Buffer
	waker *countWaker
}

// newScriptHarness is newHarness with the test script loaded.
func newScriptHarness(t testing.TB, cfg script.Config, files []archive.File) *scriptHarness {
	t.Helper()
	obj := scriptObject(t, "10-test")
	b, _, err := archive.PackBytes(files, []archive.Script{obj}, archive.Options{MinCompressSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := archive.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	h := &scriptHarness{connHarness: newHarness(t, testFiles[:1]), logs: &bytes.Buffer{}, waker: &countWaker{}}
	cfg.Log = slog.New(slog.NewTextHandler(h.logs, nil))
	set, err := script.Load(r, cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := newGeneration(2, "test", newSite(r, h.opts.site), nil)
	g.setScripts(set, 1, false)
	h.cur.Store(g)
	return h
}

func (h *scriptHarness) conn() *conn {
	return newConn(&h.opts, transport.Info{Remote: netip.MustParseAddrPort("127.0.0.1:40000"), Waker: h.waker})
}

// finish resumes c until its chain is done, as the loop would after each
// Wake, and returns how many slices it took.
func finish(t testing.TB, c *conn, w *countWaker) int {
	t.Helper()
	n := 0
	for c.state == stScript {
		if w.n == 0 {
			t.Fatal("yielded without a Wake")
		}
		w.n = 0
		c.Resume()
		n++
	}
	return n
}

func TestConnScripts(t *testing.T) {
	h := newScriptHarness(t, script.Config{}, scriptFiles)
	tests := []struct {
		name    string
		in      string
		want    []string // substrings of the output, in order
		notWant []string
		close   bool
	}{
		{"script response", "GET /respond HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 201 Created\r\n", "Content-Type: text/plain; charset=utf-8\r\n", "Content-Length: 12\r\n", "x-chain: 10\r\n", "\r\nfrom script\n"}, nil, false},
		{"head of a script response", "HEAD /respond HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"HTTP/1.1 201 ", "Content-Length: 12\r\n"}, []string{"from script"}, false},
		{"json", "GET /json HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Type: application/json\r\n", `{"path":"/json","ok":true}`}, nil, false},
		{"204 without length", "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"204 No Content"}, []string{"Content-Length", "ignored"}, false},
		{"static with a metadata header", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 174\r\n", "ETag: ", "x-chain: 10\r\n", "hello world"}, nil, false},
		{"rewritten", "GET /old HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 174\r\n", "hello world"}, nil, false},
		{"GET rewritten to HEAD keeps its body", "GET /tohead HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 174\r\n", "hello world"}, nil, false},
		{"template", "GET /page.html HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nRange: bytes=0-3\r\n\r\n",
			[]string{"200 OK", "Content-Length: 46\r\n", "x-chain: 10\r\n", "<p>hello &lt;world&gt;, []</p>"},
			[]string{"ETag", "Accept-Ranges", "Content-Range", "zs-meta"}, false},
		{"template HEAD", "HEAD /page.html HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 46\r\n"}, []string{"hello"}, false},
		{"404 page template with header", "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"404 Not Found", "x-chain: 10\r\n", "not here, &lt;world&gt;"}, nil, false},
		{"fault", "GET /fault HTTP/1.1\r\nHost: x\r\n\r\nGET /respond HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"500 Internal Server Error", "script failed", "HTTP/1.1 201 "}, nil, false},
		{"abort", "GET /respond HTTP/1.1\r\nHost: x\r\n\r\nGET /abort HTTP/1.1\r\nHost: x\r\n\r\nGET /respond HTTP/1.1\r\n\r\n",
			[]string{"HTTP/1.1 201 ", "from script\n"}, []string{"from script\nHTTP"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := h.conn()
			defer c.Close(nil)
			c.Recv([]byte(tt.in))
			finish(t, c, h.waker)
			out := flush(c, 0)
			checkInOrder(t, out, tt.want, tt.notWant)
			if got := c.Status().Close; got != tt.close {
				t.Fatalf("close %v, want %v; output:\n%s", got, tt.close, out)
			}
		})
	}
	if !strings.Contains(h.logs.String(), "script fault") || !strings.Contains(h.logs.String(), "script=10-test") {
		t.Errorf("no fault log line naming the script:\n%s", h.logs)
	}
}

// TestConnScriptHTML: Config.ScriptHTML rewrites script responses whose
// Content-Type is text/html (any case), with Content-Length following,
// HEAD included; other script responses and static files are untouched.
func TestConnScriptHTML(t *testing.T) {
	h := newScriptHarness(t, script.Config{}, scriptFiles)
	h.opts.site.scriptHTML = func(b []byte) []byte {
		return bytes.Replace(b, []byte("</body>"), []byte("<script></script></body>"), 1)
	}
	g := h.cur.Load()
	h.cur.Store(newGeneration(3, "test", newSite(g.Site.r, h.opts.site), nil))
	h.cur.Load().setScripts(g.Scripts, 1, false)
	for _, tt := range []struct {
		name, in string
		want     []string
		notWant  []string
	}{
		{"html", "GET /html HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 35\r\n", "\r\n<p>page</p><script></script></body>"}, nil},
		{"html HEAD", "HEAD /html HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"200 OK", "Content-Length: 35\r\n"}, []string{"<p>page"}},
		{"text", "GET /respond HTTP/1.1\r\nHost: x\r\n\r\n",
			[]string{"Content-Length: 12\r\n", "\r\nfrom script\n"}, []string{"<script>"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := h.conn()
			defer c.Close(nil)
			c.Recv([]byte(tt.in))
			finish(t, c, h.waker)
			checkInOrder(t, flush(c, 0), tt.want, tt.notWant)
		})
	}
}

// TestConnScriptYield: a runaway script yields every slice, other
// connections of the worker answer in between, requests pipelined behind
// it wait in order, and the hard limit ends it with 503.
func TestConnScriptYield(t *testing.T) {
	h := newScriptHarness(t, script.Config{Slice: 1000, Budget: 50_000, WallLimit: -1}, scriptFiles)
	slow := h.conn()
	defer slow.Close(nil)
	in := []byte("GET /loop HTTP/1.1\r\nHost: x\r\n\r\nGET /respond HTTP/1.1\r\nHost: x\r\n\r\n")
	n := slow.Recv(in)
	if n != len("GET /loop HTTP/1.1\r\nHost: x\r\n\r\n") {
		t.Fatalf("consumed %d bytes: the request behind a yielded one was read", n)
	}
	if st := slow.Status(); !st.PauseRead || st.Close || st.Timeout != 0 {
		t.Fatalf("status while yielded %+v", st)
	}
	if len(slow.Pending(nil)) != 0 || h.waker.n != 1 {
		t.Fatalf("yielded with output pending or %d wakes", h.waker.n)
	}
	if slow.Recv(in[n:]) != 0 {
		t.Fatal("input consumed while yielded")
	}

	// Between two slices of the runaway, another connection is served.
	other := h.conn()
	defer other.Close(nil)
	other.Recv([]byte("GET /json HTTP/1.1\r\nHost: x\r\n\r\n"))
	if out := flush(other, 0); !strings.Contains(out, `{"path":"/json","ok":true}`) {
		t.Fatalf("other connection got %q while a script was yielded", out)
	}

	slices := finish(t, slow, h.waker)
	if slices < 10 {
		t.Fatalf("runaway ended after %d resumes; want many slices", slices)
	}
	if slow.Recv(in[n:]) != len(in)-n {
		t.Fatal("pipelined request not read after the chain ended")
	}
	rs := responses(flush(slow, 0))
	if len(rs) != 2 || !strings.Contains(rs[0], "503 Service Unavailable") || !strings.Contains(rs[1], "HTTP/1.1 201 ") {
		t.Fatalf("responses %q", rs)
	}
	if !strings.Contains(h.logs.String(), "script over limit") {
		t.Errorf("no over-limit log line:\n%s", h.logs)
	}
}

// TestConnScriptClosedWhileYielded: a client gone mid-chain releases the
// chain and the generation pin.
func TestConnScriptClosedWhileYielded(t *testing.T) {
	h := newScriptHarness(t, script.Config{Slice: 1000, WallLimit: -1}, scriptFiles)
	c := h.conn()
	c.Recv([]byte("GET /loop HTTP/1.1\r\nHost: x\r\n\r\n"))
	if c.state != stScript {
		t.Fatal("runaway did not yield")
	}
	c.Close(nil)
	if refs := h.cur.Load().Refs(); refs != 1 {
		t.Fatalf("generation refs %d after Close", refs)
	}
	// The runner is usable again: the next request answers.
	c2 := h.conn()
	defer c2.Close(nil)
	c2.Recv([]byte("GET /respond HTTP/1.1\r\nHost: x\r\n\r\n"))
	if out := flush(c2, 0); !strings.Contains(out, "201") {
		t.Fatalf("after a cancelled chain: %q", out)
	}
}

// TestConnScriptNoAlloc: a script-answered request and a static request
// whose chain falls through allocate nothing once warm.
func TestConnScriptNoAlloc(t *testing.T) {
	h := newScriptHarness(t, script.Config{}, scriptFiles)
	h.opts.access = NewAccessLog(io.Discard, LogText, 1<<16)
	defer h.opts.access.Close()
	c := h.conn()
	for _, tc := range []struct{ name, in string }{
		{"script answer", "GET /json HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n"},
		{"static after the chain", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"},
		{"template", "GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n"},
	} {
		if n := requestAllocs(t, c, []byte(tc.in)); n != 0 {
			t.Errorf("%s: %v allocations per request", tc.name, n)
		}
	}
}

func BenchmarkConnScriptJSON(b *testing.B) {
	h := newScriptHarness(b, script.Config{}, scriptFiles)
	c := h.conn()
	in := []byte("GET /json HTTP/1.1\r\nHost: x\r\nUser-Agent: wrk\r\n\r\n")
	iov := make([][]byte, 0, maxIOV)
	b.ReportAllocs()
	for b.Loop() {
		c.Recv(in)
		iov = c.Pending(iov[:0])
		n := 0
		for _, x := range iov {
			n += len(x)
		}
		c.Written(n)
	}
}

// writeArchive packs files and scripts into a file.
func writeArchive(t *testing.T, path string, files []archive.File, scripts []archive.Script) {
	t.Helper()
	b, _, err := archive.PackBytes(files, scripts, archive.Options{MinCompressSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestServerScriptLoad: a script that fails to load fails the generation:
// New refuses to start naming the script, Reload keeps the old generation.
// The runners of a released generation are closed.
func TestServerScriptLoad(t *testing.T) {
	good := scriptObject(t, "10-test")
	bad := archive.Script{Name: "20-unknown", Object: scriptObject(t, "20-unknown").Object}
	dir := t.TempDir()
	path := filepath.Join(dir, "site.zs.tar")
	var logs bytes.Buffer
	cfg := Config{Archive: path, Transport: "netpoll", Workers: 2, Log: slog.New(slog.NewTextHandler(&logs, nil))}

	writeArchive(t, path, testFiles, []archive.Script{good, bad})
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "20-unknown") ||
		!strings.Contains(err.Error(), "zs_no_such_helper") {
		t.Fatalf("New with an unknown helper: %v", err)
	}

	writeArchive(t, path, testFiles, []archive.Script{good})
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g1 := s.Current()
	if g1.Scripts == nil || g1.Scripts.Len() != 1 || len(g1.runners) != 2 || !g1.runners[0].shared {
		t.Fatalf("generation scripts %v runners %d", g1.Scripts, len(g1.runners))
	}
	writeArchive(t, path, testFiles, []archive.Script{good, bad})
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "20-unknown") {
		t.Fatalf("Reload with an unknown helper: %v", err)
	}
	if s.Current() != g1 || !strings.Contains(logs.String(), "reload failed") {
		t.Fatalf("failed reload replaced the generation; log:\n%s", logs.String())
	}

	// A pinned request creates the worker's runner; the swap and the
	// release close it.
	pin := s.cur.Acquire()
	slot := pin.runnerSlot(1)
	slot.lock()
	r := slot.runner(pin)
	slot.unlock()
	writeArchive(t, path, testFiles, nil)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if s.Current().Scripts != nil {
		t.Fatal("archive without scripts has a chain")
	}
	if g1.runners[1].r != r {
		t.Fatal("runner dropped while its generation is pinned")
	}
	pin.Release() // the last reference: synchronous
	select {
	case <-g1.Released():
	default:
		t.Fatal("old generation not released by its last pin")
	}
	if g1.runners[1].r != nil {
		t.Fatal("runner not closed with its generation")
	}
	s.Current().Release()
}

// FuzzConnScripts is FuzzConn with the test script in the chain and a
// small slice, so that chains yield: no panic, never more consumed than
// given, well-framed output, every pin released and every Context back
// after Close.
func FuzzConnScripts(f *testing.F) {
	f.Add([]byte("GET /loop HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n"), uint8(7), uint8(2))
	f.Add([]byte("GET /page.html HTTP/1.1\r\nHost: x\r\n\r\nHEAD /missing HTTP/1.1\r\nHost: x\r\n\r\nGET /abort HTTP/1.1\r\n\r\n"), uint8(3), uint8(0))
	f.Add([]byte("POST /respond HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /fault HTTP/1.1\r\nHost: x\r\n\r\n"), uint8(1), uint8(1))
	h := newScriptHarness(f, script.Config{Slice: 500, Budget: 20_000, WallLimit: -1}, scriptFiles)
	f.Fuzz(func(t *testing.T, in []byte, split, resumes uint8) {
		c := h.conn()
		step := int(split) + 1
		var buf []byte
		var out strings.Builder
		for i := 0; i < len(in); i += step {
			buf = append(buf, in[i:min(i+step, len(in))]...)
			n := c.Recv(buf)
			if n < 0 || n > len(buf) {
				t.Fatalf("Recv consumed %d of %d", n, len(buf))
			}
			buf = buf[n:]
			for range int(resumes) % 4 { // sometimes leave the chain yielded
				c.Resume()
			}
			if i%3 == 0 {
				out.WriteString(flush(c, step))
			}
			if c.Status().Close {
				break
			}
		}
		out.WriteString(flush(c, 0))
		checkStream(t, out.String())
		c.Close(nil)
		if refs := h.cur.Load().Refs(); refs != 1 {
			t.Fatalf("generation refs %d after Close", refs)
		}
	})
}
