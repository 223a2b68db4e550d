package server

import (
	"io"
	"sync/atomic"
	"time"
)

// Generation is one loaded archive and everything derived from it. It is
// immutable once built; requests reach it through Acquire and give it back
// with Release.
//
// Reference counting: the current pointer holds one reference and every pin
// one more. When the count reaches zero the generation is no longer current
// and nothing points into its mapping, so its resources are closed. A count
// of zero is final: Acquire never revives a released generation.
type Generation struct {
	// Seq numbers generations from 1 in load order.
	Seq uint64
	// Path is the archive file the generation was loaded from.
	Path string
	// Loaded is when loading finished.
	Loaded time.Time
	// Site serves requests from the archive.
	Site *Site

	refs     atomic.Int64
	closer   io.Closer // the archive mapping
	released chan struct{}
}

// newGeneration returns a generation with the reference that its holder
// (the current pointer) owns.
func newGeneration(seq uint64, path string, site *Site, closer io.Closer) *Generation {
	g := &Generation{Seq: seq, Path: path, Loaded: time.Now(), Site: site, closer: closer,
		released: make(chan struct{})}
	g.refs.Store(1)
	return g
}

// Release drops one reference; the last one closes the archive.
func (g *Generation) Release() {
	switch n := g.refs.Add(-1); {
	case n == 0:
		if g.closer != nil {
			g.closer.Close()
		}
		close(g.released)
	case n < 0:
		panic("BUG: Generation released more often than acquired")
	}
}

// Released is closed once the generation's archive has been closed.
func (g *Generation) Released() <-chan struct{} { return g.released }

// Refs returns the current reference count (for tests and diagnostics).
func (g *Generation) Refs() int64 { return g.refs.Load() }

// current holds the generation new requests start on.
type current struct {
	p atomic.Pointer[Generation]
}

// Acquire pins and returns the current generation. It never blocks and
// never allocates; it returns nil only before the first Store.
func (c *current) Acquire() *Generation {
	for {
		g := c.p.Load()
		if g == nil {
			return nil
		}
		n := g.refs.Load()
		if n > 0 && g.refs.CompareAndSwap(n, n+1) {
			return g
		}
		// n == 0: g was swapped out and released after our Load; the
		// pointer already holds its successor. Otherwise a race on the
		// count: retry.
	}
}

// Load returns the current generation without pinning it.
func (c *current) Load() *Generation { return c.p.Load() }

// Store makes g current and drops the holder's reference on the previous
// generation, which is closed as soon as its last pin is released.
func (c *current) Store(g *Generation) {
	if old := c.p.Swap(g); old != nil {
		old.Release()
	}
}
