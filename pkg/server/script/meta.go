package script

// Metadata limits of one request.
const (
	MaxMetaEntries = 128
	MaxMetaBytes   = 64 << 10
)

// ResponseHeaderPrefix starts the metadata keys that become response
// header fields: zs.response.header.<name>.
const ResponseHeaderPrefix = "zs.response.header."

type metaEntry struct{ key, value span }

// Meta is the request's metadata: a string map shared by every script of
// the chain, in insertion order. Keys and values live in one buffer that is
// reset (not reallocated) between requests; replaced values leave garbage
// that is compacted when the buffer would exceed MaxMetaBytes.
type Meta struct {
	list []metaEntry
	buf  []byte
	tmp  []byte // compaction target, swapped with buf
	// moved counts the bytes compactions copied since the last takeMoved:
	// host work zs_meta_set charges.
	moved int
}

func (m *Meta) takeMoved() int {
	n := m.moved
	m.moved = 0
	return n
}

func (m *Meta) reset() {
	m.list = m.list[:0]
	m.buf = m.buf[:0]
	m.moved = 0
}

// Len returns the number of keys.
func (m *Meta) Len() int {
	if m == nil {
		return 0
	}
	return len(m.list)
}

// At returns entry i in insertion order; the slices are valid until the next
// change.
func (m *Meta) At(i int) (key, value []byte) {
	e := m.list[i]
	return e.key.of(m.buf), e.value.of(m.buf)
}

func (m *Meta) find(key []byte) int {
	for i, e := range m.list {
		if string(e.key.of(m.buf)) == string(key) {
			return i
		}
	}
	return -1
}

// Get returns the value of key and whether it is set.
func (m *Meta) Get(key []byte) ([]byte, bool) {
	if m == nil {
		return nil, false
	}
	if i := m.find(key); i >= 0 {
		return m.list[i].value.of(m.buf), true
	}
	return nil, false
}

// Set sets key to value; an empty value removes the key. It reports false
// (and changes nothing) when the key is empty or a limit would be exceeded.
func (m *Meta) Set(key, value []byte) bool {
	if len(key) == 0 {
		return false
	}
	i := m.find(key)
	if len(value) == 0 {
		if i >= 0 {
			m.list = append(m.list[:i], m.list[i+1:]...)
		}
		return true
	}
	if i < 0 && len(m.list) >= MaxMetaEntries {
		return false
	}
	need := len(value)
	if i < 0 {
		need += len(key)
	}
	if len(m.buf)+need > MaxMetaBytes {
		if m.live(i)+need > MaxMetaBytes {
			return false // before compacting: it drops the value of i
		}
		m.compact(i)
	}
	v := m.store(value)
	if i >= 0 {
		m.list[i].value = v
		return true
	}
	k := m.store(key)
	m.list = append(m.list, metaEntry{k, v})
	return true
}

func (m *Meta) store(b []byte) span {
	s := span{uint32(len(m.buf)), uint32(len(b))}
	m.buf = append(m.buf, b...)
	return s
}

// live returns the bytes of the live keys and values, without the value of
// entry skip.
func (m *Meta) live(skip int) int {
	n := 0
	for i, e := range m.list {
		n += int(e.key.n)
		if i != skip {
			n += int(e.value.n)
		}
	}
	return n
}

// compact rewrites the live keys and values (except the value of entry skip,
// about to be replaced) into a fresh buffer.
func (m *Meta) compact(skip int) {
	out := m.tmp[:0]
	for i := range m.list {
		e := &m.list[i]
		k := span{uint32(len(out)), e.key.n}
		out = append(out, e.key.of(m.buf)...)
		v := span{}
		if i != skip {
			v = span{uint32(len(out)), e.value.n}
			out = append(out, e.value.of(m.buf)...)
		}
		e.key, e.value = k, v
	}
	m.tmp, m.buf = m.buf[:0], out
	m.moved += len(out)
}
