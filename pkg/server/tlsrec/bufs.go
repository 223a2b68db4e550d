package tlsrec

import "sync"

// Buffers. A Conn borrows its output buffer (sealed records), its
// plaintext staging buffer and, on TLS 1.2, its read buffer from pools of
// its Config while it has bytes in them, and gives them back as soon as
// they are empty: an idle keep-alive connection holds none of them (with
// per-connection buffers, 1,000 idle connections that once sent a large
// response kept ~64 MB).
//
// The pools are sync.Pools of boxed slices (*[]byte, so Put does not
// allocate). sync.Pool caches per P, which for the io_uring transport is
// per event loop: the request path takes no lock, and what stays cached is
// bounded by how many connections were busy at once, not by how many are
// open. A busy connection gets the same buffer back from its P's cache on
// every response, so steady state allocates nothing.

// smallOut is the capacity of the output buffers for flushes that fit
// (most responses to small requests); larger flushes take a buffer of
// Options.RecordsPerFlush full records.
const smallOut = 4 << 10

// bufPool recycles empty buffers of one capacity.
type bufPool struct {
	size int
	p    sync.Pool
}

// get returns a box holding an empty slice with capacity size.
func (p *bufPool) get() *[]byte {
	if box, ok := p.p.Get().(*[]byte); ok {
		return box
	}
	b := make([]byte, 0, p.size)
	return &b
}

// put returns b (which must not be referenced any more) in box; a slice
// that was reallocated to another capacity is left to the GC.
func (p *bufPool) put(box *[]byte, b []byte) {
	if box == nil || cap(b) != p.size {
		return
	}
	*box = b[:0]
	p.p.Put(box)
}

// pools are the buffer pools of one Config.
type pools struct {
	outSmall, outLarge bufPool // sealed output
	plain              bufPool // plaintext the inner connection left (MaxBuffered)
	read               bufPool // TLS 1.2 tls.Conn.Read target (maxPlaintext)
}

func (ps *pools) init(o *Options) {
	ps.outSmall.size = smallOut
	ps.outLarge.size = o.RecordsPerFlush*(headerLen+maxOverhead) + o.RecordsPerFlush*maxPlaintext + closeRoom
	ps.plain.size = o.MaxBuffered
	ps.read.size = maxPlaintext
}

// closeRoom is reserved after the data records of a flush so that a
// close_notify sealed in the same flush does not reallocate.
const closeRoom = headerLen + 2 + maxOverhead

// outPool returns the pool whose buffers hold n bytes, or nil.
func (ps *pools) outPool(n int) *bufPool {
	switch {
	case n <= ps.outSmall.size:
		return &ps.outSmall
	case n <= ps.outLarge.size:
		return &ps.outLarge
	}
	return nil
}

// reserve makes room for n more output bytes, borrowing a pooled buffer
// when the output buffer is empty.
func (c *Conn) reserve(n int) {
	if cap(c.wbuf)-len(c.wbuf) >= n {
		return
	}
	if len(c.wbuf) == 0 {
		c.releaseOut()
		if p := c.cfg.pools.outPool(n); p != nil {
			c.wbox, c.wpool = p.get(), p
			c.wbuf = *c.wbox
			return
		}
	}
	c.wbuf = growCap(c.wbuf, n)
}

// releaseOut gives the output buffer back; everything in it was sent.
func (c *Conn) releaseOut() {
	if c.wpool != nil {
		c.wpool.put(c.wbox, c.wbuf)
	}
	c.wbuf, c.wbox, c.wpool, c.wsent = nil, nil, nil, 0
	c.batches, c.bi = c.batches[:0], 0
}

// stagePlain appends pt to the plaintext staging buffer, borrowing one.
func (c *Conn) stagePlain(pt []byte) {
	if c.plain == nil {
		c.pbox = c.cfg.pools.plain.get()
		c.plain = *c.pbox
	}
	c.plain = append(c.plain, pt...)
}

// releasePlain drops the staged plaintext and gives the buffer back.
func (c *Conn) releasePlain() {
	if c.pbox != nil {
		c.cfg.pools.plain.put(c.pbox, c.plain)
	}
	c.plain, c.pbox = nil, nil
}
