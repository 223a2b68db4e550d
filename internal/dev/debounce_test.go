package dev

import (
	"slices"
	"testing"
	"time"
)

func TestDebouncer(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	type ev struct {
		at   int
		name string
	}
	tests := []struct {
		name    string
		events  []ev
		wantDue int // ms after t0
	}{
		{"single", []ev{{0, "a"}}, 50},
		{"burst", []ev{{0, "a.swp"}, {10, "a"}, {20, "a~"}, {30, "a"}}, 80},
		{"capped", []ev{{0, "a"}, {40, "a"}, {80, "a"}, {120, "a"}, {160, "a"}, {200, "a"}, {240, "a"}, {280, "a"}, {320, "a"}, {360, "a"}, {390, "a"}}, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Debouncer{Quiet: 50 * time.Millisecond, Max: 400 * time.Millisecond}
			if _, ok := d.Deadline(); ok {
				t.Fatal("deadline before any event")
			}
			want := map[string]bool{}
			for _, e := range tt.events {
				d.Add(e.name, ms(e.at))
				want[e.name] = true
			}
			due, ok := d.Deadline()
			if !ok || !due.Equal(ms(tt.wantDue)) {
				t.Fatalf("Deadline() = %v, %v; want +%dms", due.Sub(t0), ok, tt.wantDue)
			}
			got := d.Take()
			if len(got) != len(want) || !slices.IsSorted(got) {
				t.Fatalf("Take() = %v, want the %d distinct names sorted", got, len(want))
			}
			if _, ok := d.Deadline(); ok {
				t.Fatal("deadline after Take")
			}
			// A new batch starts its own window.
			d.Add("b", ms(1000))
			if due, _ := d.Deadline(); !due.Equal(ms(1050)) {
				t.Fatalf("second batch due %v, want +1050ms", due.Sub(t0))
			}
		})
	}
}
