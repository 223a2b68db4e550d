package script

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/vm"
)

func newTrees() *trees { return &trees{limit: DefaultJSONMemory} }

func TestJSONRoundTrip(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{`null`, `null`},
		{` true `, `true`},
		{`-0.5e+10`, `-0.5e+10`},
		{`"a\"b\\c\/d\u0041\n\t\u0001\ud83d\ude00"`, `"a\"b\\c/dA\n\t\u0001😀"`},
		{`"\ud800x"`, `"` + "\uFFFD" + `x"`},
		{`{"z":1,"a":[1,{"b":null}],"m":{}}`, `{"z":1,"a":[1,{"b":null}],"m":{}}`},
		{"[ 1 , 2 ,\n3 ]", `[1,2,3]`},
		{`{"dup":1,"dup":2}`, `{"dup":1,"dup":2}`},
	} {
		tr := newTrees()
		root, ok := tr.parse([]byte(tc.in))
		if !ok {
			t.Errorf("parse(%s) failed", tc.in)
			continue
		}
		if got := string(tr.appendJSON(nil, root)); got != tc.out {
			t.Errorf("parse(%s) -> %s, want %s", tc.in, got, tc.out)
		}
	}
	for _, bad := range []string{``, `{`, `[1,]`, `{"a"}`, `{"a":1,}`, `01`, `1.`, `.5`, `-`, `1e`, `tru`, `nul`,
		`"\x"`, `"a`, "\"\x01\"", "\"\xff\"", `[1] x`, `{1:2}`, `"\u12"`, strings.Repeat("[", maxJSONDepth+2) + strings.Repeat("]", maxJSONDepth+2)} {
		tr := newTrees()
		if _, ok := tr.parse([]byte(bad)); ok {
			t.Errorf("parse(%q) accepted", bad)
		}
		if len(tr.nodes) != 0 || len(tr.bytes) != 0 {
			t.Errorf("parse(%q) left %d nodes, %d bytes", bad, len(tr.nodes), len(tr.bytes))
		}
	}
}

func TestJSONStrictPrefixesRejected(t *testing.T) {
	in := `{"a":[1,2.5e3,"x\u00e9"],"b":{"c":true,"d":null}}`
	for i := range len(in) {
		if _, ok := newTrees().parse([]byte(in[:i])); ok {
			t.Errorf("prefix %q accepted", in[:i])
		}
	}
}

func TestJSONMemoryLimit(t *testing.T) {
	tr := &trees{limit: 4096}
	if _, ok := tr.parse([]byte(`"` + strings.Repeat("x", 5000) + `"`)); ok {
		t.Error("string over the limit accepted")
	}
	if _, ok := tr.parse([]byte(`[` + strings.Repeat("1,", 200) + `1]`)); ok {
		t.Error("nodes over the limit accepted")
	}
	if tr.used() != 0 {
		t.Errorf("%d bytes left after failures", tr.used())
	}
}

// TestJSONHelpers drives the tree helpers through their guest ABI.
func TestJSONHelpers(t *testing.T) {
	h := newHarness(t, Config{})
	str := func(s string) (uint64, uint64) { return h.s(s) }
	doc := func(s string) uint64 {
		p, n := str(s)
		v := h.ok("zs_json_parse", p, n)
		if v <= 0 {
			t.Fatalf("parse %s = %d", s, v)
		}
		return uint64(v)
	}
	respond := func(hd uint64) string {
		if r := h.ok("zs_json_respond", 200, hd); r != 0 {
			t.Fatalf("json_respond = %d", r)
		}
		return string(h.cx.Response.Body)
	}
	get := func(hd uint64, k string) int64 {
		p, n := str(k)
		return h.ok("zs_json_get", hd, p, n)
	}
	set := func(hd uint64, k string, v uint64) int64 {
		p, n := str(k)
		return h.ok("zs_json_set", hd, p, n, v)
	}

	root := doc(`{"a":{"b":[10,20,30]},"s":"str"}`)
	a := uint64(get(root, "a"))
	b := uint64(get(a, "b"))
	if get(root, "nope") != -1 || get(b, "x") != -1 {
		t.Error("get on a missing key or a non-object")
	}
	e1 := uint64(h.ok("zs_json_array_get", b, 1))
	if h.ok("zs_json_array_get", b, 3) != -1 || h.ok("zs_json_array_get", root, 0) != -1 {
		t.Error("array_get out of range or on an object")
	}
	// Changes through a sub-handle are seen through the root.
	h.ok("zs_json_set_i64", e1, uint64(1)<<63)
	if got := respond(root); got != `{"a":{"b":[10,-9223372036854775808,30]},"s":"str"}` {
		t.Errorf("after set_i64: %s", got)
	}
	for hd, want := range map[uint64]int64{root: abi.JSONObject, b: abi.JSONArray, e1: abi.JSONNumber} {
		if got := h.ok("zs_json_type", hd); got != want {
			t.Errorf("type(%d) = %d, want %d", hd, got, want)
		}
	}
	if h.ok("zs_json_len", root) != 2 || h.ok("zs_json_len", b) != 3 || h.ok("zs_json_len", uint64(get(root, "s"))) != 3 || h.ok("zs_json_len", e1) != -1 {
		t.Error("len")
	}
	// reset makes a sub-handle point at the root again.
	if h.ok("zs_json_reset", e1) != 0 || h.ok("zs_json_type", e1) != abi.JSONObject {
		t.Error("reset")
	}
	// set copies; key order is insertion order; replacing keeps the position.
	obj := uint64(h.ok("zs_json_new_object"))
	v := uint64(h.ok("zs_json_new_object"))
	sp, sn := str("x")
	h.ok("zs_json_set_string", v, sp, sn)
	set(obj, "z", v)
	h.ok("zs_json_set_bool", v, 1)
	set(obj, "a", v)
	h.ok("zs_json_set_null", v)
	set(obj, "z", v)
	arr := uint64(h.ok("zs_json_new_array"))
	h.ok("zs_json_array_push", arr, v)
	h.ok("zs_json_array_push", arr, obj)
	h.ok("zs_json_array_set", arr, 0, b)
	if h.ok("zs_json_array_set", arr, 5, b) != -1 || h.ok("zs_json_array_push", obj, v) != -1 {
		t.Error("array_set out of range / push on object")
	}
	set(obj, "self", obj)
	if got := respond(arr); got != `[[10,-9223372036854775808,30],{"z":null,"a":true}]` {
		t.Errorf("array: %s", got)
	}
	if got := respond(obj); got != `{"z":null,"a":true,"self":{"z":null,"a":true}}` {
		t.Errorf("object: %s", got)
	}
	rp, rn := str("a")
	if h.ok("zs_json_remove", obj, rp, rn) != 1 || h.ok("zs_json_remove", obj, rp, rn) != 0 || h.ok("zs_json_remove", arr, rp, rn) != -1 {
		t.Error("remove results")
	}
	cl := uint64(h.ok("zs_json_clone", obj))
	set(cl, "new", v)
	if got := respond(obj); got != `{"z":null,"self":{"z":null,"a":true}}` {
		t.Errorf("clone is not independent: %s", got)
	}
	if got := respond(cl); got != `{"z":null,"self":{"z":null,"a":true},"new":null}` {
		t.Errorf("clone: %s", got)
	}
	if !h.cx.Response.JSON || !hasField(h.cx.ResponseFields(nil), "Content-Type", "application/json") {
		t.Error("json content type")
	}
	// Invalid UTF-8 and bad handles.
	bp, bn := str("\xff")
	if h.ok("zs_json_set_string", v, bp, bn) != -1 || set(obj, "\xff", v) != -1 {
		t.Error("invalid UTF-8 accepted")
	}
	for _, bad := range []uint64{0, 33, 31, 1 << 40} {
		if h.ok("zs_json_type", bad) != -1 || h.ok("zs_object_free", bad) != -1 || h.ok("zs_json_respond", 200, bad) != -1 {
			t.Errorf("bad handle %d accepted", bad)
		}
	}
	if h.ok("zs_object_free", v) != 0 || h.ok("zs_json_type", v) != -1 {
		t.Error("free")
	}
	if h.ok("zs_json_respond", 99, obj) != -1 {
		t.Error("json_respond status range")
	}
}

func TestJSONHandleLimit(t *testing.T) {
	h := newHarness(t, Config{})
	var hs []int64
	for range abi.MaxJSONHandles {
		hs = append(hs, h.ok("zs_json_new_array"))
	}
	if h.ok("zs_json_new_object") != -1 || h.ok("zs_json_clone", uint64(hs[0])) != -1 {
		t.Error("handle over the limit")
	}
	p, n := h.s("[]")
	if h.ok("zs_json_parse", p, n) != -1 {
		t.Error("parse over the handle limit")
	}
	h.ok("zs_object_free", uint64(hs[5]))
	if got := h.ok("zs_json_new_object"); got != hs[5] {
		t.Errorf("freed handle not reused: %d", got)
	}
}

func TestLoadStaticJSONAndMetadata(t *testing.T) {
	h := newHarness(t, Config{})
	load := func(helper, path string) int64 {
		p, n := h.s(path)
		return h.ok(helper, p, n)
	}
	items := load("zs_load_static_json", "data/items.json")
	if items <= 0 || h.ok("zs_json_len", uint64(items)) != 2 {
		t.Fatalf("load_static_json = %d", items)
	}
	for _, bad := range []string{"missing.json", "bad.json", ""} {
		if load("zs_load_static_json", bad) != -1 {
			t.Errorf("load_static_json(%q) accepted", bad)
		}
	}
	md := load("zs_load_file_metadata", "index.html")
	h.ok("zs_json_respond", 200, uint64(md))
	if got := string(h.cx.Response.Body); got != `{"size":9,"etag":"\"etag-index.html\"","mtime":1234}` {
		t.Errorf("metadata %s", got)
	}
	if load("zs_load_file_metadata", "nope") != -1 {
		t.Error("metadata of a missing file")
	}
}

// FuzzJSONParse checks the parser against encoding/json: the same inputs
// are accepted (for valid UTF-8 within the depth limit), and what it
// serialises parses again to the same bytes and means the same value.
func FuzzJSONParse(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"\ud83d\ude00"`, `-1.5e-3`, `[true,false]`, `{"a":"\u0000"}`, `"\ud800"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		tr := newTrees()
		root, ok := tr.parse(in)
		if !utf8.Valid(in) || bytes.Count(in, []byte("["))+bytes.Count(in, []byte("{")) > maxJSONDepth {
			return
		}
		if ok != json.Valid(in) {
			t.Fatalf("parse ok=%v, encoding/json valid=%v for %q", ok, json.Valid(in), in)
		}
		if !ok {
			return
		}
		out := tr.appendJSON(nil, root)
		tr2 := newTrees()
		root2, ok := tr2.parse(out)
		if !ok {
			t.Fatalf("output %q of %q does not parse", out, in)
		}
		if out2 := tr2.appendJSON(nil, root2); !bytes.Equal(out, out2) {
			t.Fatalf("not stable: %q -> %q", out, out2)
		}
		var a, b any
		if json.Unmarshal(in, &a) == nil && json.Unmarshal(out, &b) == nil {
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("meaning changed: %s vs %s", ja, jb)
			}
		}
	})
}

// TestJSONHelperWorkIsCharged: host work a JSON helper does on behalf of a
// script (walking members, cloning, serialising, parsing archive files) is
// charged to the script's budget, not only the guest bytes it reads.
func TestJSONHelperWorkIsCharged(t *testing.T) {
	h := newHarness(t, Config{})
	var doc strings.Builder
	doc.WriteString("{")
	for i := range 2000 {
		if i > 0 {
			doc.WriteByte(',')
		}
		fmt.Fprintf(&doc, `"k%d":"%s"`, i, strings.Repeat("v", 40))
	}
	doc.WriteString("}")
	p, n := h.s(doc.String())
	obj := h.ok("zs_json_parse", p, n)
	h.call.TakeCharge()

	charged := func(name string, args ...uint64) uint64 {
		t.Helper()
		h.ok(name, args...)
		return h.call.TakeCharge()
	}
	kp, kn := h.s("k1999") // the last member: a full walk
	if got := charged("zs_json_get", uint64(obj), kp, kn); got < 2000 {
		t.Errorf("zs_json_get of the last of 2000 members charged %d, want ≥ 2000", got)
	}
	if got := charged("zs_json_clone", uint64(obj)); got < 2000 {
		t.Errorf("zs_json_clone of a 2000-member object charged %d, want ≥ 2000", got)
	}
	if got := charged("zs_json_respond", 200, uint64(obj)); got < uint64(doc.Len())/vm.HelperBytesPerInsn {
		t.Errorf("zs_json_respond of %d bytes charged %d", doc.Len(), got)
	}
	small := h.ok("zs_json_new_object")
	if got := charged("zs_json_len", uint64(small)); got > 1 {
		t.Errorf("zs_json_len of an empty object charged %d, want at most 1", got)
	}
}
