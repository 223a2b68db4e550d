package dev

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"zeroserve.dev/zeroserve/pkg/server"
)

// Live runs the real server (pkg/server: same transports, same request
// path as zeroserve) on successive in-memory archives.
//
// pkg/server opens archives by path, so each archive is handed over as a
// file in a private directory on a memory file system (/dev/shm when there
// is one) and swapped in with Server.Reload: requests in flight finish on
// the generation they started with, connections stay open. The file is
// removed as soon as the server has loaded it (the mapping outlives the
// name), and the directory by Close.
type Live struct {
	srv  *server.Server
	dir  string
	path string
	urls chan string
}

// StartLive writes the first archive and creates the server with cfg
// (cfg.Archive and cfg.Log are set here). Serve starts listening.
func StartLive(cfg server.Config, first []byte, logs io.Writer) (*Live, error) {
	dir, err := os.MkdirTemp(memDir(), "zspack-dev-")
	if err != nil {
		return nil, fmt.Errorf("archive directory: %w", err)
	}
	l := &Live{dir: dir, path: filepath.Join(dir, "site.zs.tar"), urls: make(chan string, 8)}
	if err := l.write(first); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.Archive = l.path
	cfg.Log = slog.New(&logHandler{urls: l.urls, next: slog.NewTextHandler(logs, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})})
	if l.srv, err = server.New(cfg); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	os.Remove(l.path) // mapped now; a killed process leaves only the empty directory
	return l, nil
}

// memDir is where archives are written: RAM-backed when possible.
func memDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp("/dev/shm", ".zspack-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return "/dev/shm"
		}
	}
	return os.TempDir()
}

// Serve listens and serves until ctx ends, then drains.
func (l *Live) Serve(ctx context.Context) error { return l.srv.Serve(ctx) }

// URLs delivers the URL of each listener once it is bound.
func (l *Live) URLs() <-chan string { return l.urls }

// TransportName is "io_uring" or "netpoll".
func (l *Live) TransportName() string { return l.srv.TransportName() }

// Swap makes data the served archive. On error the previous archive keeps
// serving.
func (l *Live) Swap(data []byte) error {
	if err := l.write(data); err != nil {
		return err
	}
	defer os.Remove(l.path)
	return l.srv.Reload()
}

// write replaces the archive file atomically: the generation being served
// keeps its mapping of the old file.
func (l *Live) write(data []byte) error {
	f, err := os.CreateTemp(l.dir, "next-*.tmp")
	if err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write archive: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	if err := os.Rename(f.Name(), l.path); err != nil {
		return fmt.Errorf("write archive: %w", err)
	}
	return nil
}

// Close removes the archive directory; call it after Serve returned.
func (l *Live) Close() error { return os.RemoveAll(l.dir) }

// logHandler picks the listener URLs out of the server's startup lines
// and passes warnings and errors on.
type logHandler struct {
	urls chan string
	next slog.Handler
}

func (h *logHandler) Enabled(ctx context.Context, lv slog.Level) bool {
	return lv >= slog.LevelInfo
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if rest, ok := strings.CutPrefix(r.Message, "listening on "); ok {
		url, _, _ := strings.Cut(rest, " ")
		select {
		case h.urls <- url:
		default:
		}
		return nil
	}
	if !h.next.Enabled(ctx, r.Level) {
		return nil
	}
	return h.next.Handle(ctx, r)
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{urls: h.urls, next: h.next.WithAttrs(as)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{urls: h.urls, next: h.next.WithGroup(name)}
}
