package server

import (
	"sync"
	"sync/atomic"
	"testing"
)

// fakeArchive records whether it was closed, and how often.
type fakeArchive struct{ closed atomic.Int32 }

func (f *fakeArchive) Close() error { f.closed.Add(1); return nil }

func TestGenerationLifetime(t *testing.T) {
	var cur current
	a1, a2 := &fakeArchive{}, &fakeArchive{}
	g1 := newGeneration(1, "a", nil, a1)
	cur.Store(g1)

	pin := cur.Acquire()
	if pin != g1 || g1.Refs() != 2 {
		t.Fatalf("Acquire = gen %d, refs %d", pin.Seq, g1.Refs())
	}
	cur.Store(newGeneration(2, "a", nil, a2))
	if a1.closed.Load() != 0 {
		t.Fatal("generation closed while a request pins it")
	}
	if g := cur.Acquire(); g.Seq != 2 {
		t.Fatalf("new request got generation %d", g.Seq)
	} else {
		g.Release()
	}
	pin.Release()
	<-g1.Released()
	if a1.closed.Load() != 1 || a2.closed.Load() != 0 {
		t.Fatalf("closed: old %d, new %d", a1.closed.Load(), a2.closed.Load())
	}
}

// TestGenerationHammer swaps generations while goroutines pin and release
// them: a pinned generation is never closed, every replaced generation is
// closed exactly once, and the current one never.
func TestGenerationHammer(t *testing.T) {
	var cur current
	const swaps = 200
	archives := make([]*fakeArchive, swaps+1)
	gens := make([]*Generation, swaps+1)
	for i := range gens {
		archives[i] = &fakeArchive{}
		gens[i] = newGeneration(uint64(i+1), "a", nil, archives[i])
	}
	cur.Store(gens[0])

	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int32
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				g := cur.Acquire()
				if archives[g.Seq-1].closed.Load() != 0 {
					bad.Add(1)
				}
				g.Release()
			}
		}()
	}
	for _, g := range gens[1:] {
		cur.Store(g)
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d requests saw a closed generation", bad.Load())
	}
	for i, a := range archives[:swaps] {
		<-gens[i].Released()
		if a.closed.Load() != 1 {
			t.Fatalf("generation %d closed %d times", i+1, a.closed.Load())
		}
	}
	if archives[swaps].closed.Load() != 0 || gens[swaps].Refs() != 1 {
		t.Fatalf("current generation: closed %d, refs %d", archives[swaps].closed.Load(), gens[swaps].Refs())
	}
}

func TestAcquireNoAlloc(t *testing.T) {
	var cur current
	cur.Store(newGeneration(1, "a", nil, &fakeArchive{}))
	if n := testing.AllocsPerRun(1000, func() { cur.Acquire().Release() }); n != 0 {
		t.Fatalf("Acquire+Release allocate %v times", n)
	}
}
