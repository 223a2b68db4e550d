package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// LogQueue is a slog.Handler that never blocks its caller, like AccessLog:
// records go through a bounded channel to one writer goroutine that hands
// them to the wrapped handler; when the channel is full they are dropped
// and counted, and the count is logged with the next record written. The
// event loops log refused requests and script traps; with a plain handler
// a slow stderr (a full pipe to journald) would stall a loop and every
// connection on it.
type LogQueue struct {
	h slog.Handler
	q *logQueue
}

type logQueue struct {
	base    slog.Handler // for the "dropped" line
	ch      chan queuedRecord
	done    chan struct{}
	dropped atomic.Uint64
	mu      sync.RWMutex // Handle holds it shared; Close exclusively
	closed  bool
}

type queuedRecord struct {
	h slog.Handler
	r slog.Record
}

// NewLogQueue starts the writer goroutine for h with room for size records
// in flight (0: 1024). Close stops it.
func NewLogQueue(h slog.Handler, size int) *LogQueue {
	if size <= 0 {
		size = 1024
	}
	q := &logQueue{base: h, ch: make(chan queuedRecord, size), done: make(chan struct{})}
	go q.run()
	return &LogQueue{h: h, q: q}
}

// Enabled implements slog.Handler.
func (l *LogQueue) Enabled(ctx context.Context, level slog.Level) bool {
	return l.h.Enabled(ctx, level)
}

// Handle implements slog.Handler: it queues a copy of r, or counts a drop.
// After Close records are dropped.
func (l *LogQueue) Handle(_ context.Context, r slog.Record) error {
	q := l.q
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.dropped.Add(1)
		return nil
	}
	select {
	case q.ch <- queuedRecord{l.h, r.Clone()}:
	default:
		q.dropped.Add(1)
	}
	return nil
}

// WithAttrs implements slog.Handler.
func (l *LogQueue) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &LogQueue{h: l.h.WithAttrs(attrs), q: l.q}
}

// WithGroup implements slog.Handler.
func (l *LogQueue) WithGroup(name string) slog.Handler {
	return &LogQueue{h: l.h.WithGroup(name), q: l.q}
}

// Dropped returns how many records were dropped so far.
func (l *LogQueue) Dropped() uint64 { return l.q.dropped.Load() }

// Close writes what is queued and stops the writer goroutine.
func (l *LogQueue) Close() {
	q := l.q
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.ch)
	}
	q.mu.Unlock()
	<-q.done
}

func (q *logQueue) run() {
	defer close(q.done)
	var reported uint64
	for e := range q.ch {
		e.h.Handle(context.Background(), e.r)
		reported = q.reportDropped(reported, e.r.Time)
	}
	q.reportDropped(reported, time.Now())
}

// reportDropped logs the drops since the last report.
func (q *logQueue) reportDropped(reported uint64, at time.Time) uint64 {
	n := q.dropped.Load()
	if n == reported {
		return n
	}
	r := slog.NewRecord(at, slog.LevelWarn, "log lines dropped (queue full)", 0)
	r.AddAttrs(slog.Uint64("dropped", n-reported))
	q.base.Handle(context.Background(), r)
	return n
}
