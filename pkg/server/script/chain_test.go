package script

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/scriptc"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/vm"
	"zeroserve.dev/zeroserve/pkg/vm/loader"
	"zeroserve.dev/zeroserve/sdk"
)

var objects sync.Map // testdata name -> []byte

// object compiles testdata/<name>.c with clang-19 (the flags of zspack
// build, without its load check, so that broken scripts compile too).
func object(tb testing.TB, name string) archive.Script {
	tb.Helper()
	if o, ok := objects.Load(name); ok {
		return archive.Script{Name: name, Object: o.([]byte)}
	}
	clang := testutil.Tool(tb, "clang-19", "Debian package clang-19")
	dir := tb.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sdk.HeaderName), sdk.Header(), 0o644); err != nil {
		tb.Fatal(err)
	}
	src, err := filepath.Abs(filepath.Join("testdata", name+".c"))
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, name+".o")
	var c scriptc.Compiler
	cmd := exec.Command(clang, c.Args(dir, src, out)...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("compile %s: %v\n%s", name, err, msg)
	}
	obj, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	objects.Store(name, obj)
	return archive.Script{Name: name, Object: obj}
}

type chain struct {
	r    *Runner
	logs *bytes.Buffer
	now  time.Time
}

func newChain(tb testing.TB, cfg Config, names ...string) *chain {
	tb.Helper()
	var objs []archive.Script
	for _, n := range names {
		objs = append(objs, object(tb, n))
	}
	ch := &chain{logs: &bytes.Buffer{}, now: time.Unix(1700000000, 0)}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(ch.logs, nil))
	}
	cfg.Now = func() time.Time { return ch.now }
	s, err := LoadScripts(objs, testSite(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ch.r = s.NewRunner()
	tb.Cleanup(func() { ch.r.Close() })
	return ch
}

// request fills a Context as an HTTP/1 connection would.
func (ch *chain) request(tb testing.TB, head string) *Context {
	tb.Helper()
	var req http1.Request
	if _, err := http1.Parse([]byte(head), &req, http1.Limits{}); err != nil {
		tb.Fatalf("parse %q: %v", head, err)
	}
	cx := ch.r.Get()
	cx.RequestID = 7
	cx.Request.FromHTTP1(&req, false, netip.MustParseAddrPort("192.0.2.1:5000"))
	return cx
}

func meta(cx *Context, k string) string {
	v, _ := cx.Meta.Get([]byte(k))
	return string(v)
}

func TestChainOrderMetadataAndEarlyEnd(t *testing.T) {
	ch := newChain(t, Config{}, "10-first", "20-second", "30-third")
	for _, tc := range []struct {
		path, kind, status, body, order, third, uri string
	}{
		{"/static.html", "static", "", "", "first,second", "ran", "/static.html"},
		{"/old", "static", "", "", "first,second", "ran", "/new?from=old"},
		{"/early", "respond", "202", "early\n", "first", "", "/early"},
		{"/json", "respond", "200", `{"path":"/json","ok":true,"order":"first,second"}`, "first,second", "", "/json"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			cx := ch.request(t, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
			defer ch.r.Put(cx)
			out := ch.r.Run(cx)
			if out.Kind.String() != tc.kind {
				t.Fatalf("outcome %+v, want %s", out, tc.kind)
			}
			if tc.status != "" && (strconv.Itoa(out.Status) != tc.status || string(cx.Response.Body) != tc.body) {
				t.Errorf("response %d %q, want %s %q", out.Status, cx.Response.Body, tc.status, tc.body)
			}
			if meta(cx, "order") != tc.order || meta(cx, "third") != tc.third {
				t.Errorf("order %q third %q", meta(cx, "order"), meta(cx, "third"))
			}
			if string(cx.Request.URI()) != tc.uri {
				t.Errorf("uri %q, want %q", cx.Request.URI(), tc.uri)
			}
			var fields []static.Field
			if out.Kind == Respond {
				fields = cx.ResponseFields(nil)
			} else {
				fields = cx.ApplyHeaders([]static.Field{{Name: "Content-Type", Value: "text/html"}})
			}
			if !hasField(fields, "x-chain", "yes") {
				t.Errorf("metadata header missing: %v", fields)
			}
			if tc.path == "/json" && !hasField(fields, "Content-Type", "application/json") {
				t.Errorf("json content type: %v", fields)
			}
		})
	}
}

func hasField(fields []static.Field, name, value string) bool {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) && f.Value == value {
			return true
		}
	}
	return false
}

func TestRunawayYieldsThen503(t *testing.T) {
	ch := newChain(t, Config{Slice: 10000, Budget: 200000}, "loop", "fault")
	cx := ch.request(t, "GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
	out := ch.r.Run(cx)
	yields := 0
	for out.Kind == Yielded {
		yields++
		// Another request on the same worker is served between slices.
		if yields == 3 {
			other := ch.r.Get()
			other.Request.SetURI([]byte("/ok"))
			if o := ch.r.Run(other); o.Kind != Yielded {
				t.Fatalf("second chain: %+v", o)
			}
			ch.r.Put(other) // cancelled: a client that went away
		}
		out = ch.r.Continue(cx)
	}
	if out.Kind != Failed || out.Status != 503 || !errors.Is(out.Err, vm.ErrBudget) {
		t.Fatalf("outcome %+v, want 503 budget", out)
	}
	if yields < 10 || yields > 25 {
		t.Errorf("%d yields for a 200000 budget in 10000 slices", yields)
	}
	if cx.Response.Status != 503 || !strings.Contains(ch.logs.String(), "script=loop") {
		t.Errorf("response %d, log %s", cx.Response.Status, ch.logs)
	}
	ch.r.Put(cx)
	if ch.r.active != 0 {
		t.Errorf("%d chains still active", ch.r.active)
	}
}

func TestWallLimit(t *testing.T) {
	ch := newChain(t, Config{Slice: 1000, WallLimit: time.Second}, "loop")
	cx := ch.request(t, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	defer ch.r.Put(cx)
	if out := ch.r.Run(cx); out.Kind != Yielded {
		t.Fatalf("%+v", out)
	}
	ch.now = ch.now.Add(2 * time.Second)
	if out := ch.r.Continue(cx); out.Kind != Failed || out.Status != 503 || !errors.Is(out.Err, ErrWallLimit) {
		t.Fatalf("%+v, want 503 wall limit", out)
	}
}

func TestFaultGives500AndRunnerKeepsWorking(t *testing.T) {
	ch := newChain(t, Config{}, "fault")
	for _, tc := range []struct {
		path string
		trap error
		log  string
	}{
		{"/fault", vm.ErrBadArg, "fault.c:"},
		{"/store", vm.ErrStore, "fault.c:"},
	} {
		cx := ch.request(t, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		out := ch.r.Run(cx)
		if out.Kind != Failed || out.Status != 500 || !errors.Is(out.Err, tc.trap) {
			t.Fatalf("%s: %+v", tc.path, out)
		}
		if !hasField(cx.ResponseFields(nil), "Content-Type", TextContentType) {
			t.Error("500 fields")
		}
		ch.r.Put(cx)
		for _, want := range []string{"script=fault", "section=zeroserve.request", "pc=", "line=", tc.log, "reason="} {
			if !strings.Contains(ch.logs.String(), want) {
				t.Errorf("%s: log lacks %q: %s", tc.path, want, ch.logs)
			}
		}
		t.Log(strings.TrimSpace(ch.logs.String()))
		ch.logs.Reset()
		cx = ch.request(t, "GET /fine HTTP/1.1\r\nHost: x\r\n\r\n")
		if out := ch.r.Run(cx); out.Kind != Respond || string(cx.Response.Body) != "fine\n" {
			t.Errorf("after the fault: %+v %q", out, cx.Response.Body)
		}
		ch.r.Put(cx)
	}
}

func TestUnknownHelperRejectedAtLoad(t *testing.T) {
	objs := []archive.Script{object(t, "10-first"), object(t, "unknown")}
	_, err := LoadScripts(objs, testSite(), Config{})
	var le *LoadError
	if !errors.As(err, &le) || le.Script != "unknown" || !errors.Is(err, loader.ErrUnknownHelper) ||
		!strings.Contains(err.Error(), "zs_no_such_helper") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunnerReusesContextsAndInstances(t *testing.T) {
	ch := newChain(t, Config{}, "bench")
	cx := ch.request(t, "GET /p HTTP/1.1\r\nHost: x\r\n\r\n")
	ch.r.Run(cx)
	ch.r.Put(cx)
	cx2 := ch.r.Get()
	if cx2 != cx || cx2.Meta.Len() != 0 || cx2.Request.Headers.Len() != 0 || len(cx2.Response.Body) != 0 {
		t.Error("context not reused and reset")
	}
	if len(ch.r.idle[0]) != 1 {
		t.Errorf("%d idle instances", len(ch.r.idle[0]))
	}
	ch.r.Put(cx2)
}

// benchRequest runs the bench script through the whole Runner the way a
// connection does: fill the request from a parsed head, run, read fields.
func benchRequest(ch *chain, req *http1.Request, fields []static.Field) (*Context, []static.Field) {
	cx := ch.r.Get()
	cx.Request.FromHTTP1(req, false, netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 5000))
	out := ch.r.Run(cx)
	for out.Kind == Yielded {
		out = ch.r.Continue(cx)
	}
	fields = cx.ResponseFields(fields[:0])
	return cx, fields
}

func parsed(tb testing.TB, head string) *http1.Request {
	var req http1.Request
	if _, err := http1.Parse([]byte(head), &req, http1.Limits{}); err != nil {
		tb.Fatal(err)
	}
	return &req
}

const benchHead = "GET /api/items/42?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: wrk\r\nAccept: */*\r\n\r\n"

func TestBenchScriptAllocations(t *testing.T) {
	ch := newChain(t, Config{}, "bench")
	req := parsed(t, benchHead)
	fields := make([]static.Field, 0, 8)
	cx, _ := benchRequest(ch, req, fields)
	if got := string(cx.Response.Body); got != `{"path":"/api/items/42","ok":true}` {
		t.Fatalf("body %s", got)
	}
	ch.r.Put(cx)
	allocs := testing.AllocsPerRun(100, func() {
		cx, _ := benchRequest(ch, req, fields)
		ch.r.Put(cx)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per request", allocs)
	}
}

func BenchmarkRunnerJSONPath(b *testing.B) {
	ch := newChain(b, Config{}, "bench")
	req := parsed(b, benchHead)
	fields := make([]static.Field, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		cx, _ := benchRequest(ch, req, fields)
		ch.r.Put(cx)
	}
}

// BenchmarkRunawayDefaultBudget measures the CPU a runaway script can take
// with the default limits before its 503 (the default must stay well under
// a second).
func BenchmarkRunawayDefaultBudget(b *testing.B) {
	ch := newChain(b, Config{WallLimit: -1}, "loop")
	b.ReportAllocs()
	for b.Loop() {
		cx := ch.r.Get()
		out := ch.r.Run(cx)
		for out.Kind == Yielded {
			out = ch.r.Continue(cx)
		}
		if out.Status != 503 {
			b.Fatalf("%+v", out)
		}
		ch.r.Put(cx)
	}
}
