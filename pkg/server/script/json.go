package script

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/server/httpfield"
)

// DefaultJSONMemory bounds the host memory of the JSON trees of one script
// run (nodes and string bytes) when Config.JSONMemory is 0.
const DefaultJSONMemory = 1 << 20

// maxJSONDepth bounds the nesting of parsed documents.
const maxJSONDepth = 128

const none int32 = -1

// jnode is one JSON value. Containers chain their children through next;
// object members carry their key.
type jnode struct {
	kind  uint8 // abi.JSONNull ... abi.JSONObject
	b     bool
	text  span // string bytes (unescaped) or the number literal
	key   span // member key, when the node is an object member
	first int32
	last  int32
	next  int32
	n     int32 // number of children
}

const jnodeSize = 48 // upper bound of unsafe.Sizeof(jnode{}), for accounting

type jhandle struct {
	root, node int32
	live       bool
}

// trees holds the JSON documents of one script run. Nodes and bytes are
// arenas reset when the run ends: freeing a handle only frees its number.
// Handle h (1..abi.MaxJSONHandles) is handles[h-1].
type trees struct {
	nodes   []jnode
	bytes   []byte
	handles [abi.MaxJSONHandles]jhandle
	limit   int
	// steps counts the nodes walked since the last helper call (member and
	// element lookups, serialisation), charged to the script's budget by
	// chargeJSON with the memory the call added.
	steps int
}

func (t *trees) reset() {
	t.nodes = t.nodes[:0]
	t.bytes = t.bytes[:0]
	t.handles = [abi.MaxJSONHandles]jhandle{}
	t.steps = 0
}

func (t *trees) used() int { return len(t.nodes)*jnodeSize + len(t.bytes) }

func (t *trees) newNode(kind uint8) (int32, bool) {
	if t.used()+jnodeSize > t.limit {
		return none, false
	}
	t.nodes = append(t.nodes, jnode{kind: kind, first: none, last: none, next: none})
	return int32(len(t.nodes) - 1), true
}

func (t *trees) store(b []byte) (span, bool) { return storeText(t, b) }

// storeText appends b to the tree bytes.
func storeText[T text](t *trees, b T) (span, bool) {
	if t.used()+len(b) > t.limit {
		return span{}, false
	}
	s := span{uint32(len(t.bytes)), uint32(len(b))}
	t.bytes = append(t.bytes, b...)
	return s, true
}

// newHandle returns a handle to node of the document rooted at root, or
// abi.Error when every handle is live.
func (t *trees) newHandle(root, node int32) int64 {
	for i := range t.handles {
		if !t.handles[i].live {
			t.handles[i] = jhandle{root: root, node: node, live: true}
			return int64(i + 1)
		}
	}
	return abi.Error
}

// node returns the node of handle h.
func (t *trees) node(h uint64) (int32, bool) {
	if h == 0 || h > abi.MaxJSONHandles || !t.handles[h-1].live {
		return none, false
	}
	return t.handles[h-1].node, true
}

// newDoc makes a new document of one node of kind and returns its handle.
func (t *trees) newDoc(kind uint8) int64 {
	n, ok := t.newNode(kind)
	if !ok {
		return abi.Error
	}
	h := t.newHandle(n, n)
	if h < 0 {
		t.nodes = t.nodes[:n] // give the node back
	}
	return h
}

// child returns the child of container n at index i (arrays) or with key
// (objects, when key is not nil), and the child before it.
func (t *trees) member(n int32, key []byte) (prev, m int32) {
	prev = none
	for c := t.nodes[n].first; c != none; prev, c = c, t.nodes[c].next {
		t.steps++
		if string(t.nodes[c].key.of(t.bytes)) == string(key) {
			return prev, c
		}
	}
	return none, none
}

func (t *trees) element(n int32, i uint64) (prev, m int32) {
	prev = none
	c := t.nodes[n].first
	for ; c != none && i > 0; i-- {
		t.steps++
		prev, c = c, t.nodes[c].next
	}
	return prev, c
}

// appendChild links c as the last child of container n.
func (t *trees) appendChild(n, c int32) {
	if t.nodes[n].last == none {
		t.nodes[n].first = c
	} else {
		t.nodes[t.nodes[n].last].next = c
	}
	t.nodes[n].last = c
	t.nodes[n].n++
}

// replace puts c in place of child old (after prev) of container n.
func (t *trees) replace(n, prev, old, c int32) {
	t.nodes[c].next = t.nodes[old].next
	t.nodes[c].key = t.nodes[old].key
	if prev == none {
		t.nodes[n].first = c
	} else {
		t.nodes[prev].next = c
	}
	if t.nodes[n].last == old {
		t.nodes[n].last = c
	}
}

// unlink removes child m (after prev) from container n.
func (t *trees) unlink(n, prev, m int32) {
	if prev == none {
		t.nodes[n].first = t.nodes[m].next
	} else {
		t.nodes[prev].next = t.nodes[m].next
	}
	if t.nodes[n].last == m {
		t.nodes[n].last = prev
	}
	t.nodes[n].n--
}

// clone deep-copies the value of node src (not its key) into new nodes.
func (t *trees) clone(src int32) (int32, bool) {
	s := t.nodes[src]
	n, ok := t.newNode(s.kind)
	if !ok {
		return none, false
	}
	t.nodes[n].b, t.nodes[n].text = s.b, s.text // text bytes are never rewritten: share them
	for c := s.first; c != none; c = t.nodes[c].next {
		cc, ok := t.clone(c)
		if !ok {
			return none, false
		}
		t.nodes[cc].key = t.nodes[c].key
		t.appendChild(n, cc)
	}
	return n, true
}

// setValue turns node n into a scalar of kind, keeping its place in its
// container.
func (t *trees) setValue(n int32, kind uint8, b bool, text span) {
	nd := &t.nodes[n]
	nd.kind, nd.b, nd.text = kind, b, text
	nd.first, nd.last, nd.n = none, none, 0
}

// readI64 converts number node n to an int64 when it is an integer in range.
func (t *trees) readI64(n int32) (int64, bool) {
	nd := t.nodes[n]
	if nd.kind != abi.JSONNumber {
		return 0, false
	}
	lit := str(nd.text.of(t.bytes))
	if v, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return v, true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || f != math.Trunc(f) || f < -(1<<63) || f >= 1<<63 {
		return 0, false
	}
	return int64(f), true
}

// appendJSON appends the compact serialisation of node n.
func (t *trees) appendJSON(dst []byte, n int32) []byte {
	t.steps++
	nd := &t.nodes[n]
	switch nd.kind {
	case abi.JSONNull:
		return append(dst, "null"...)
	case abi.JSONBool:
		if nd.b {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case abi.JSONNumber:
		return append(dst, nd.text.of(t.bytes)...)
	case abi.JSONString:
		return appendQuoted(dst, nd.text.of(t.bytes))
	}
	open, end := byte('['), byte(']')
	if nd.kind == abi.JSONObject {
		open, end = '{', '}'
	}
	dst = append(dst, open)
	for c := nd.first; c != none; c = t.nodes[c].next {
		if c != nd.first {
			dst = append(dst, ',')
		}
		if nd.kind == abi.JSONObject {
			dst = appendQuoted(dst, t.nodes[c].key.of(t.bytes))
			dst = append(dst, ':')
		}
		dst = t.appendJSON(dst, c)
	}
	return append(dst, end)
}

const hexDigits = "0123456789abcdef"

// appendQuoted appends s (valid UTF-8) as a JSON string.
func appendQuoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i, c := range s {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// parse parses one JSON text (RFC 8259; strings must be valid UTF-8,
// nesting at most maxJSONDepth) into new nodes and returns its root. On
// failure the nodes and bytes it added are dropped.
func (t *trees) parse(in []byte) (int32, bool) {
	nn, nb := len(t.nodes), len(t.bytes)
	p := jparser{t: t, in: in}
	root, ok := p.value(0)
	if ok {
		p.space()
		ok = p.pos == len(in)
	}
	if !ok {
		t.nodes, t.bytes = t.nodes[:nn], t.bytes[:nb]
		return none, false
	}
	return root, true
}

type jparser struct {
	t   *trees
	in  []byte
	pos int
}

func (p *jparser) space() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jparser) lit(s string) bool {
	if len(p.in)-p.pos < len(s) || string(p.in[p.pos:p.pos+len(s)]) != s {
		return false
	}
	p.pos += len(s)
	return true
}

func (p *jparser) value(depth int) (int32, bool) {
	p.space()
	if p.pos >= len(p.in) || depth > maxJSONDepth {
		return none, false
	}
	switch c := p.in[p.pos]; {
	case c == '{' || c == '[':
		return p.container(depth)
	case c == '"':
		s, ok := p.str()
		if !ok {
			return none, false
		}
		n, ok := p.t.newNode(abi.JSONString)
		if ok {
			p.t.nodes[n].text = s
		}
		return n, ok
	case c == 't' || c == 'f' || c == 'n':
		kind, b := uint8(abi.JSONNull), c == 't'
		switch {
		case p.lit("true"), p.lit("false"):
			kind = abi.JSONBool
		case !p.lit("null"):
			return none, false
		}
		n, ok := p.t.newNode(kind)
		if ok {
			p.t.nodes[n].b = b
		}
		return n, ok
	case c == '-' || '0' <= c && c <= '9':
		start := p.pos
		if !p.number() {
			return none, false
		}
		s, ok := p.t.store(p.in[start:p.pos])
		if !ok {
			return none, false
		}
		n, ok := p.t.newNode(abi.JSONNumber)
		if ok {
			p.t.nodes[n].text = s
		}
		return n, ok
	}
	return none, false
}

func (p *jparser) container(depth int) (int32, bool) {
	obj := p.in[p.pos] == '{'
	end := byte(']')
	kind := uint8(abi.JSONArray)
	if obj {
		end, kind = '}', abi.JSONObject
	}
	p.pos++
	n, ok := p.t.newNode(kind)
	if !ok {
		return none, false
	}
	p.space()
	if p.pos < len(p.in) && p.in[p.pos] == end {
		p.pos++
		return n, true
	}
	for {
		var key span
		if obj {
			p.space()
			if p.pos >= len(p.in) || p.in[p.pos] != '"' {
				return none, false
			}
			if key, ok = p.str(); !ok {
				return none, false
			}
			p.space()
			if !p.lit(":") {
				return none, false
			}
		}
		c, ok := p.value(depth + 1)
		if !ok {
			return none, false
		}
		p.t.nodes[c].key = key
		p.t.appendChild(n, c)
		p.space()
		switch {
		case p.lit(","):
		case p.lit(string(end)):
			return n, true
		default:
			return none, false
		}
	}
}

func digits(in []byte, i int) int {
	for i < len(in) && '0' <= in[i] && in[i] <= '9' {
		i++
	}
	return i
}

// number scans -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *jparser) number() bool {
	i := p.pos
	if p.in[i] == '-' {
		i++
	}
	switch {
	case i < len(p.in) && p.in[i] == '0':
		i++
	case i < len(p.in) && '1' <= p.in[i] && p.in[i] <= '9':
		i = digits(p.in, i)
	default:
		return false
	}
	if i < len(p.in) && p.in[i] == '.' {
		j := digits(p.in, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(p.in) && (p.in[i] == 'e' || p.in[i] == 'E') {
		i++
		if i < len(p.in) && (p.in[i] == '+' || p.in[i] == '-') {
			i++
		}
		j := digits(p.in, i)
		if j == i {
			return false
		}
		i = j
	}
	p.pos = i
	return true
}

// str scans a string at p.pos (on '"') and stores it unescaped.
func (p *jparser) str() (span, bool) {
	t := p.t
	start := len(t.bytes)
	p.pos++
	for p.pos < len(p.in) {
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			if t.used() > t.limit {
				return span{}, false
			}
			return span{uint32(start), uint32(len(t.bytes) - start)}, true
		case c < 0x20:
			return span{}, false
		case c == '\\':
			if !p.escape() {
				return span{}, false
			}
		case c < utf8.RuneSelf:
			t.bytes = append(t.bytes, c)
			p.pos++
		default:
			r, size := utf8.DecodeRune(p.in[p.pos:])
			if r == utf8.RuneError && size == 1 {
				return span{}, false
			}
			t.bytes = append(t.bytes, p.in[p.pos:p.pos+size]...)
			p.pos += size
		}
		if t.used() > t.limit {
			return span{}, false
		}
	}
	return span{}, false
}

// escape decodes the escape at p.pos (on '\\'). Lone surrogates become
// U+FFFD, as encoding/json does.
func (p *jparser) escape() bool {
	t := p.t
	if p.pos+1 >= len(p.in) {
		return false
	}
	c := p.in[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		t.bytes = append(t.bytes, c)
	case 'b':
		t.bytes = append(t.bytes, '\b')
	case 'f':
		t.bytes = append(t.bytes, '\f')
	case 'n':
		t.bytes = append(t.bytes, '\n')
	case 'r':
		t.bytes = append(t.bytes, '\r')
	case 't':
		t.bytes = append(t.bytes, '\t')
	case 'u':
		r, ok := p.hex4()
		if !ok {
			return false
		}
		if utf16.IsSurrogate(r) {
			r2 := rune(utf8.RuneError)
			if p.pos+1 < len(p.in) && p.in[p.pos] == '\\' && p.in[p.pos+1] == 'u' {
				save := p.pos
				p.pos += 2
				if lo, ok := p.hex4(); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
					r2 = utf16.DecodeRune(r, lo)
				} else {
					p.pos = save
				}
			}
			r = r2
		}
		t.bytes = utf8.AppendRune(t.bytes, r)
	default:
		return false
	}
	return true
}

func (p *jparser) hex4() (rune, bool) {
	if len(p.in)-p.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range p.in[p.pos : p.pos+4] {
		v, ok := httpfield.Unhex(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	p.pos += 4
	return r, true
}
