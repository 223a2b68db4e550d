package server

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// gateWriter blocks every Write until open is closed.
type gateWriter struct {
	open chan struct{}
	mu   sync.Mutex
	buf  bytes.Buffer
}

func (w *gateWriter) Write(p []byte) (int, error) {
	<-w.open
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestLogQueueNeverBlocks: with the output stuck, logging still returns;
// what does not fit is counted and reported once the output moves.
func TestLogQueueNeverBlocks(t *testing.T) {
	w := &gateWriter{open: make(chan struct{})}
	q := NewLogQueue(slog.NewTextHandler(w, nil), 4)
	log := slog.New(q).With("worker", 1)
	// The writer takes at most one record out and blocks on it; four more
	// fit in the queue; the rest must be dropped, not waited for.
	for i := range 20 {
		log.Warn("request refused", "i", i)
	}
	if d := q.Dropped(); d < 20-5 || d > 20-4 {
		t.Fatalf("dropped %d of 20 with a queue of 4", d)
	}
	close(w.open)
	q.Close()
	out := w.buf.String()
	if n := strings.Count(out, "request refused"); uint64(n)+q.Dropped() != 20 {
		t.Errorf("%d lines written + %d dropped != 20:\n%s", n, q.Dropped(), out)
	}
	if !strings.Contains(out, "worker=1") {
		t.Errorf("attributes lost:\n%s", out)
	}
	if !strings.Contains(out, "log lines dropped") {
		t.Errorf("drops not reported:\n%s", out)
	}
	log.Warn("after close") // dropped, no panic
	if strings.Contains(w.buf.String(), "after close") {
		t.Error("a record logged after Close was written")
	}
}
