package loop

import (
	"slices"
	"testing"
	"time"
)

func TestWheel(t *testing.T) {
	const tick = 10 * time.Millisecond
	type step struct {
		set  map[int32]time.Duration // id → deadline
		stop []int32
		now  time.Duration
		want []int32 // fired at this advance, sorted
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"fires at deadline not before", []step{
			{set: map[int32]time.Duration{1: 25 * time.Millisecond}, now: 20 * time.Millisecond},
			{now: 29 * time.Millisecond},
			{now: 30 * time.Millisecond, want: []int32{1}},
			{now: time.Second},
		}},
		{"stop disarms", []step{
			{set: map[int32]time.Duration{1: 50 * time.Millisecond, 2: 50 * time.Millisecond}, stop: []int32{1}},
			{now: time.Second, want: []int32{2}},
		}},
		{"re-arm moves the deadline", []step{
			{set: map[int32]time.Duration{1: 50 * time.Millisecond}},
			{set: map[int32]time.Duration{1: 500 * time.Millisecond}, now: 100 * time.Millisecond},
			{now: 499 * time.Millisecond},
			{now: 500 * time.Millisecond, want: []int32{1}},
		}},
		{"beyond one rotation", []step{
			// 16 buckets × 10ms = 160ms per turn; 1s is several turns away.
			{set: map[int32]time.Duration{3: time.Second, 4: 100 * time.Millisecond}},
			{now: 200 * time.Millisecond, want: []int32{4}},
			{now: 990 * time.Millisecond},
			{now: 1010 * time.Millisecond, want: []int32{3}},
		}},
		{"long jump visits every bucket", []step{
			{set: map[int32]time.Duration{0: 30 * time.Millisecond, 5: 70 * time.Millisecond, 6: 150 * time.Millisecond}},
			{now: 10 * time.Second, want: []int32{0, 5, 6}},
		}},
		{"past deadline fires on next tick", []step{
			{now: 100 * time.Millisecond},
			{set: map[int32]time.Duration{2: 50 * time.Millisecond}, now: 100 * time.Millisecond},
			{now: 110 * time.Millisecond, want: []int32{2}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWheel(16, tick)
			w.grow(8)
			for i, s := range tt.steps {
				for id, at := range s.set {
					w.set(id, at)
				}
				for _, id := range s.stop {
					w.stop(id)
				}
				got := w.advance(s.now, nil)
				slices.Sort(got)
				if !slices.Equal(got, s.want) {
					t.Fatalf("step %d: fired %v, want %v", i, got, s.want)
				}
			}
		})
	}
}

func TestWheelNextDue(t *testing.T) {
	w := newWheel(16, 10*time.Millisecond)
	w.grow(4)
	if _, ok := w.nextDue(); ok {
		t.Fatal("empty wheel has a deadline")
	}
	w.set(1, 95*time.Millisecond)
	w.set(2, 35*time.Millisecond)
	if d, _ := w.nextDue(); d != 40*time.Millisecond {
		t.Fatalf("next %v", d)
	}
	w.advance(40*time.Millisecond, nil)
	if d, _ := w.nextDue(); d != 100*time.Millisecond {
		t.Fatalf("next after fire %v", d)
	}
}

func TestWheelNoAlloc(t *testing.T) {
	w := newWheel(64, time.Millisecond)
	w.grow(100)
	dst := make([]int32, 0, 100)
	now := time.Duration(0)
	allocs := testing.AllocsPerRun(100, func() {
		for id := int32(0); id < 100; id++ {
			w.set(id, now+time.Duration(id)*time.Millisecond)
		}
		now += 200 * time.Millisecond
		dst = w.advance(now, dst[:0])
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run", allocs)
	}
}

func TestUserData(t *testing.T) {
	tests := []struct {
		o    op
		gen  uint32
		slot uint32
	}{{opRecv, 0, 0}, {opSend, genMask, 1<<32 - 1}, {opAccept, 12345, 3}}
	for _, tt := range tests {
		o, g, s := unpack(pack(tt.o, tt.gen, tt.slot))
		if o != tt.o || g != tt.gen || s != tt.slot {
			t.Errorf("round trip %v → %v %v %v", tt, o, g, s)
		}
	}
	if _, g, _ := unpack(pack(opRecv, genMask+1, 0)); g != 0 {
		t.Errorf("generation not masked: %d", g)
	}
}
