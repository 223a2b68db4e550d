package script

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/vm"
)

// roSize is the read-only image of the test arena: [0x1000, 0x2000).
const roSize = vm.PageSize

// harness calls helpers directly on a real arena, with a Context from a
// Runner of an empty Set.
type harness struct {
	t    *testing.T
	a    *vm.Arena
	call vm.Call
	r    *Runner
	cx   *Context
	next uint64
	logs *bytes.Buffer
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	p := &vm.Program{Image: make([]byte, roSize), WritableBase: vm.ImageBase + roSize}
	copy(p.Image, "read-only")
	a, err := vm.NewArena(p, 1<<18)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	logs := &bytes.Buffer{}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	}
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return time.UnixMilli(1700000000123) }
	}
	cfg = cfg.withDefaults()
	s := &Set{cfg: cfg, site: testSite(), env: allowedEnv(cfg.EnvAllow, cfg.Environ())}
	r := s.NewRunner()
	h := &harness{t: t, a: a, r: r, cx: r.Get(), next: a.WritableBase(), logs: logs}
	h.call = vm.Call{Arena: a, Ctx: h.cx}
	return h
}

// put copies b into fresh writable guest memory and returns its address.
func (h *harness) put(b string) uint64 {
	addr := h.alloc(uint64(len(b)))
	w, _ := h.a.WritableMem(addr, uint64(len(b)))
	copy(w, b)
	return addr
}

// alloc returns the address of n fresh writable bytes, filled with 0xAA.
func (h *harness) alloc(n uint64) uint64 {
	addr := h.next
	h.next += (n + 15) &^ 7
	w, err := h.a.WritableMem(addr, n+8)
	if err != nil {
		h.t.Fatalf("harness out of memory: %v", err)
	}
	for i := range w {
		w[i] = 0xAA
	}
	return addr
}

func (h *harness) mem(addr, n uint64) []byte {
	b, err := h.a.Mem(addr, n)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// do calls helper name with up to five arguments.
func (h *harness) do(name string, args ...uint64) (uint64, error) {
	h.t.Helper()
	f, ok := helperTable[name]
	if !ok {
		h.t.Fatalf("no helper %s", name)
	}
	var r [5]uint64
	copy(r[:], args)
	return f(&h.call, r[0], r[1], r[2], r[3], r[4])
}

// ok calls the helper and fails on a trap.
func (h *harness) ok(name string, args ...uint64) int64 {
	h.t.Helper()
	v, err := h.do(name, args...)
	if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	return int64(v)
}

// s passes a Go string as (pointer, length).
func (h *harness) s(v string) (uint64, uint64) { return h.put(v), uint64(len(v)) }

// strOut calls a string-out helper with a buffer of n bytes after args and
// returns the result and the NUL-terminated string it wrote.
func (h *harness) strOut(name string, n uint64, args ...uint64) (int64, string) {
	h.t.Helper()
	out := h.alloc(n)
	r := h.ok(name, append(args, out, n)...)
	if n == 0 {
		return r, ""
	}
	b := h.mem(out, n)
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		h.t.Fatalf("%s wrote no NUL in %d bytes", name, n)
	}
	return r, string(b[:i])
}

func testSite() Site {
	return fakeSite{
		"data/items.json": {`[{"id":1},{"id":2}]`, 1600000000},
		"bad.json":        {`{"a":`, 1},
		"index.html":      {"<p>hi</p>", 1234},
	}
}

type fakeFile struct {
	body  string
	mtime int64
}

type fakeSite map[string]fakeFile

func (s fakeSite) Lookup(p string) (archive.Entry, bool) {
	f, ok := s[strings.TrimPrefix(p, "/")]
	if !ok {
		return archive.Entry{}, false
	}
	return archive.Entry{Path: p, ETag: `"etag-` + p + `"`, Size: int64(len(f.body)), ModTime: f.mtime}, true
}

func (s fakeSite) Content(e archive.Entry) []byte { return []byte(s[e.Path].body) }

func TestHelperTableMatchesABI(t *testing.T) {
	for _, n := range abi.Names() {
		if helperTable[n] == nil {
			t.Errorf("abi helper %s has no implementation", n)
		}
	}
	for n := range helperTable {
		if !abi.Known(n) {
			t.Errorf("implementation of %s, which abi does not list", n)
		}
	}
}

func setRequest(cx *Context) {
	r := &cx.Request
	r.SetMethod([]byte("GET"))
	r.SetURI([]byte("/a%20b//x/../c?q=1&name=J%C3%B6rg+M&name=second&flag&e=&plus=a%2Bb"))
	r.SetConn(true, netip.MustParseAddrPort("[::ffff:10.1.2.3]:4567"))
	r.SetProto(1, 1)
	r.Headers.Add([]byte("Host"), []byte("example.com"))
	r.Headers.Add([]byte("Accept"), []byte("text/html"))
	r.Headers.Add([]byte("accept"), []byte("*/*"))
	r.Headers.Add([]byte("Cookie"), []byte("a=1"))
	r.Headers.Add([]byte("Cookie"), []byte("b=2"))
	r.Headers.Add([]byte("X-Debug-Token"), []byte("t"))
	r.Headers.Add([]byte("X-Debug-Level"), []byte("3"))
	r.Headers.Add([]byte("X-Session-Id"), []byte("s"))
	r.Headers.Add([]byte("Auth-Token"), []byte("z"))
}

func TestRequestStrings(t *testing.T) {
	h := newHarness(t, Config{})
	setRequest(h.cx)
	tests := []struct {
		helper string
		args   []string
		want   string
	}{
		{"zs_req_method", nil, "GET"},
		{"zs_req_path", nil, "/a%20b//x/../c"},
		{"zs_req_normalized_path", nil, "/a b/c"},
		{"zs_req_uri", nil, "/a%20b//x/../c?q=1&name=J%C3%B6rg+M&name=second&flag&e=&plus=a%2Bb"},
		{"zs_req_query", nil, "q=1&name=J%C3%B6rg+M&name=second&flag&e=&plus=a%2Bb"},
		{"zs_req_scheme", nil, "https"},
		{"zs_req_peer", nil, "10.1.2.3:4567"},
		{"zs_req_header", []string{"host"}, "example.com"},
		{"zs_req_header", []string{"ACCEPT"}, "text/html, */*"},
		{"zs_req_header", []string{"cookie"}, "a=1; b=2"},
		{"zs_req_header", []string{"missing"}, ""},
		{"zs_req_query_param", []string{"name"}, "Jörg M"},
		{"zs_req_query_param", []string{"plus"}, "a+b"},
		{"zs_req_query_param", []string{"flag"}, ""},
		{"zs_req_query_param", []string{"nope"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.helper+"/"+strings.Join(tc.args, ","), func(t *testing.T) {
			var args []uint64
			for _, a := range tc.args {
				p, n := h.s(a)
				args = append(args, p, n)
			}
			n, got := h.strOut(tc.helper, 256, args...)
			if got != tc.want || n != int64(len(tc.want)) {
				t.Errorf("got %q (%d), want %q (%d)", got, n, tc.want, len(tc.want))
			}
			// out_len 0 returns the length and writes nothing.
			if n0, _ := h.strOut(tc.helper, 0, args...); n0 != n {
				t.Errorf("out_len 0: %d, want %d", n0, n)
			}
		})
	}
	if v := h.ok("zs_req_proto_major"); v != 1 {
		t.Errorf("major %d", v)
	}
	if v := h.ok("zs_req_proto_minor"); v != 1 {
		t.Errorf("minor %d", v)
	}
	if v := h.ok("zs_req_is_tls"); v != 1 {
		t.Errorf("is_tls %d", v)
	}
}

func TestStringOutTruncation(t *testing.T) {
	h := newHarness(t, Config{})
	h.cx.Request.SetURI([]byte("/hello"))
	for _, tc := range []struct {
		outLen uint64
		want   string
	}{{1, ""}, {2, "/"}, {6, "/hell"}, {7, "/hello"}, {100, "/hello"}} {
		out := h.alloc(tc.outLen + 1)
		n := h.ok("zs_req_path", out, tc.outLen)
		b := h.mem(out, tc.outLen+1)
		if n != 6 || string(b[:len(tc.want)]) != tc.want || b[len(tc.want)] != 0 {
			t.Errorf("out_len %d: n=%d, bytes %q", tc.outLen, n, b)
		}
		if tc.outLen < 7 && b[tc.outLen] != 0xAA {
			t.Errorf("out_len %d: wrote past the buffer: %q", tc.outLen, b)
		}
	}
	// out_len 0 with a NULL pointer is allowed.
	if n := h.ok("zs_req_path", 0, 0); n != 6 {
		t.Errorf("NULL, 0: %d", n)
	}
}

func TestBadPointersTrap(t *testing.T) {
	h := newHarness(t, Config{})
	ro := uint64(vm.ImageBase) // read-only data
	size := h.a.Size()
	tests := []struct {
		name   string
		helper string
		args   []uint64
	}{
		{"out in read-only data", "zs_req_method", []uint64{ro, 16}},
		{"out past the arena", "zs_req_method", []uint64{size - 4, 16}},
		{"out length wraps", "zs_req_method", []uint64{h.alloc(8), ^uint64(0)}},
		{"NULL out", "zs_req_method", []uint64{0, 8}},
		{"NULL input", "zs_log", []uint64{0, 5}},
		{"input past the arena", "zs_meta_set", []uint64{size - 2, 4, ro, 1}},
		{"memcpy into read-only", "zs_memcpy", []uint64{ro, h.alloc(8), 8}},
		{"memset huge", "zs_memset", []uint64{h.alloc(8), 0, size}},
		{"hmac out read-only", "zs_hmac_sha256", []uint64{ro, 4, ro, 4, ro}},
		{"sha256 out too close to the end", "zs_sha256", []uint64{ro, 4, size - 16, 32}},
		{"base64 decode read-only", "zs_base64_decode_in_place", []uint64{ro, 4, 0}},
		{"json parse bad", "zs_json_parse", []uint64{size, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.do(tc.helper, tc.args...)
			if !errors.Is(err, vm.ErrBadArg) {
				t.Errorf("err = %v, want a bad-arg trap", err)
			}
		})
	}
	// Reading read-only data is fine.
	if _, err := h.do("zs_log", ro, 9); err != nil {
		t.Errorf("log from .rodata: %v", err)
	}
}

func TestLogNowEnv(t *testing.T) {
	env := []string{"ZEROSERVE_ENV_KEY=secret", "HOME=/root", "APP_TOKEN=tok", "APP_OTHER=x", "ZEROSERVE_ENV_EMPTY="}
	h := newHarness(t, Config{Environ: func() []string { return env }})
	if v := h.ok("zs_now_ms"); v != 1700000000123 {
		t.Errorf("now_ms %d", v)
	}
	p, n := h.s("line\n\x01é")
	h.ok("zs_log", p, n)
	if !strings.Contains(h.logs.String(), `text=line\n\x01é`) {
		t.Errorf("log: %s", h.logs)
	}
	get := func(h *harness, name string) (int64, string) {
		p, n := h.s(name)
		return h.strOut("zs_env_get", 64, p, n)
	}
	for name, want := range map[string]string{"ZEROSERVE_ENV_KEY": "secret", "HOME": "", "APP_TOKEN": "", "NOPE": ""} {
		if _, v := get(h, name); v != want {
			t.Errorf("default allow-list %s = %q, want %q", name, v, want)
		}
	}
	h2 := newHarness(t, Config{Environ: func() []string { return env }, EnvAllow: []string{"APP_TOKEN", "HOME*"}})
	for name, want := range map[string]string{"ZEROSERVE_ENV_KEY": "", "HOME": "/root", "APP_TOKEN": "tok", "APP_OTHER": ""} {
		if _, v := get(h2, name); v != want {
			t.Errorf("operator allow-list %s = %q, want %q", name, v, want)
		}
	}
}

func TestMemoryHelpers(t *testing.T) {
	h := newHarness(t, Config{})
	a := h.put("abcdef")
	if r := h.ok("zs_memcpy", a+2, a, 3); uint64(r) != a+2 || string(h.mem(a, 6)) != "ababcf" {
		t.Errorf("overlapping memcpy: %q", h.mem(a, 6))
	}
	if r := h.ok("zs_memset", a, 'z', 2); uint64(r) != a || string(h.mem(a, 6)) != "zzabcf" {
		t.Errorf("memset: %q", h.mem(a, 6))
	}
	x, y := h.put("abc"), h.put("abd")
	for _, tc := range []struct {
		a, b, n uint64
		sign    int
	}{{x, y, 3, -1}, {y, x, 3, 1}, {x, y, 2, 0}, {x, y, 0, 0}} {
		r := h.ok("zs_memcmp", tc.a, tc.b, tc.n)
		if (r < 0 && tc.sign >= 0) || (r > 0 && tc.sign <= 0) || (r == 0 && tc.sign != 0) {
			t.Errorf("memcmp %d,%d,%d = %d", tc.a, tc.b, tc.n, r)
		}
	}
}

func TestQueryParamMatchesAndRemoteIP(t *testing.T) {
	h := newHarness(t, Config{})
	setRequest(h.cx)
	for _, tc := range []struct {
		name, value string
		want        int64
	}{
		{"name", "second", 1}, {"name", "Jörg M", 1}, {"name", "x", 0}, {"name", "*", 1},
		{"flag", "*", 1}, {"flag", "", 1}, {"nope", "*", 0}, {"e", "", 1},
	} {
		np, nn := h.s(tc.name)
		vp, vn := h.s(tc.value)
		if got := h.ok("zs_req_query_param_matches", np, nn, vp, vn); got != tc.want {
			t.Errorf("matches(%q, %q) = %d, want %d", tc.name, tc.value, got, tc.want)
		}
	}
	for _, tc := range []struct {
		ranges string
		want   int64
	}{
		{`["10.0.0.0/8"]`, 1}, {`["10.1.2.3"]`, 1}, {`["::ffff:10.1.2.3"]`, 1}, {`["::ffff:10.0.0.0/104"]`, 1},
		{` [ "192.168.0.0/16" , "::1" ] `, 0}, {`[]`, 0},
		{`["10.0.0.0/33"]`, -1}, {`["nope"]`, -1}, {`[1]`, -1}, {`{"a":"10.0.0.0/8"}`, -1}, {`[`, -1},
	} {
		p, n := h.s(tc.ranges)
		if got := h.ok("zs_req_remote_ip_matches", p, n); got != tc.want {
			t.Errorf("remote_ip_matches(%s) = %d, want %d", tc.ranges, got, tc.want)
		}
	}
	if len(h.cx.json.nodes) != 0 {
		t.Errorf("remote_ip_matches left %d JSON nodes", len(h.cx.json.nodes))
	}
}

func TestRequestMutation(t *testing.T) {
	h := newHarness(t, Config{})
	setRequest(h.cx)
	call2 := func(helper, a, b string) int64 {
		ap, an := h.s(a)
		bp, bn := h.s(b)
		return h.ok(helper, ap, an, bp, bn)
	}
	call1 := func(helper, a string) int64 {
		ap, an := h.s(a)
		return h.ok(helper, ap, an)
	}
	names := func() string {
		var s []string
		for i := range h.cx.Request.Headers.Len() {
			n, v := h.cx.Request.Headers.At(i)
			s = append(s, string(n)+"="+string(v))
		}
		return strings.Join(s, " ")
	}
	if call1("zs_req_set_method", "PO ST") != -1 || call1("zs_req_set_method", "") != -1 || call1("zs_req_set_method", "POST") != 0 {
		t.Error("set_method results")
	}
	if string(h.cx.Request.Method()) != "POST" {
		t.Errorf("method %q", h.cx.Request.Method())
	}
	for _, bad := range []string{"", "rel", "/a b", "/a#f", "/\x7f"} {
		if call1("zs_req_set_uri", bad) != -1 {
			t.Errorf("set_uri(%q) accepted", bad)
		}
	}
	if call1("zs_req_set_uri", "/new/%7Epath?x=1") != 0 {
		t.Fatal("set_uri refused")
	}
	if _, v := h.strOut("zs_req_normalized_path", 64); v != "/new/~path" {
		t.Errorf("normalised after set_uri: %q", v)
	}
	if _, v := h.strOut("zs_req_query", 64); v != "x=1" {
		t.Errorf("query after set_uri: %q", v)
	}
	if call2("zs_req_set_header", "Accept", "a/b") != 0 || call2("zs_req_set_header", "bad name", "v") != -1 || call2("zs_req_set_header", "x", "a\r\nb") != -1 {
		t.Error("set_header results")
	}
	if call2("zs_req_append_header", "Via", "1.1 a") != 0 || call2("zs_req_append_header", "via", "1.1 b") != 0 {
		t.Error("append_header results")
	}
	want := "Host=example.com Accept=a/b Cookie=a=1 Cookie=b=2 X-Debug-Token=t X-Debug-Level=3 X-Session-Id=s Auth-Token=z Via=1.1 a via=1.1 b"
	if got := names(); got != want {
		t.Errorf("headers:\n got %s\nwant %s", got, want)
	}
	if call2("zs_req_set_header", "cookie", "") != 0 || strings.Contains(names(), "Cookie") {
		t.Errorf("set_header with empty value must remove: %s", names())
	}
}

func TestDeleteHeaderPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		removed int64
		left    string
	}{
		{"x-debug-token", 1, "Host Accept accept Cookie Cookie X-Debug-Level X-Session-Id Auth-Token"},
		{"X-DEBUG-*", 2, "Host Accept accept Cookie Cookie X-Session-Id Auth-Token"},
		{"*-token", 2, "Host Accept accept Cookie Cookie X-Debug-Level X-Session-Id"},
		{"*SESSION*", 1, "Host Accept accept Cookie Cookie X-Debug-Token X-Debug-Level Auth-Token"},
		{"*e*", 8, "Host"},
		{"*", 9, ""},
		{"accept", 2, "Host Cookie Cookie X-Debug-Token X-Debug-Level X-Session-Id Auth-Token"},
		{"nothing", 0, "Host Accept accept Cookie Cookie X-Debug-Token X-Debug-Level X-Session-Id Auth-Token"},
		{"", 0, "Host Accept accept Cookie Cookie X-Debug-Token X-Debug-Level X-Session-Id Auth-Token"},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			h := newHarness(t, Config{})
			setRequest(h.cx)
			p, n := h.s(tc.pattern)
			if got := h.ok("zs_req_delete_header", p, n); got != tc.removed {
				t.Errorf("removed %d, want %d", got, tc.removed)
			}
			var left []string
			for i := range h.cx.Request.Headers.Len() {
				n, _ := h.cx.Request.Headers.At(i)
				left = append(left, string(n))
			}
			if got := strings.Join(left, " "); got != tc.left {
				t.Errorf("left %q, want %q", got, tc.left)
			}
		})
	}
}

func TestMetaAndResponse(t *testing.T) {
	h := newHarness(t, Config{})
	set := func(k, v string) int64 {
		kp, kn := h.s(k)
		vp, vn := h.s(v)
		return h.ok("zs_meta_set", kp, kn, vp, vn)
	}
	get := func(k string) string {
		kp, kn := h.s(k)
		_, v := h.strOut("zs_meta_get", 64, kp, kn)
		return v
	}
	if set("a", "1") != 0 || set("a", "2") != 0 || get("a") != "2" || get("b") != "" {
		t.Error("meta set/get")
	}
	if set("a", "") != 0 || h.cx.Meta.Len() != 0 {
		t.Error("empty value removes")
	}
	if set("", "x") != -1 {
		t.Error("empty key accepted")
	}
	if h.ok("zs_response_pending") != 0 {
		t.Error("pending before respond")
	}
	bp, bn := h.s("hello")
	if h.ok("zs_respond", 99, bp, bn) != -1 || h.ok("zs_respond", 600, bp, bn) != -1 || h.ok("zs_respond", 101, bp, bn) != -1 {
		t.Error("status range")
	}
	if h.ok("zs_respond", 201, bp, bn) != 0 || h.ok("zs_response_pending") != 1 {
		t.Error("respond")
	}
	if r := h.cx.Response; r.Status != 201 || string(r.Body) != "hello" || r.JSON {
		t.Errorf("response %+v", r)
	}
	h.ok("zs_response_clear")
	if h.ok("zs_response_pending") != 0 || h.cx.Response.Status != 0 {
		t.Error("clear")
	}
	h.ok("zs_abort")
	if !h.cx.Response.abort || h.ok("zs_response_pending") != 1 {
		t.Error("abort")
	}
	h.ok("zs_respond", 204, bp, bn)
	if len(h.cx.Response.Body) != 0 || h.cx.Response.abort {
		t.Error("204 keeps no body and replaces the abort")
	}
}

func TestMetaLimits(t *testing.T) {
	var m Meta
	for i := range MaxMetaEntries {
		if !m.Set([]byte{byte(i), byte(i >> 8), 'k'}, []byte("v")) {
			t.Fatalf("entry %d refused", i)
		}
	}
	if m.Set([]byte("one more"), []byte("v")) {
		t.Error("entry over the limit accepted")
	}
	// Rewriting one key many times compacts instead of failing.
	big := bytes.Repeat([]byte("x"), 1000)
	for i := range 1000 {
		if !m.Set([]byte{0, 0, 'k'}, big) {
			t.Fatalf("rewrite %d refused", i)
		}
	}
	if v, _ := m.Get([]byte{1, 0, 'k'}); string(v) != "v" {
		t.Errorf("other value lost: %q", v)
	}
	if m.Set([]byte{2, 0, 'k'}, bytes.Repeat([]byte("y"), MaxMetaBytes)) {
		t.Error("value over the byte limit accepted")
	}
	if v, _ := m.Get([]byte{2, 0, 'k'}); string(v) != "v" {
		t.Errorf("refused set changed the value to %q", v)
	}
}

// A Set refused at the byte limit changes nothing, even when it had to
// compact first (the compaction used to drop the old value).
func TestMetaRefusedSetKeepsValue(t *testing.T) {
	var m Meta
	third := bytes.Repeat([]byte("a"), MaxMetaBytes/3)
	if !m.Set([]byte("a"), third) || !m.Set([]byte("b"), third) {
		t.Fatal("setup refused")
	}
	if m.Set([]byte("a"), bytes.Repeat([]byte("c"), MaxMetaBytes*2/3)) {
		t.Fatal("set over the byte limit accepted")
	}
	if v, ok := m.Get([]byte("a")); !ok || !bytes.Equal(v, third) {
		t.Errorf("refused set changed the value: %d bytes, present %v", len(v), ok)
	}
	if v, _ := m.Get([]byte("b")); !bytes.Equal(v, third) {
		t.Errorf("other value changed: %d bytes", len(v))
	}
}

// Known-answer vectors: FIPS 180-2 / RFC 4231 / RFC 4648.
func TestCrypto(t *testing.T) {
	h := newHarness(t, Config{})
	sha := func(msg string) string {
		p, n := h.s(msg)
		out := h.alloc(32)
		if r := h.ok("zs_sha256", p, n, out, 32); r != 32 {
			t.Fatalf("sha256 returned %d", r)
		}
		return hex.EncodeToString(h.mem(out, 32))
	}
	for msg, want := range map[string]string{
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	} {
		if got := sha(msg); got != want {
			t.Errorf("sha256(%q) = %s", msg, got)
		}
	}
	p, n := h.s("abc")
	if r := h.ok("zs_sha256", p, n, h.alloc(31), 31); r != -1 {
		t.Errorf("sha256 with out_len 31 = %d", r)
	}
	unhexS := func(s string) string { b, _ := hex.DecodeString(s); return string(b) }
	for i, tc := range []struct{ key, msg, want string }{ // RFC 4231 §4.2-4.7 (case 5 truncates; omitted)
		{strings.Repeat("\x0b", 20), "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
		{"Jefe", "what do ya want for nothing?", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
		{strings.Repeat("\xaa", 20), strings.Repeat("\xdd", 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
		{unhexS("0102030405060708090a0b0c0d0e0f10111213141516171819"), strings.Repeat("\xcd", 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
		{strings.Repeat("\xaa", 131), "Test Using Larger Than Block-Size Key - Hash Key First", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
		{strings.Repeat("\xaa", 131), "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.", "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
	} {
		kp, kn := h.s(tc.key)
		mp, mn := h.s(tc.msg)
		out := h.alloc(32)
		if r := h.ok("zs_hmac_sha256", kp, kn, mp, mn, out); r != 32 {
			t.Errorf("case %d: returned %d", i, r)
		}
		if got := hex.EncodeToString(h.mem(out, 32)); got != tc.want {
			t.Errorf("RFC 4231 case %d: %s", i, got)
		}
	}
}

func TestBase64(t *testing.T) {
	// RFC 4648 §10, plus bytes that differ between the alphabets.
	vectors := []struct{ in, std, url string }{
		{"", "", ""}, {"f", "Zg==", "Zg=="}, {"fo", "Zm8=", "Zm8="}, {"foo", "Zm9v", "Zm9v"},
		{"foob", "Zm9vYg==", "Zm9vYg=="}, {"fooba", "Zm9vYmE=", "Zm9vYmE="}, {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
		{"\xfb\xff\xbf", "+/+/", "-_-_"}, {"\xfb\xff", "+/8=", "-_8="},
	}
	h := newHarness(t, Config{})
	for _, v := range vectors {
		for enc, want := range map[uint64]string{
			abi.Base64Standard: v.std, abi.Base64StandardNoPad: strings.TrimRight(v.std, "="),
			abi.Base64URL: v.url, abi.Base64URLNoPad: strings.TrimRight(v.url, "="),
		} {
			p, n := h.s(v.in)
			out := h.alloc(64)
			r2 := h.ok("zs_base64_encode", p, n, out, 64, enc)
			got2 := string(h.mem(out, uint64(len(want))))
			if r2 != int64(len(want)) || got2 != want || h.mem(out, 64)[len(want)] != 0 {
				t.Errorf("encode(%q, %d) = %q (%d), want %q", v.in, enc, got2, r2, want)
			}
			bp, bn := h.s(want)
			if d := h.ok("zs_base64_decode_in_place", bp, bn, enc); d != int64(len(v.in)) || string(h.mem(bp, uint64(d))) != v.in {
				t.Errorf("decode(%q, %d) = %d %q", want, enc, d, h.mem(bp, bn))
			}
		}
	}
	// Truncation and out_len 0.
	p, n := h.s("foobar")
	out := h.alloc(5)
	if r := h.ok("zs_base64_encode", p, n, out, 5, abi.Base64Standard); r != 8 || string(h.mem(out, 5)) != "Zm9v\x00" {
		t.Errorf("truncated encode: %d %q", r, h.mem(out, 5))
	}
	if r := h.ok("zs_base64_encode", p, n, 0, 0, abi.Base64Standard); r != 8 {
		t.Errorf("out_len 0: %d", r)
	}
	if r := h.ok("zs_base64_encode", p, n, out, 5, 4); r != -1 {
		t.Errorf("unknown encoding: %d", r)
	}
	for _, tc := range []struct {
		in  string
		enc uint64
	}{
		{"Zg", abi.Base64Standard}, {"Zg==", abi.Base64StandardNoPad}, {"Zm9v\nYg==", abi.Base64Standard},
		{"Zh==", abi.Base64Standard}, {"-_-_", abi.Base64Standard}, {"+/+/", abi.Base64URL}, {"Zg=", abi.Base64URL},
		{"Zm9v", 7}, {"Z", abi.Base64StandardNoPad},
	} {
		bp, bn := h.s(tc.in)
		if r := h.ok("zs_base64_decode_in_place", bp, bn, tc.enc); r != -1 || string(h.mem(bp, bn)) != tc.in {
			t.Errorf("decode(%q, %d) = %d, buffer %q; want -1 and unchanged", tc.in, tc.enc, r, h.mem(bp, bn))
		}
	}
}

func TestHex(t *testing.T) {
	h := newHarness(t, Config{})
	p, n := h.s("\x00\x01\xab\xcd\xef\xff")
	for flag, want := range map[uint64]string{abi.HexLowercase: "0001abcdefff", abi.HexUppercase: "0001ABCDEFFF"} {
		out := h.alloc(32)
		if r := h.ok("zs_hex_encode", p, n, out, 32, flag); r != 12 || string(h.mem(out, 13)) != want+"\x00" {
			t.Errorf("hex_encode(%d) = %d %q", flag, r, h.mem(out, 13))
		}
		bp, bn := h.s(want)
		if r := h.ok("zs_hex_decode_in_place", bp, bn); r != 6 || string(h.mem(bp, 6)) != "\x00\x01\xab\xcd\xef\xff" {
			t.Errorf("hex_decode(%s) = %d %x", want, r, h.mem(bp, 6))
		}
	}
	if r := h.ok("zs_hex_encode", p, n, h.alloc(4), 4, 2); r != -1 {
		t.Errorf("bad case flag: %d", r)
	}
	out := h.alloc(4)
	if r := h.ok("zs_hex_encode", p, n, out, 4, 0); r != 12 || string(h.mem(out, 4)) != "000\x00" {
		t.Errorf("truncated: %d %q", r, h.mem(out, 4))
	}
	for _, bad := range []string{"abc", "zz", "0g"} {
		bp, bn := h.s(bad)
		if r := h.ok("zs_hex_decode_in_place", bp, bn); r != -1 || string(h.mem(bp, bn)) != bad {
			t.Errorf("hex_decode(%q) = %d", bad, r)
		}
	}
}

func TestGetrandom(t *testing.T) {
	h := newHarness(t, Config{Rand: bytes.NewReader([]byte("0123456789"))})
	out := h.alloc(4)
	if r := h.ok("zs_getrandom", out, 4); r != 0 || string(h.mem(out, 4)) != "0123" {
		t.Errorf("getrandom: %d %q", r, h.mem(out, 4))
	}
	if _, err := h.do("zs_getrandom", out, 16); err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("exhausted source: %v", err)
	}
}

func TestJSONReadLE(t *testing.T) {
	h := newHarness(t, Config{})
	p, n := h.s(`{"i":-42,"f":3e2,"x":1.5,"big":9223372036854775808,"b":true,"s":"h\u00e9\ud83d\ude00\n"}`)
	doc := uint64(h.ok("zs_json_parse", p, n))
	get := func(key string) uint64 {
		kp, kn := h.s(key)
		return uint64(h.ok("zs_json_get", doc, kp, kn))
	}
	out := h.alloc(8)
	for key, want := range map[string]int64{"i": -42, "f": 300} {
		if r := h.ok("zs_json_read_i64", get(key), out, 8); r != 0 || int64(binary.LittleEndian.Uint64(h.mem(out, 8))) != want {
			t.Errorf("read_i64(%s) = %d, %d", key, r, int64(binary.LittleEndian.Uint64(h.mem(out, 8))))
		}
	}
	for _, key := range []string{"x", "big", "b", "s"} {
		if r := h.ok("zs_json_read_i64", get(key), out, 8); r != -1 {
			t.Errorf("read_i64(%s) accepted", key)
		}
	}
	if r := h.ok("zs_json_read_i64", get("i"), out, 7); r != -1 {
		t.Error("read_i64 with out_len 7 accepted")
	}
	if r := h.ok("zs_json_read_bool", get("b"), out, 1); r != 0 || h.mem(out, 1)[0] != 1 {
		t.Error("read_bool")
	}
	if r, s := h.strOut("zs_json_read_string", 32, get("s")); r != 8 || s != "hé😀\n" {
		t.Errorf("read_string = %d %q", r, s)
	}
}
