package script

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/vm"
)

func zsJSONParse(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	b, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	return s64(ctx(c).json.parseDoc(b))
}

// parseDoc parses b into a new document and returns its handle.
func (t *trees) parseDoc(b []byte) int64 {
	if t.free() == 0 {
		return abi.Error
	}
	root, ok := t.parse(b)
	if !ok {
		return abi.Error
	}
	return t.newHandle(root, root)
}

// free returns the number of handles not in use.
func (t *trees) free() int {
	n := 0
	for _, h := range t.handles {
		if !h.live {
			n++
		}
	}
	return n
}

func (t *trees) rootOf(h uint64) int32 { return t.handles[h-1].root }

// kindNode returns the node of handle h when it has the given kind.
func (t *trees) kindNode(h uint64, kind uint8) (int32, bool) {
	n, ok := t.node(h)
	if !ok || t.nodes[n].kind != kind {
		return none, false
	}
	return n, true
}

func zsJSONGet(c *vm.Call, h, key, keyLen, _, _ uint64) (uint64, error) {
	k, err := in(c, key, keyLen)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONObject)
	if !ok {
		return rError, nil
	}
	_, m := t.member(n, k)
	if m == none {
		return rError, nil
	}
	return s64(t.newHandle(t.rootOf(h), m))
}

func zsJSONArrayGet(c *vm.Call, h, i, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONArray)
	if !ok {
		return rError, nil
	}
	_, m := t.element(n, i)
	if m == none {
		return rError, nil
	}
	return s64(t.newHandle(t.rootOf(h), m))
}

func zsJSONReset(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	if _, ok := t.node(h); !ok {
		return rError, nil
	}
	t.handles[h-1].node = t.handles[h-1].root
	return rOK, nil
}

func zsJSONReadString(c *vm.Call, h, p, n, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	nd, ok := t.kindNode(h, abi.JSONString)
	if !ok {
		if _, err := out(c, p, n); err != nil {
			return 0, err
		}
		return rError, nil
	}
	return strOut(c, p, n, t.nodes[nd].text.of(t.bytes))
}

func zsJSONReadI64(c *vm.Call, h, p, n, _, _ uint64) (uint64, error) {
	o, err := out(c, p, n)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	nd, ok := t.node(h)
	if !ok || len(o) < 8 {
		return rError, nil
	}
	v, ok := t.readI64(nd)
	if !ok {
		return rError, nil
	}
	binary.LittleEndian.PutUint64(o, uint64(v))
	return rOK, nil
}

func zsJSONReadBool(c *vm.Call, h, p, n, _, _ uint64) (uint64, error) {
	o, err := out(c, p, n)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	nd, ok := t.kindNode(h, abi.JSONBool)
	if !ok || len(o) < 1 {
		return rError, nil
	}
	o[0] = byte(b2i(t.nodes[nd].b))
	return rOK, nil
}

func zsJSONClone(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.node(h)
	if !ok || t.free() == 0 {
		return rError, nil
	}
	cp, ok := t.clone(n)
	if !ok {
		return rError, nil
	}
	t.nodes[cp].key = span{}
	return s64(t.newHandle(cp, cp))
}

func zsJSONLen(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.node(h)
	if !ok {
		return rError, nil
	}
	switch nd := &t.nodes[n]; nd.kind {
	case abi.JSONArray, abi.JSONObject:
		return uint64(nd.n), nil
	case abi.JSONString:
		return uint64(nd.text.n), nil
	}
	return rError, nil
}

func zsJSONType(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.node(h)
	if !ok {
		return rError, nil
	}
	return uint64(t.nodes[n].kind), nil
}

func zsJSONSet(c *vm.Call, h, key, keyLen, v, _ uint64) (uint64, error) {
	k, err := in(c, key, keyLen)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONObject)
	src, ok2 := t.node(v)
	if !ok || !ok2 || !utf8.Valid(k) {
		return rError, nil
	}
	if !t.setMember(n, k, src) {
		return rError, nil
	}
	return rOK, nil
}

// setMember sets member key of object n to a copy of node src.
func (t *trees) setMember(n int32, key []byte, src int32) bool {
	cp, ok := t.clone(src)
	if !ok {
		return false
	}
	prev, m := t.member(n, key)
	if m != none {
		t.replace(n, prev, m, cp)
		return true
	}
	ks, ok := storeText(t, key)
	if !ok {
		return false
	}
	t.nodes[cp].key = ks
	t.appendChild(n, cp)
	return true
}

func zsJSONRemove(c *vm.Call, h, key, keyLen, _, _ uint64) (uint64, error) {
	k, err := in(c, key, keyLen)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONObject)
	if !ok {
		return rError, nil
	}
	prev, m := t.member(n, k)
	if m == none {
		return rFalse, nil
	}
	t.unlink(n, prev, m)
	return rTrue, nil
}

func zsJSONArrayPush(c *vm.Call, h, v, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONArray)
	src, ok2 := t.node(v)
	if !ok || !ok2 {
		return rError, nil
	}
	cp, ok := t.clone(src)
	if !ok {
		return rError, nil
	}
	t.nodes[cp].key = span{}
	t.appendChild(n, cp)
	return rOK, nil
}

func zsJSONArraySet(c *vm.Call, h, i, v, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	n, ok := t.kindNode(h, abi.JSONArray)
	src, ok2 := t.node(v)
	if !ok || !ok2 {
		return rError, nil
	}
	prev, m := t.element(n, i)
	if m == none {
		return rError, nil
	}
	cp, ok := t.clone(src)
	if !ok {
		return rError, nil
	}
	t.replace(n, prev, m, cp)
	return rOK, nil
}

func zsJSONSetString(c *vm.Call, h, p, n, _, _ uint64) (uint64, error) {
	s, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	t := &ctx(c).json
	nd, ok := t.node(h)
	if !ok || !utf8.Valid(s) {
		return rError, nil
	}
	sp, ok := t.store(s)
	if !ok {
		return rError, nil
	}
	t.setValue(nd, abi.JSONString, false, sp)
	return rOK, nil
}

func zsJSONSetI64(c *vm.Call, h, v, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	nd, ok := t.node(h)
	if !ok {
		return rError, nil
	}
	var num [20]byte
	sp, ok := t.store(strconv.AppendInt(num[:0], int64(v), 10))
	if !ok {
		return rError, nil
	}
	t.setValue(nd, abi.JSONNumber, false, sp)
	return rOK, nil
}

func zsJSONSetBool(c *vm.Call, h, v, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	nd, ok := t.node(h)
	if !ok {
		return rError, nil
	}
	t.setValue(nd, abi.JSONBool, v != 0, span{})
	return rOK, nil
}

func zsJSONSetNull(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	nd, ok := t.node(h)
	if !ok {
		return rError, nil
	}
	t.setValue(nd, abi.JSONNull, false, span{})
	return rOK, nil
}

func zsObjectFree(c *vm.Call, h, _, _, _, _ uint64) (uint64, error) {
	t := &ctx(c).json
	if _, ok := t.node(h); !ok {
		return rError, nil
	}
	t.handles[h-1] = jhandle{}
	return rOK, nil
}

func zsJSONRespond(c *vm.Call, status, h, _, _, _ uint64) (uint64, error) {
	cx := ctx(c)
	t := &cx.json
	nd, ok := t.node(h)
	if !ok || status < minStatus || status > maxStatus {
		return rError, nil
	}
	r := &cx.Response
	r.Status, r.JSON, r.pending, r.abort = int(status), true, true, false
	r.Body = r.Body[:0]
	if status != 204 && status != 304 {
		r.Body = t.appendJSON(r.Body, nd)
		c.Charge(uint64(len(r.Body)) / vm.HelperBytesPerInsn)
	}
	return rOK, nil
}

func zsLoadStaticJSON(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	cx := ctx(c)
	path, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	site := cx.runner.set.site
	if site == nil || len(path) == 0 {
		return rError, nil
	}
	e, ok := site.Lookup(str(path))
	if !ok {
		return rError, nil
	}
	doc := site.Content(e)
	c.Charge(uint64(len(doc)) / vm.HelperBytesPerInsn) // parsed on every call
	return s64(cx.json.parseDoc(doc))
}

func zsLoadFileMetadata(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	cx := ctx(c)
	path, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	site := cx.runner.set.site
	if site == nil || len(path) == 0 {
		return rError, nil
	}
	e, ok := site.Lookup(str(path))
	if !ok {
		return rError, nil
	}
	t := &cx.json
	if t.free() == 0 {
		return rError, nil
	}
	var num [20]byte
	obj, ok := t.newNode(abi.JSONObject)
	ok = ok && addScalar(t, obj, "size", abi.JSONNumber, strconv.AppendInt(num[:0], e.Size, 10))
	ok = ok && addScalar(t, obj, "etag", abi.JSONString, e.ETag)
	ok = ok && addScalar(t, obj, "mtime", abi.JSONNumber, strconv.AppendInt(num[:0], e.ModTime, 10))
	if !ok {
		return rError, nil
	}
	return s64(t.newHandle(obj, obj))
}

// addScalar appends member key: a number or string with text to object n.
func addScalar[T text](t *trees, n int32, key string, kind uint8, text T) bool {
	c, ok := t.newNode(kind)
	if !ok {
		return false
	}
	ks, ok := storeText(t, key)
	if !ok {
		return false
	}
	ts, ok := storeText(t, text)
	if !ok {
		return false
	}
	t.nodes[c].key, t.nodes[c].text = ks, ts
	t.appendChild(n, c)
	return true
}

// chargeJSON wraps a JSON helper so that its host work counts against the
// script's budget: the tree memory the call added (copies, parsed documents)
// at vm.HelperBytesPerInsn bytes per instruction, plus one instruction per
// node it walked. Without it, a loop of cheap guest instructions could make
// the host clone, search or serialise megabyte trees for free.
func chargeJSON(h vm.Helper) vm.Helper {
	return func(c *vm.Call, r1, r2, r3, r4, r5 uint64) (uint64, error) {
		t := &ctx(c).json
		before := t.used()
		r0, err := h(c, r1, r2, r3, r4, r5)
		if grown := t.used() - before; grown > 0 {
			c.Charge(uint64(grown) / vm.HelperBytesPerInsn)
		}
		c.Charge(uint64(t.steps))
		t.steps = 0
		return r0, err
	}
}
