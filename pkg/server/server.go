package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/netpoll"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// Config is what to serve and how. Zero values take the documented defaults.
type Config struct {
	// Archive is the path of the site archive; Reload reopens it.
	Archive string
	// Listeners accept the connections (see Listen). Serve closes them.
	Listeners []net.Listener
	// Workers is the number of event loops (default runtime.NumCPU()).
	Workers int
	// Transport is "uring", "netpoll" or "auto" (default): io_uring when
	// the kernel allows it, else netpoll with a log line.
	Transport string

	// Index is the file served for a directory (default "index.html").
	Index string
	// TryHTML also looks up "<path>.html" for a path that does not exist.
	TryHTML bool

	// MaxHeaderBytes bounds the request header section (default 16 KiB, 431).
	MaxHeaderBytes int
	// MaxBodyBytes bounds a request body (default 1 MiB, 413).
	MaxBodyBytes int64
	// HeaderTimeout bounds reading a request head once its first byte
	// arrived (default 10 s, 408).
	HeaderTimeout time.Duration
	// BodyTimeout bounds the wait for the next body bytes (default 60 s, 408).
	BodyTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that sends no new request
	// (default 75 s, closed silently).
	IdleTimeout time.Duration
	// WriteTimeout bounds sending one response, from its first byte to its
	// last (default 60 s, then the connection is closed).
	WriteTimeout time.Duration
	// DrainTimeout bounds the graceful shutdown (default 10 s).
	DrainTimeout time.Duration

	// Log receives startup, reload and error lines (default slog.Default()).
	Log *slog.Logger
	// AccessLog, when set, receives one record per request.
	AccessLog *AccessLog
	// Now is the clock (default time.Now); tests inject their own.
	Now func() time.Time
}

// Defaults.
const (
	DefaultIndex         = "index.html"
	DefaultHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout   = 60 * time.Second
	DefaultIdleTimeout   = 75 * time.Second
	DefaultWriteTimeout  = 60 * time.Second
	DefaultDrainTimeout  = 10 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Workers <= 0 {
		c.Workers = runtime.NumCPU()
	}
	if c.Transport == "" {
		c.Transport = "auto"
	}
	if c.Index == "" {
		c.Index = DefaultIndex
	}
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&c.HeaderTimeout, DefaultHeaderTimeout)
	set(&c.BodyTimeout, DefaultBodyTimeout)
	set(&c.IdleTimeout, DefaultIdleTimeout)
	set(&c.WriteTimeout, DefaultWriteTimeout)
	set(&c.DrainTimeout, DefaultDrainTimeout)
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Transport runs listeners and drives connections: the io_uring loops or
// netpoll. Both run the same Conn.
type Transport interface {
	// Serve accepts on ln until Shutdown.
	Serve(ln net.Listener, f transport.Factory) error
	// Shutdown stops accepting, drains every connection and waits for them
	// until ctx ends, then closes what is left.
	Shutdown(ctx context.Context) error
}

// Server serves one archive at a time on its listeners.
type Server struct {
	cfg  Config
	cur  current
	opts connOptions

	reloadMu sync.Mutex
	seq      uint64

	tr     Transport
	trName string
}

// New loads the archive as the first generation and chooses the transport.
// It does not listen yet; Serve does.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg}
	s.opts = newConnOptions(&cfg)
	g, err := s.load()
	if err != nil {
		return nil, err
	}
	s.cur.Store(g)
	tr, name, err := s.chooseTransport()
	if err != nil {
		s.cur.Load().Release()
		return nil, err
	}
	s.tr, s.trName = tr, name
	return s, nil
}

// TransportName is "io_uring" or "netpoll".
func (s *Server) TransportName() string { return s.trName }

// Current returns the generation new requests start on (not pinned).
func (s *Server) Current() *Generation { return s.cur.Load() }

// load opens the archive as the next generation.
func (s *Server) load() (*Generation, error) {
	site, closer, err := openSite(s.cfg.Archive, s.opts.site)
	if err != nil {
		return nil, err
	}
	s.seq++
	return newGeneration(s.seq, s.cfg.Archive, site, closer), nil
}

// Reload opens the archive again and makes it current. On any error the
// current generation keeps serving and the error is returned (and logged).
// Requests in flight finish on the generation they started with.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	g, err := s.load()
	if err != nil {
		s.cfg.Log.Error("reload failed; still serving the previous archive",
			"archive", s.cfg.Archive, "generation", s.cur.Load().Seq, "err", err)
		return fmt.Errorf("reload: %w", err)
	}
	s.cur.Store(g)
	s.cfg.Log.Info("reloaded", "archive", s.cfg.Archive, "generation", g.Seq,
		"took", time.Since(start).Round(time.Microsecond))
	return nil
}

// Serve accepts connections on every listener until ctx ends, then drains:
// listeners close, idle connections close, requests in flight finish, and
// after DrainTimeout whatever is left is closed. It returns nil after an
// orderly drain, or the first listener error.
func (s *Server) Serve(ctx context.Context) error {
	cfg := s.cfg
	if len(cfg.Listeners) == 0 {
		return errors.New("serve: no listeners")
	}
	errc := make(chan error, len(cfg.Listeners))
	for _, ln := range cfg.Listeners {
		go func() { errc <- s.tr.Serve(ln, s.newConn) }()
	}
	for _, ln := range cfg.Listeners {
		cfg.Log.Info(fmt.Sprintf("listening on %s (%d workers, %s)", ListenerURL(ln), cfg.Workers, s.trName))
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		cfg.Log.Error("listener failed", "err", serveErr)
	}
	cfg.Log.Info("draining", "timeout", cfg.DrainTimeout)
	dctx, cancel := context.WithTimeout(context.Background(), cfg.DrainTimeout)
	defer cancel()
	if err := s.tr.Shutdown(dctx); err != nil {
		cfg.Log.Warn("drain deadline passed; closed remaining connections")
	} else {
		cfg.Log.Info("drained")
	}
	for _, ln := range cfg.Listeners {
		ln.Close()
	}
	s.cur.Store(nil)
	return serveErr
}

// chooseTransport applies Config.Transport.
func (s *Server) chooseTransport() (Transport, string, error) {
	switch s.cfg.Transport {
	case "netpoll":
		return s.netpoll(), "netpoll", nil
	case "uring", "auto":
		tr, err := newUring(s.cfg.Workers, s.cfg.Log)
		if err == nil {
			return tr, "io_uring", nil
		}
		if s.cfg.Transport == "uring" {
			return nil, "", fmt.Errorf("transport uring: %w", err)
		}
		s.cfg.Log.Warn("io_uring unavailable, using the portable netpoll transport", "reason", err)
		return s.netpoll(), "netpoll", nil
	}
	return nil, "", fmt.Errorf("unknown transport %q (want uring, netpoll or auto)", s.cfg.Transport)
}

func (s *Server) netpoll() Transport {
	return netpoll.New(netpoll.Options{Workers: s.cfg.Workers, ReadBuffer: 16 << 10})
}
