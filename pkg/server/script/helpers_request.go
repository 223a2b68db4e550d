package script

import (
	"net/netip"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
	"zeroserve.dev/zeroserve/pkg/vm"
)

func zsReqHeader(c *vm.Call, name, nameLen, p, n, _ uint64) (uint64, error) {
	k, err := in(c, name, nameLen)
	if err != nil {
		return 0, err
	}
	cx := ctx(c)
	cx.tmp, _ = cx.Request.Headers.appendCombined(cx.tmp[:0], k)
	charge(c, cx.Request.Headers.Len(), len(cx.tmp))
	return strOut(c, p, n, cx.tmp)
}

// formDecode appends s decoded as application/x-www-form-urlencoded: '+'
// is a space, %XX a byte; a malformed escape is kept as it is.
func formDecode(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			dst = append(dst, ' ')
		case '%':
			if i+2 < len(s) {
				hi, ok1 := httpfield.Unhex(s[i+1])
				lo, ok2 := httpfield.Unhex(s[i+2])
				if ok1 && ok2 {
					dst = append(dst, hi<<4|lo)
					i += 2
					continue
				}
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// charge charges host work a helper did on request state (not guest
// memory, which Call.Mem and WritableMem charge): one instruction per item
// walked and one per vm.HelperBytesPerInsn bytes copied or compared.
func charge(c *vm.Call, items, bytes int) {
	c.Charge(uint64(items) + uint64(bytes)/vm.HelperBytesPerInsn)
}

// queryParams calls f with the decoded value of each query parameter whose
// decoded name is name, in order, until f returns true. Decoded bytes live
// in cx.tmp. The work is charged to c.
func (cx *Context) queryParams(c *vm.Call, name []byte, f func(v []byte) bool) {
	q := cx.Request.Query()
	pairs, size := 0, len(q)
	defer func() { charge(c, pairs, size-len(q)) }()
	for len(q) > 0 {
		pairs++
		pair := q
		if i := indexByte(q, '&'); i >= 0 {
			pair, q = q[:i], q[i+1:]
		} else {
			q = nil
		}
		if len(pair) == 0 {
			continue
		}
		k, v := pair, []byte(nil)
		if i := indexByte(pair, '='); i >= 0 {
			k, v = pair[:i], pair[i+1:]
		}
		cx.tmp = formDecode(cx.tmp[:0], k)
		if string(cx.tmp) != string(name) {
			continue
		}
		cx.tmp = formDecode(cx.tmp[:0], v)
		if f(cx.tmp) {
			return
		}
	}
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func zsReqQueryParam(c *vm.Call, name, nameLen, p, n, _ uint64) (uint64, error) {
	k, err := in(c, name, nameLen)
	if err != nil {
		return 0, err
	}
	cx := ctx(c)
	var val []byte
	found := false
	cx.queryParams(c, k, func(v []byte) bool { val, found = v, true; return true })
	if !found {
		val = nil
	}
	return strOut(c, p, n, val)
}

func zsReqQueryParamMatches(c *vm.Call, name, nameLen, value, valueLen, _ uint64) (uint64, error) {
	k, err := in(c, name, nameLen)
	if err != nil {
		return 0, err
	}
	want, err := in(c, value, valueLen)
	if err != nil {
		return 0, err
	}
	any := string(want) == "*"
	match := false
	ctx(c).queryParams(c, k, func(v []byte) bool {
		match = any || string(v) == string(want)
		return match
	})
	return uint64(b2i(match)), nil
}

func zsReqRemoteIPMatches(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	b, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	cx := ctx(c)
	t := &cx.json
	nn, nb := len(t.nodes), len(t.bytes)
	defer func() { t.nodes, t.bytes = t.nodes[:nn], t.bytes[:nb] }()
	root, ok := t.parse(b)
	if !ok || t.nodes[root].kind != abi.JSONArray {
		return rError, nil
	}
	ip := cx.Request.peer.Addr()
	match := false
	for e := t.nodes[root].first; e != none; e = t.nodes[e].next {
		if t.nodes[e].kind != abi.JSONString {
			return rError, nil
		}
		in, ok := ipMatch(str(t.nodes[e].text.of(t.bytes)), ip)
		if !ok {
			return rError, nil
		}
		match = match || in
	}
	return uint64(b2i(match)), nil
}

// ipMatch reports whether ip is in r, an address or a CIDR prefix, and
// whether r parses.
func ipMatch(r string, ip netip.Addr) (in, ok bool) {
	for i := 0; i < len(r); i++ {
		if r[i] == '/' {
			pfx, err := netip.ParsePrefix(r)
			if err != nil {
				return false, false
			}
			if pfx.Addr().Is4In6() {
				pfx = netip.PrefixFrom(pfx.Addr().Unmap(), max(pfx.Bits()-96, 0))
			}
			return ip.IsValid() && pfx.Contains(ip), true
		}
	}
	a, err := netip.ParseAddr(r)
	if err != nil {
		return false, false
	}
	return ip.IsValid() && a.Unmap() == ip.WithZone(""), true
}

func zsReqSetMethod(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	m, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	if !validName(m) {
		return rError, nil
	}
	ctx(c).Request.SetMethod(m)
	return rOK, nil
}

func zsReqSetURI(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	u, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	if !ctx(c).Request.SetURI(u) {
		return rError, nil
	}
	return rOK, nil
}

func nameValue(c *vm.Call, name, nameLen, value, valueLen uint64) (k, v []byte, err error) {
	if k, err = in(c, name, nameLen); err != nil {
		return nil, nil, err
	}
	v, err = in(c, value, valueLen)
	return k, v, err
}

func zsReqSetHeader(c *vm.Call, name, nameLen, value, valueLen, _ uint64) (uint64, error) {
	k, v, err := nameValue(c, name, nameLen, value, valueLen)
	if err != nil {
		return 0, err
	}
	hd := &ctx(c).Request.Headers
	charge(c, hd.Len(), 0)
	if !hd.Set(k, v) {
		return rError, nil
	}
	return rOK, nil
}

func zsReqAppendHeader(c *vm.Call, name, nameLen, value, valueLen, _ uint64) (uint64, error) {
	k, v, err := nameValue(c, name, nameLen, value, valueLen)
	if err != nil {
		return 0, err
	}
	if !ctx(c).Request.Headers.Add(k, v) {
		return rError, nil
	}
	return rOK, nil
}

func zsReqDeleteHeader(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	pat, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	hd := &ctx(c).Request.Headers
	charge(c, hd.Len(), 0)
	removed, scanned := hd.delete(pat)
	charge(c, 0, 2*scanned) // lower-cased and searched
	return uint64(removed), nil
}

func zsMetaGet(c *vm.Call, key, keyLen, p, n, _ uint64) (uint64, error) {
	k, err := in(c, key, keyLen)
	if err != nil {
		return 0, err
	}
	m := &ctx(c).Meta
	charge(c, m.Len(), 0)
	v, _ := m.Get(k)
	return strOut(c, p, n, v)
}

func zsMetaSet(c *vm.Call, key, keyLen, value, valueLen, _ uint64) (uint64, error) {
	k, v, err := nameValue(c, key, keyLen, value, valueLen)
	if err != nil {
		return 0, err
	}
	m := &ctx(c).Meta
	ok := m.Set(k, v)
	charge(c, m.Len(), m.takeMoved())
	if !ok {
		return rError, nil
	}
	return rOK, nil
}

// Status range of script responses: 1xx are interim responses and cannot
// end a request.
const minStatus, maxStatus = 200, 599

func zsRespond(c *vm.Call, status, p, n, _, _ uint64) (uint64, error) {
	body, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	if status < minStatus || status > maxStatus {
		return rError, nil
	}
	if status == 204 || status == 304 {
		body = nil // RFC 9110 §15.3.5, §15.4.5: no content
	}
	ctx(c).Response.set(int(status), body, false)
	return rOK, nil
}

func zsAbort(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
	r := &ctx(c).Response
	r.reset()
	r.pending, r.abort = true, true
	return rOK, nil
}

func zsResponsePending(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
	return uint64(b2i(ctx(c).Response.pending)), nil
}

func zsResponseClear(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
	ctx(c).Response.reset()
	return rOK, nil
}
