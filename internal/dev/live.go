package dev

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server"
)

// Live runs the real server (pkg/server: same transports, same request
// path as zeroserve) on successive in-memory archives. Each one is opened
// with archive.OpenBytes and swapped in with Server.Swap: no file is
// written, requests in flight finish on the generation they started with,
// connections stay open. With a Hub, the server answers its endpoints
// (the event stream and the client script).
type Live struct {
	srv  *server.Server
	logs *server.LogQueue // the server's log, written off the loops

	mu     sync.Mutex
	latest []byte // the archive being served: Config.Open reopens it
}

// StartLive creates the server with cfg on the first archive (cfg.Archive,
// cfg.Open, cfg.Endpoint and cfg.Log are set here); Serve starts listening.
// The server's warnings and errors go to logs. hub may be nil (no live
// reload).
func StartLive(cfg server.Config, first []byte, logs io.Writer, hub *Hub) (*Live, error) {
	l := &Live{latest: first}
	cfg.Archive = ""
	cfg.Open = l.open
	cfg.Endpoint = nil
	if hub != nil {
		cfg.Endpoint = hub.Endpoint
		// HTML files get the live-reload tag at build time (Builder);
		// HTML that scripts produce gets it as it is sent.
		cfg.ScriptHTML = func(body []byte) []byte { return Inject(body, Snippet(hub.Status().Build)) }
	}
	l.logs = server.NewLogQueue(slog.NewTextHandler(logs, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}), 0)
	cfg.Log = slog.New(l.logs)
	srv, err := server.New(cfg)
	if err != nil {
		l.logs.Close()
		return nil, err
	}
	l.srv = srv
	return l, nil
}

// open is the server's Config.Open: the archive last swapped in.
func (l *Live) open() (*archive.Reader, error) {
	l.mu.Lock()
	b := l.latest
	l.mu.Unlock()
	return archive.OpenBytes(b)
}

// Serve listens and serves until ctx ends, then drains (event streams
// end, open pages reconnect to whatever serves next).
// The server's log is flushed before it returns.
func (l *Live) Serve(ctx context.Context) error {
	defer l.logs.Close()
	return l.srv.Serve(ctx)
}

// Ready is closed once Serve listens; URLs is then set.
func (l *Live) Ready() <-chan struct{} { return l.srv.Ready() }

// URLs are the bound listeners, "http://127.0.0.1:8080".
func (l *Live) URLs() []string { return l.srv.URLs() }

// TransportName is "io_uring" or "netpoll".
func (l *Live) TransportName() string { return l.srv.TransportName() }

// Swap makes data the served archive. On error the previous archive keeps
// serving.
func (l *Live) Swap(data []byte) error {
	r, err := archive.OpenBytes(data)
	if err != nil {
		return fmt.Errorf("swap: %w", err)
	}
	if err := l.srv.Swap(r); err != nil {
		return err
	}
	l.mu.Lock()
	l.latest = data
	l.mu.Unlock()
	return nil
}
