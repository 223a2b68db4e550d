package script

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/abi"
)

// These tests hold the helpers to what package abi documents (and so to
// sdk/include/zeroserve.h and docs/helpers.md).

// isStringOut reports whether h takes the (char *out, zs_u64 out_len) pair
// of the string-out convention.
func isStringOut(h abi.Helper) bool {
	p, ok := h.Param("out")
	return ok && p.Type == "char *" && p.Len == "out_len"
}

// TestStringOutConvention checks every string-out helper of the ABI: the
// result is the value's full length whatever out_len is; out_len 0 writes
// nothing (NULL is fine); otherwise min(len, out_len-1) bytes and a NUL are
// written and nothing after them.
func TestStringOutConvention(t *testing.T) {
	env := []string{"ZEROSERVE_ENV_KEY=secret-value"}
	h := newHarness(t, Config{Environ: func() []string { return env }})
	setRequest(h.cx)
	h.cx.Meta.Set([]byte("who"), []byte("world"))
	p, n := h.s(`"a string"`)
	doc := uint64(h.ok("zs_json_parse", p, n))
	str := func(v string) []uint64 { p, n := h.s(v); return []uint64{p, n} }

	// Arguments before and after the out pair, and the expected value.
	cases := map[string]struct {
		before, after []uint64
		want          string
	}{
		"zs_env_get":             {str("ZEROSERVE_ENV_KEY"), nil, "secret-value"},
		"zs_req_method":          {nil, nil, "GET"},
		"zs_req_path":            {nil, nil, "/a%20b//x/../c"},
		"zs_req_normalized_path": {nil, nil, "/a b/c"},
		"zs_req_uri":             {nil, nil, "/a%20b//x/../c?q=1&name=J%C3%B6rg+M&name=second&flag&e=&plus=a%2Bb"},
		"zs_req_query":           {nil, nil, "q=1&name=J%C3%B6rg+M&name=second&flag&e=&plus=a%2Bb"},
		"zs_req_scheme":          {nil, nil, "https"},
		"zs_req_peer":            {nil, nil, "10.1.2.3:4567"},
		"zs_req_header":          {str("accept"), nil, "text/html, */*"},
		"zs_req_query_param":     {str("name"), nil, "Jörg M"},
		"zs_meta_get":            {str("who"), nil, "world"},
		"zs_base64_encode":       {str("hello"), []uint64{abi.Base64URLNoPad}, "aGVsbG8"},
		"zs_hex_encode":          {str("hi!"), []uint64{abi.HexUppercase}, "686921"},
		"zs_json_read_string":    {[]uint64{doc}, nil, "a string"},
	}
	seen := 0
	for _, hp := range abi.Helpers() {
		if !isStringOut(hp) {
			continue
		}
		seen++
		tc, ok := cases[hp.Name]
		if !ok {
			t.Errorf("string-out helper %s has no case in this test", hp.Name)
			continue
		}
		t.Run(hp.Name, func(t *testing.T) {
			call := func(out, outLen uint64) int64 {
				args := append(append(append([]uint64(nil), tc.before...), out, outLen), tc.after...)
				return h.ok(hp.Name, args...)
			}
			full := int64(len(tc.want))
			if r := call(0, 0); r != full {
				t.Errorf("NULL, 0 = %d, want %d", r, full)
			}
			for _, outLen := range []uint64{0, 1, 2, uint64(full), uint64(full) + 1, uint64(full) + 10} {
				buf := h.alloc(outLen + 4) // 0xAA-filled, with a guard after out_len
				if r := call(buf, outLen); r != full {
					t.Errorf("out_len %d: result %d, want %d", outLen, r, full)
				}
				got := h.mem(buf, outLen+4)
				want := bytes.Repeat([]byte{0xAA}, int(outLen)+4)
				if outLen > 0 {
					k := min(len(tc.want), int(outLen)-1)
					copy(want, tc.want[:k])
					want[k] = 0
				}
				if !bytes.Equal(got, want) {
					t.Errorf("out_len %d: wrote %q, want %q", outLen, got, want)
				}
			}
		})
	}
	if seen != len(cases) {
		t.Errorf("%d string-out helpers in abi, %d cases here", seen, len(cases))
	}
}

// TestRespondStatusRange: both respond helpers take 200-599 (a 1xx cannot
// end a request), drop the body of 204 and 304, and leave the response
// alone on a bad status.
func TestRespondStatusRange(t *testing.T) {
	h := newHarness(t, Config{})
	bp, bn := h.s("body")
	p, n := h.s(`{"a":1}`)
	doc := uint64(h.ok("zs_json_parse", p, n))
	respond := map[string]func(status uint64) int64{
		"zs_respond":      func(status uint64) int64 { return h.ok("zs_respond", status, bp, bn) },
		"zs_json_respond": func(status uint64) int64 { return h.ok("zs_json_respond", status, doc) },
	}
	for name, f := range respond {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				status uint64
				ok     bool
				body   bool
			}{
				{0, false, false}, {99, false, false}, {100, false, false}, {101, false, false}, {103, false, false},
				{199, false, false}, {200, true, true}, {201, true, true}, {204, true, false}, {304, true, false},
				{404, true, true}, {599, true, true}, {600, false, false}, {1 << 32, false, false}, {^uint64(0), false, false},
			} {
				h.ok("zs_response_clear")
				if tc.ok {
					if r := f(tc.status); r != 0 {
						t.Errorf("status %d: %d, want ZS_OK", tc.status, r)
						continue
					}
					if r := h.cx.Response; r.Status != int(tc.status) || (len(r.Body) > 0) != tc.body || h.ok("zs_response_pending") != 1 {
						t.Errorf("status %d: response %d %q pending %d", tc.status, r.Status, r.Body, h.ok("zs_response_pending"))
					}
					continue
				}
				// A bad status leaves an earlier response as it was.
				f(201)
				if r := f(tc.status); r != -1 {
					t.Errorf("status %d: %d, want ZS_ERROR", tc.status, r)
				}
				if r := h.cx.Response; r.Status != 201 || len(r.Body) == 0 || h.ok("zs_response_pending") != 1 {
					t.Errorf("status %d changed the response: %d %q", tc.status, r.Status, r.Body)
				}
			}
		})
	}
}

// TestDocumentedEdges checks the limits and corner cases the helper docs
// name.
func TestDocumentedEdges(t *testing.T) {
	h := newHarness(t, Config{})
	call := func(name string, strs ...string) int64 {
		var args []uint64
		for _, s := range strs {
			p, n := h.s(s)
			args = append(args, p, n)
		}
		return h.ok(name, args...)
	}

	t.Run("normalized path empty when static serving answers 400", func(t *testing.T) {
		for _, uri := range []string{"/../x", "/a%2Fb", "/a%zz", "/a%00", "/a%ff"} {
			h.cx.Request.SetURI([]byte(uri))
			if r, v := h.strOut("zs_req_normalized_path", 64); r != 0 || v != "" {
				t.Errorf("%s: %d %q", uri, r, v)
			}
		}
	})
	t.Run("peer empty without an IP peer, IPv4-mapped shown as IPv4", func(t *testing.T) {
		h.cx.Request.SetConn(false, netip.AddrPort{})
		if r, _ := h.strOut("zs_req_peer", 64); r != 0 {
			t.Errorf("no peer: %d", r)
		}
		h.cx.Request.SetConn(false, netip.MustParseAddrPort("[::ffff:192.0.2.1]:80"))
		if _, v := h.strOut("zs_req_peer", 64); v != "192.0.2.1:80" {
			t.Errorf("mapped peer: %q", v)
		}
		h.cx.Request.SetConn(false, netip.MustParseAddrPort("[2001:db8::1]:443"))
		if _, v := h.strOut("zs_req_peer", 64); v != "[2001:db8::1]:443" {
			t.Errorf("IPv6 peer: %q", v)
		}
	})
	t.Run("set_uri length limit", func(t *testing.T) {
		if call("zs_req_set_uri", "/"+strings.Repeat("a", MaxURI-1)) != 0 || call("zs_req_set_uri", "/"+strings.Repeat("a", MaxURI)) != -1 {
			t.Error("8 KiB bound")
		}
		if call("zs_req_set_uri", "/é") != -1 {
			t.Error("non-ASCII accepted")
		}
	})
	t.Run("header limits", func(t *testing.T) {
		h.cx.Request.Headers.reset()
		for i := range MaxHeaderFields {
			if call("zs_req_append_header", "x-n", string(rune('a'+i%26))) != 0 {
				t.Fatalf("field %d refused", i)
			}
		}
		if call("zs_req_append_header", "x-n", "one too many") != -1 || call("zs_req_set_header", "x-new", "v") != -1 {
			t.Error("field limit not reported")
		}
		h.cx.Request.Headers.reset()
		big := strings.Repeat("v", MaxHeaderBytes/2)
		if call("zs_req_set_header", "x-a", big) != 0 || call("zs_req_set_header", "x-a", big) != -1 {
			t.Error("byte limit (edits included) not reported")
		}
	})
	t.Run("log line cut at 1024 bytes", func(t *testing.T) {
		h.logs.Reset()
		call("zs_log", strings.Repeat("x", MaxLogLine)+"tail")
		if s := h.logs.String(); !strings.Contains(s, strings.Repeat("x", MaxLogLine)+"...") || strings.Contains(s, "tail") {
			t.Errorf("log: %s", s)
		}
		h.logs.Reset()
		call("zs_log", `a\b`)
		if s := h.logs.String(); !strings.Contains(s, `a\\b`) {
			t.Errorf("backslash not doubled: %s", s)
		}
	})
	t.Run("json nesting limit", func(t *testing.T) {
		h.cx.json.reset()
		ok := strings.Repeat("[", 129) + strings.Repeat("]", 129) // innermost value inside 128 arrays
		if r := call("zs_json_parse", ok); r <= 0 {
			t.Errorf("128 levels: %d", r)
		}
		deep := "[" + ok + "]"
		if r := call("zs_json_parse", deep); r != -1 {
			t.Errorf("129 levels: %d", r)
		}
		if r := call("zs_json_parse", `{} x`); r != -1 {
			t.Errorf("trailing bytes: %d", r)
		}
	})
	t.Run("json_set key must be UTF-8", func(t *testing.T) {
		h.cx.json.reset()
		obj := uint64(h.ok("zs_json_new_object"))
		kp, kn := h.s("\xff")
		if r := h.ok("zs_json_set", obj, kp, kn, obj); r != -1 {
			t.Errorf("invalid key: %d", r)
		}
	})
	t.Run("json_get at the handle limit", func(t *testing.T) {
		h.cx.json.reset()
		p, n := h.s(`{"a":[1]}`)
		doc := uint64(h.ok("zs_json_parse", p, n))
		for range abi.MaxJSONHandles - 1 {
			h.ok("zs_json_new_array")
		}
		kp, kn := h.s("a")
		if r := h.ok("zs_json_get", doc, kp, kn); r != -1 {
			t.Errorf("get at the limit: %d", r)
		}
	})
}
