package script

import (
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// TestRequestHelperWorkIsCharged: helpers that scan request state (header
// list, query, metadata) charge that host work to the script's budget, not
// only the guest bytes they touch. Without it a loop of zero-length lookups
// (out_len 0, which touches no guest memory) made the host copy and compare
// tens of kilobytes per guest instruction, so one slice could stall the
// worker for far longer than its instructions suggest.
func TestRequestHelperWorkIsCharged(t *testing.T) {
	h := newHarness(t, Config{})
	hd := &h.cx.Request.Headers
	val := strings.Repeat("v", 250)
	for range 190 {
		if !hd.Add([]byte("X-Big"), []byte(val)) {
			t.Fatal("setup: header refused")
		}
	}
	long := "/p?" + strings.Repeat("k=v&", 2000)
	if !h.cx.Request.SetURI([]byte(long[:len(long)-1])) {
		t.Fatal("setup: uri refused")
	}
	for i := range MaxMetaEntries - 1 {
		h.cx.Meta.Set([]byte{'m', byte(i)}, []byte(strings.Repeat("x", 400)))
	}
	h.call.TakeCharge()
	charged := func(name string, args ...uint64) uint64 {
		t.Helper()
		h.ok(name, args...)
		return h.call.TakeCharge()
	}
	combined := uint64(190*len(val)) / vm.HelperBytesPerInsn
	np, nn := h.s("x-big")
	if got := charged("zs_req_header", np, nn, 0, 0); got < combined {
		t.Errorf("zs_req_header of %d combined bytes charged %d, want ≥ %d", 190*len(val), got, combined)
	}
	qp, qn := h.s("missing")
	if got := charged("zs_req_query_param", qp, qn, 0, 0); got < 2000 {
		t.Errorf("zs_req_query_param over 2000 pairs charged %d, want ≥ 2000", got)
	}
	vp, vn := h.s("*")
	if got := charged("zs_req_query_param_matches", qp, qn, vp, vn); got < 2000 {
		t.Errorf("zs_req_query_param_matches over 2000 pairs charged %d, want ≥ 2000", got)
	}
	mp, mn := h.s("nope")
	if got := charged("zs_meta_get", mp, mn, 0, 0); got < MaxMetaEntries-1 {
		t.Errorf("zs_meta_get over %d keys charged %d", MaxMetaEntries-1, got)
	}
	// Rewriting a value until the buffer compacts: the compaction copies
	// every live byte.
	var total uint64
	small := h.put(strings.Repeat("y", 400))
	for range 200 {
		total += charged("zs_meta_set", h.put("m\x00"), 2, small, 400)
	}
	if total < 200*400/vm.HelperBytesPerInsn+MaxMetaBytes/vm.HelperBytesPerInsn {
		t.Errorf("200 rewrites with compaction charged %d", total)
	}
	sp, sn := h.s("x-big")
	one := h.put("1")
	if got := charged("zs_req_set_header", sp, sn, one, 1); got < 190 {
		t.Errorf("zs_req_set_header over 190 fields charged %d, want ≥ 190", got)
	}
	h = newHarness(t, Config{})
	for range 150 {
		if !h.cx.Request.Headers.Add([]byte("X-"+strings.Repeat("n", 300)), []byte("v")) {
			t.Fatal("setup: header refused")
		}
	}
	dp, dn := h.s("*zzz*")
	if got := charged("zs_req_delete_header", dp, dn); got < 150*300/vm.HelperBytesPerInsn {
		t.Errorf("zs_req_delete_header over %d name bytes charged %d", 150*300, got)
	}
}

// TestDeleteHeaderSubstringLinear: a substring pattern as long as half a
// field name used to cost len(name)·len(pattern) byte comparisons on
// near-matches (a 32 KiB name, 16 KiB pattern: ~10⁸). The result is the
// same as before; the work is charged and linear.
func TestDeleteHeaderSubstring(t *testing.T) {
	for _, tc := range []struct {
		name, pattern string
		removed       int64
	}{
		{strings.Repeat("a", 32<<10), "*" + strings.Repeat("a", 16<<10) + "b*", 0},
		{strings.Repeat("a", 32<<10) + "B", "*" + strings.Repeat("A", 16<<10) + "b*", 1},
		{"X-Foo-Bar", "*FOO-b*", 1},
		{"X-Foo-Bar", "*x-foo-bar*", 1},
		{"X-Foo-Bar", "*x-foo-bar-*", 0},
		{"X-Foo-Bar", "**", 1},
	} {
		h := newHarness(t, Config{})
		if !h.cx.Request.Headers.Add([]byte(tc.name), []byte("v")) {
			t.Fatal("setup: header refused")
		}
		p, n := h.s(tc.pattern)
		if got := h.ok("zs_req_delete_header", p, n); got != tc.removed {
			t.Errorf("delete %.20q from %.20q removed %d, want %d", tc.pattern, tc.name, got, tc.removed)
		}
	}
}

// zs_req_set_header with an empty value removes the fields called name,
// and only those: a name with '*' (a token character) is not a pattern.
func TestSetHeaderEmptyIsExact(t *testing.T) {
	h := newHarness(t, Config{})
	setRequest(h.cx)
	before := h.cx.Request.Headers.Len()
	for _, name := range []string{"*", "X-Debug-*", "*token"} {
		p, n := h.s(name)
		if got := h.ok("zs_req_set_header", p, n, 0, 0); got != 0 {
			t.Errorf("set_header(%q, \"\") = %d", name, got)
		}
	}
	if got := h.cx.Request.Headers.Len(); got != before {
		t.Errorf("set_header of names with '*' and an empty value removed %d fields", before-got)
	}
}

// A zs_log line costs the host far more than the bytes it reads
// (formatting, the handler, a write): each line is charged logLineCost, so
// a script logging in a loop runs out of budget after a bounded number of
// lines instead of writing millions per request.
func TestLogIsCharged(t *testing.T) {
	h := newHarness(t, Config{})
	p, n := h.s("x")
	h.call.TakeCharge()
	h.ok("zs_log", p, n)
	if got := h.call.TakeCharge(); got < logLineCost {
		t.Errorf("zs_log of 1 byte charged %d, want ≥ %d", got, logLineCost)
	}
	if DefaultBudget/logLineCost > 1<<14 {
		t.Errorf("a run may log %d lines", DefaultBudget/logLineCost)
	}
}

// TestComputeHelpersAreCharged: hashing and encoding cost host CPU per
// byte well above the guest-memory price, and are charged for it.
func TestComputeHelpersAreCharged(t *testing.T) {
	h := newHarness(t, Config{})
	const n = 4096
	data := h.put(strings.Repeat("a", n))
	out := h.alloc(4 * n)
	h.call.TakeCharge()
	for _, tc := range []struct {
		name string
		args []uint64
	}{
		{"zs_sha256", []uint64{data, n, out, 32}},
		{"zs_hmac_sha256", []uint64{data, 16, data, n, out}},
		{"zs_base64_encode", []uint64{data, n, out, 0, 0}}, // size query still encodes
		{"zs_hex_encode", []uint64{data, n, out, 2 * n, 0}},
		{"zs_base64_decode_in_place", []uint64{h.put(strings.Repeat("QUJD", n/4)), n, 0}},
		{"zs_hex_decode_in_place", []uint64{h.put(strings.Repeat("ab", n/2)), n}},
	} {
		h.ok(tc.name, tc.args...)
		if got := h.call.TakeCharge(); got < n/computeBytesPerInsn {
			t.Errorf("%s over %d bytes charged %d, want ≥ %d", tc.name, n, got, n/computeBytesPerInsn)
		}
	}
}
