package server

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// TestServeStops: when Serve returns, its last generation is released, and
// a Reload or Swap after that fails instead of loading a generation that
// nothing would ever release; Serve does not start again.
func TestServeStops(t *testing.T) {
	b := packedBytes(t, "index")
	s, err := New(Config{
		Open:      func() (*archive.Reader, error) { return archive.OpenBytes(b) },
		Addrs:     []string{"127.0.0.1:0"},
		Transport: "netpoll",
		Log:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	g := s.Current()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Serve(ctx); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	select {
	case <-g.Released():
	default:
		t.Fatal("the generation is not released after Serve returned")
	}
	if err := s.Reload(); !errors.Is(err, errStopped) {
		t.Errorf("Reload after Serve: %v, want errStopped", err)
	}
	r, err := archive.OpenBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Swap(r); !errors.Is(err, errStopped) {
		t.Errorf("Swap after Serve: %v, want errStopped", err)
	}
	if s.Current() != nil {
		t.Errorf("a generation is current after Serve returned")
	}
	if err := s.Serve(context.Background()); !errors.Is(err, errStopped) {
		t.Errorf("Serve again: %v, want errStopped", err)
	}
}
