package script

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSubstitute checks template substitution: a body without a complete
// tag is unchanged; metadata values (escaped) never form or close a tag, so
// no "<zs-meta>" in the result has a "</zs-meta>" after it; no raw '<' or
// '>' of a value reaches the page; and removing the substituted values
// gives the body with its tags removed.
func FuzzSubstitute(f *testing.F) {
	for _, s := range [][2]string{
		{"<p><zs-meta>k</zs-meta></p>", `<b>"x"&'y'</b>`},
		{"<zs-meta><zs-meta>k</zs-meta></zs-meta>", "v"},
		{"a<zs-meta> k \t</zs-meta>b<zs-meta>k", "</zs-meta>"},
		{"</zs-meta><zs-meta>", "<zs-meta>"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, body, value string) {
		var m Meta
		m.Set([]byte("k"), []byte(value))
		out := Substitute(nil, []byte(body), &m)
		if !strings.Contains(body, "<zs-meta>") && string(out) != body {
			t.Fatalf("body without a tag changed: %q -> %q", body, out)
		}
		if i := bytes.Index(out, metaOpen); i >= 0 && bytes.Contains(out[i:], metaClose) {
			t.Fatalf("a tag survived: %q (body %q, value %q)", out, body, value)
		}
		var empty Meta
		bare := Substitute(nil, []byte(body), &empty)
		esc := appendEscaped(nil, []byte(value))
		if bytes.ContainsAny(esc, "<>\"'") {
			t.Fatalf("escaped value %q holds markup", esc)
		}
		// Each substituted tag adds len(esc) bytes to bare.
		if d := len(out) - len(bare); len(esc) > 0 && d%len(esc) != 0 || len(esc) == 0 && d != 0 {
			t.Fatalf("out %q is not bare %q plus whole values %q", out, bare, esc)
		}
	})
}

// FuzzRemoteIPMatches checks zs_req_remote_ip_matches on hostile input:
// it never panics, accepts exactly the JSON arrays of strings (as
// encoding/json reads them, within the depth limit) whose strings all
// parse as an address or prefix, and leaves no JSON memory behind.
func FuzzRemoteIPMatches(f *testing.F) {
	for _, s := range []string{`["10.0.0.0/8","::1"]`, `["::ffff:10.0.0.0/104"]`, `["fe80::1%eth0"]`, `[]`, `[1]`, `["10.0.0.0/33"]`, `{"a":"b"}`, `["1.2.3.4", "\u0031.2.3.4"]`} {
		f.Add(s, "10.1.2.3")
		f.Add(s, "::1")
	}
	f.Fuzz(func(t *testing.T, ranges, peer string) {
		h := newHarness(t, Config{})
		if a, err := netip.ParseAddr(peer); err == nil {
			h.cx.Request.SetConn(false, netip.AddrPortFrom(a, 1))
		}
		p, n := h.s(ranges)
		got := h.ok("zs_req_remote_ip_matches", p, n)
		if len(h.cx.json.nodes) != 0 || len(h.cx.json.bytes) != 0 {
			t.Fatalf("JSON memory left behind: %d nodes, %d bytes", len(h.cx.json.nodes), len(h.cx.json.bytes))
		}
		if got != -1 && got != 0 && got != 1 {
			t.Fatalf("result %d", got)
		}
		if !utf8.ValidString(ranges) || strings.Count(ranges, "[")+strings.Count(ranges, "{") > maxJSONDepth {
			return
		}
		var list []string
		valid := json.Unmarshal([]byte(ranges), &list) == nil && list != nil
		if valid {
			ip := h.cx.Request.Peer().Addr()
			want := int64(0)
			for _, r := range list {
				in, ok := ipMatch(r, ip)
				if !ok {
					want = -1
					break
				}
				if in {
					want = 1
				}
			}
			if got != want {
				t.Fatalf("ranges %q peer %q: %d, want %d", ranges, peer, got, want)
			}
		} else if got != -1 {
			t.Fatalf("ranges %q (not an array of strings) accepted: %d", ranges, got)
		}
	})
}
