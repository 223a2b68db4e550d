package server

import (
	"io"
	"sync"
	"sync/atomic"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/script"
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
	// Scripts is the site's request chain, loaded and verified; nil when
	// the archive has no script with a request entry.
	Scripts *script.Set

	// runners holds one script.Runner per worker, created lazily on the
	// worker's loop and closed when the generation is released.
	runners []runnerSlot

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

// runnerSlot is the script.Runner of one worker index. On the io_uring
// loop a worker index is one goroutine and mu is never taken; under
// netpoll several connection goroutines share an index and every call into
// the Runner holds mu (shared is set).
type runnerSlot struct {
	mu     sync.Mutex
	r      *script.Runner
	shared bool
	_      [64]byte // keep workers' slots on separate cache lines
}

func (s *runnerSlot) lock() {
	if s.shared {
		s.mu.Lock()
	}
}

func (s *runnerSlot) unlock() {
	if s.shared {
		s.mu.Unlock()
	}
}

// setScripts attaches a loaded chain, with room for workers runners. shared
// says that several goroutines use one worker index (netpoll).
func (g *Generation) setScripts(set *script.Set, workers int, shared bool) {
	g.Scripts = set
	g.runners = make([]runnerSlot, max(workers, 1))
	for i := range g.runners {
		g.runners[i].shared = shared
	}
}

// runnerSlot returns the Runner slot of worker, or nil when the site has
// no scripts. The Runner is created by the first request of that worker;
// call it with the slot locked.
func (g *Generation) runnerSlot(worker int) *runnerSlot {
	if g.Scripts == nil {
		return nil
	}
	s := &g.runners[uint(worker)%uint(len(g.runners))]
	return s
}

// runner returns the slot's Runner, creating it; the slot must be locked.
func (s *runnerSlot) runner(g *Generation) *script.Runner {
	if s.r == nil {
		s.r = g.Scripts.NewRunner()
	}
	return s.r
}

// Release drops one reference; the last one closes the runners and the
// archive.
func (g *Generation) Release() {
	switch n := g.refs.Add(-1); {
	case n == 0:
		for i := range g.runners {
			if r := g.runners[i].r; r != nil {
				r.Close() // every Context went back before its pin
				g.runners[i].r = nil
			}
		}
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
