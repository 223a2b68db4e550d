package loop

import "time"

// wheel is a hashed timer wheel keyed by connection slot. Time is the loop's
// monotonic clock (a Duration since the worker started), cut into ticks; an
// entry fires on the first advance at or after its deadline's tick (never
// early, at most one tick late). Set, stop and advance are O(1) per entry
// touched; nothing allocates after newWheel.
type wheel struct {
	tick     time.Duration
	cur      int64   // last tick processed
	mask     int64   // len(buckets)-1
	buckets  []int32 // first entry per bucket, -1 when empty
	next     []int32
	prev     []int32
	due      []int64 // deadline tick, -1 when not armed
	count    int
	earliest int64 // no armed entry is due before this tick
}

func newWheel(buckets int, tick time.Duration) *wheel {
	w := &wheel{tick: tick, mask: int64(buckets - 1), buckets: make([]int32, buckets)}
	for i := range w.buckets {
		w.buckets[i] = -1
	}
	w.earliest = 1<<63 - 1
	return w
}

// grow makes room for ids below n.
func (w *wheel) grow(n int) {
	for len(w.due) < n {
		w.next = append(w.next, -1)
		w.prev = append(w.prev, -1)
		w.due = append(w.due, -1)
	}
}

// set arms (or re-arms) id to fire at time at.
func (w *wheel) set(id int32, at time.Duration) {
	t := int64((at + w.tick - 1) / w.tick)
	if t <= w.cur {
		t = w.cur + 1
	}
	if w.due[id] == t {
		return
	}
	w.stop(id)
	b := t & w.mask
	w.due[id] = t
	w.prev[id] = -1
	w.next[id] = w.buckets[b]
	if h := w.buckets[b]; h >= 0 {
		w.prev[h] = id
	}
	w.buckets[b] = id
	w.count++
	if t < w.earliest {
		w.earliest = t
	}
}

// stop disarms id; it is a no-op when id is not armed.
func (w *wheel) stop(id int32) {
	if w.due[id] < 0 {
		return
	}
	if p := w.prev[id]; p >= 0 {
		w.next[p] = w.next[id]
	} else {
		w.buckets[w.due[id]&w.mask] = w.next[id]
	}
	if n := w.next[id]; n >= 0 {
		w.prev[n] = w.prev[id]
	}
	w.due[id] = -1
	w.count--
}

// advance moves the wheel to time now and appends the ids whose deadline
// passed to dst (they are disarmed).
func (w *wheel) advance(now time.Duration, dst []int32) []int32 {
	target := int64(now / w.tick)
	if target <= w.cur {
		return dst
	}
	from := w.cur + 1
	if target-from > w.mask {
		from = target - w.mask // one full turn visits every bucket
	}
	w.cur = target
	if w.count == 0 || target < w.earliest {
		return dst
	}
	for t := from; t <= target; t++ {
		for id := w.buckets[t&w.mask]; id >= 0; {
			nx := w.next[id]
			if w.due[id] <= target {
				w.stop(id)
				dst = append(dst, id)
			}
			id = nx
		}
	}
	w.earliest = w.scan()
	return dst
}

// scan finds the earliest armed deadline tick (or +inf).
func (w *wheel) scan() int64 {
	best := int64(1<<63 - 1)
	if w.count == 0 {
		return best
	}
	for t := w.cur + 1; t <= w.cur+w.mask+1; t++ {
		for id := w.buckets[t&w.mask]; id >= 0; id = w.next[id] {
			if w.due[id] < best {
				best = w.due[id]
			}
		}
		if best <= t {
			break // nothing in later buckets can be earlier
		}
	}
	return best
}

// next returns the time of the earliest deadline, and false when nothing is
// armed. It may be earlier than the real deadline (after a stop), never later.
func (w *wheel) nextDue() (time.Duration, bool) {
	if w.count == 0 {
		return 0, false
	}
	return time.Duration(w.earliest) * w.tick, true
}
