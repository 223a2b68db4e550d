package dev

import (
	"slices"
	"time"
)

// Debouncer folds bursts of file events into one batch. A batch is due
// Quiet after its last event, but never later than Max after its first, so
// a file written continuously still gets rebuilt. It keeps no clock of its
// own: callers pass the time of each event and ask for the deadline, which
// makes it easy to test.
type Debouncer struct {
	Quiet time.Duration // wait this long after the last event
	Max   time.Duration // but no longer than this after the first

	first, last time.Time
	names       map[string]struct{}
}

// Default debounce timings: long enough to cover an editor's
// write-temp-then-rename sequence, short enough to feel instant.
const (
	DefaultQuiet = 50 * time.Millisecond
	DefaultMax   = 400 * time.Millisecond
)

// Add records an event for name at now.
func (d *Debouncer) Add(name string, now time.Time) {
	if d.names == nil {
		d.names = make(map[string]struct{})
	}
	if len(d.names) == 0 {
		d.first = now
	}
	d.last = now
	d.names[name] = struct{}{}
}

// Deadline returns when the pending batch is due; ok is false when nothing
// is pending.
func (d *Debouncer) Deadline() (due time.Time, ok bool) {
	if len(d.names) == 0 {
		return time.Time{}, false
	}
	due = d.last.Add(d.Quiet)
	if limit := d.first.Add(d.Max); d.Max > 0 && limit.Before(due) {
		due = limit
	}
	return due, true
}

// Take returns the pending names in sorted order and empties the batch.
func (d *Debouncer) Take() []string {
	out := make([]string, 0, len(d.names))
	for n := range d.names {
		out = append(out, n)
	}
	clear(d.names)
	slices.Sort(out)
	return out
}
