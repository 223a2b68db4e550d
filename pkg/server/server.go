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

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server/certs"
	"zeroserve.dev/zeroserve/pkg/server/http2"
	"zeroserve.dev/zeroserve/pkg/server/netpoll"
	"zeroserve.dev/zeroserve/pkg/server/script"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// Config is what to serve and how. Zero values take the documented defaults.
type Config struct {
	// Archive is the path of the site archive; Reload reopens it.
	Archive string
	// Open, when set, opens the archive instead (New and Reload call it;
	// Archive then only names it in log lines). See also Server.Swap.
	Open func() (*archive.Reader, error)
	// Endpoint, when set, answers requests under EndpointPrefix (HTTP/1.1
	// and HTTP/2) before scripts and static serving, with a response or a
	// stream (see endpoint.go). Nil: no endpoints, nothing on the request
	// path.
	Endpoint func(*EndpointRequest) Endpoint
	// ScriptHTML, when set, rewrites the body of every script response
	// whose Content-Type is text/html (zspack dev injects its live-reload
	// tag this way); Content-Length follows, and the result is copied
	// before it is sent. Nil: off, nothing on the request path.
	ScriptHTML func(body []byte) []byte
	// Addrs are where to listen: "host:port" (port 0 picks a free port) or
	// "fd:N" (an inherited listening socket). Sockets passed by systemd
	// socket activation are added. Default: DefaultAddr.
	Addrs []string
	// Getenv reads LISTEN_FDS and LISTEN_PID (default: no systemd sockets).
	Getenv func(string) string
	// Workers is the number of event loops (default runtime.NumCPU()).
	Workers int
	// Transport is "uring", "netpoll" or "auto" (default): io_uring when
	// the kernel allows it, else netpoll with a log line.
	Transport string

	// TLSAddrs are where to listen for HTTPS, like Addrs. With TLSAddrs
	// and no Addrs, no plain listener is opened (unless systemd passes
	// sockets). See tls.go.
	TLSAddrs []string
	// CertFile and KeyFile are one certificate chain and its key; CertDir
	// is a directory of PEM files (SNI selection). One of the two is
	// needed with TLSAddrs. SIGHUP (Reload) reads them again.
	CertFile, KeyFile string
	CertDir           string
	// TLSMinVersion is tls.VersionTLS12 (default) or tls.VersionTLS13.
	TLSMinVersion uint16
	// ValidateHostnames answers 421 on TLS connections whose request host
	// (Host, :authority) matches no certificate name.
	ValidateHostnames bool

	// DisableHTTP2 turns HTTP/2 off: no "h2" in ALPN and no h2c prior
	// knowledge on plain listeners.
	DisableHTTP2 bool
	// H2StreamWindow, H2ConnWindow and H2MaxStreams are the HTTP/2
	// receive windows and stream limit advertised (defaults: package
	// http2's Config).
	H2StreamWindow uint32
	H2ConnWindow   uint32
	H2MaxStreams   uint32

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

	// ScriptBudget is the hard instruction limit of one script run: over
	// it the request gets 503 (default script.DefaultBudget).
	ScriptBudget uint64
	// ScriptSlice is how many instructions a script runs before it yields
	// to the other connections of its worker (default script.DefaultSlice).
	ScriptSlice uint64
	// ScriptWallLimit bounds a request's script chain in wall-clock time,
	// yields included (default script.DefaultWallLimit; negative: none).
	ScriptWallLimit time.Duration
	// EnvAllow lists environment variables zs_env_get may read in addition
	// to ZEROSERVE_ENV_*: exact names or NAME* prefixes.
	EnvAllow []string

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

// running is a started transport: the io_uring loops or netpoll. Both drive
// the same Conn.
type running interface {
	// addrs are the bound listener addresses.
	addrs() []net.Addr
	// failed is closed when the transport stopped on its own (an error).
	failed() <-chan struct{}
	// shutdown stops accepting, drains every connection until deadline,
	// then closes what is left, and returns when everything is closed.
	shutdown(deadline time.Time) error
}

// starter starts one transport on the listeners of every group, with one
// Conn per connection from the group's Factory; addrs lists the groups'
// listeners in order.
type starter func(groups []listenGroup) (running, error)

// Server serves one archive at a time on its listeners.
type Server struct {
	cfg  Config
	cur  current
	opts connOptions

	reloadMu sync.Mutex
	seq      uint64
	stopped  bool // Serve returned: the last generation is released (reloadMu)

	start  starter
	trName string
	shared bool // netpoll: runner slots are locked
	slots  int  // script runner slots: one per worker index

	tls *tlsState     // nil without TLSAddrs
	h2  *http2.Config // nil when HTTP/2 is off

	bound boundAddrs // the listeners once Serve bound them (addrs.go)
}

// New loads the archive as the first generation and chooses the transport.
// It does not listen yet; Serve does.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg}
	s.opts = newConnOptions(&cfg)
	s.slots = cfg.Workers // all listeners share the workers (Serve)
	if !cfg.DisableHTTP2 {
		s.h2 = s.http2Config()
	}
	if err := s.setupTLS(); err != nil {
		return nil, err
	}
	start, name, err := s.chooseTransport()
	if err != nil {
		return nil, err
	}
	s.start, s.trName = start, name
	// Under netpoll several connection goroutines share a worker index:
	// every generation's per-worker script runners are then taken under a
	// lock.
	s.shared = name == "netpoll"
	g, err := s.load()
	if err != nil {
		return nil, err
	}
	s.cur.Store(g)
	return s, nil
}

// TransportName is "io_uring" or "netpoll".
func (s *Server) TransportName() string { return s.trName }

// Current returns the generation new requests start on (not pinned).
func (s *Server) Current() *Generation { return s.cur.Load() }

// load opens the archive as the next generation and loads its scripts;
// a script that fails to load fails the generation.
func (s *Server) load() (*Generation, error) {
	r, err := s.open()
	if err != nil {
		return nil, err
	}
	return s.generation(r, s.cfg.Archive) // swap.go
}

// scriptConfig is the script.Config of every generation.
func (s *Server) scriptConfig() script.Config {
	c := script.Config{
		Budget:    s.cfg.ScriptBudget,
		Slice:     s.cfg.ScriptSlice,
		WallLimit: s.cfg.ScriptWallLimit,
		Log:       s.cfg.Log,
	}
	if len(s.cfg.EnvAllow) > 0 {
		c.EnvAllow = append(append([]string(nil), script.DefaultEnvAllow...), s.cfg.EnvAllow...)
	}
	return c
}

// loadScripts loads the archive's scripts; nil when none has a request
// entry (requests then go straight to static serving).
func (s *Server) loadScripts(r *archive.Reader) (*script.Set, error) {
	if len(r.Scripts()) == 0 {
		return nil, nil
	}
	set, err := script.Load(r, s.scriptConfig())
	if err != nil {
		return nil, err
	}
	for _, sc := range set.Scripts() {
		if sc.Request >= 0 {
			return set, nil
		}
	}
	return nil, nil
}

// Reload opens the archive again and makes it current. On any error the
// current generation keeps serving and the error is returned (and logged).
// Requests in flight finish on the generation they started with. Once
// Serve has returned, Reload fails and loads nothing.
func (s *Server) Reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.stopped {
		return fmt.Errorf("reload: %w", errStopped)
	}
	start := time.Now()
	var store *certs.Store
	if s.tls != nil {
		var err error
		if store, err = s.tls.load(); err != nil {
			s.cfg.Log.Error("reload failed; still serving the previous archive and certificates",
				"generation", s.cur.Load().Seq, "err", err)
			return fmt.Errorf("reload: %w", err)
		}
	}
	g, err := s.load()
	if err != nil {
		s.cfg.Log.Error("reload failed; still serving the previous archive",
			"archive", s.cfg.Archive, "generation", s.cur.Load().Seq, "err", err)
		return fmt.Errorf("reload: %w", err)
	}
	if store != nil {
		s.tls.src.Reload(func() (*certs.Store, error) { return store, nil })
	}
	s.cur.Store(g)
	s.cfg.Log.Info("reloaded", "archive", s.cfg.Archive, "generation", g.Seq,
		"took", time.Since(start).Round(time.Microsecond))
	return nil
}

// Serve listens on Config.Addrs and serves until ctx ends, then drains:
// listeners close, idle connections close, requests in flight finish, and
// after DrainTimeout whatever is left is closed. It returns nil after an
// orderly drain, or the error that stopped the transport. On return the
// last generation is released; a Server serves once.
func (s *Server) Serve(ctx context.Context) error {
	s.reloadMu.Lock()
	stopped := s.stopped
	s.reloadMu.Unlock()
	if stopped {
		return errStopped
	}
	defer s.stop()
	cfg := s.cfg
	groups, err := s.listenGroups()
	if err != nil {
		return err
	}
	// One transport for every group: each worker serves all listeners.
	run, err := s.start(groups)
	for _, g := range groups {
		g.ls.close() // the transport holds its own descriptors
	}
	if err != nil {
		return err
	}
	addrs := run.addrs()
	urls := make([]string, 0, len(addrs))
	i := 0
	for _, g := range groups {
		for range g.listeners() {
			if i < len(addrs) {
				u := g.url(addrs[i])
				urls = append(urls, u)
				cfg.Log.Info(fmt.Sprintf("listening on %s (%d workers, %s%s)", u, cfg.Workers, s.trName, g.protos))
			}
			i++
		}
	}
	s.bound.set(addrs, urls) // Addrs, Ready
	failed := false
	select {
	case <-ctx.Done():
	case <-run.failed():
		failed = true
	}
	cfg.Log.Info("draining", "timeout", cfg.DrainTimeout)
	err = run.shutdown(time.Now().Add(cfg.DrainTimeout))
	switch {
	case failed:
		return fmt.Errorf("transport %s stopped: %w", s.trName, err)
	case err != nil:
		cfg.Log.Warn("drain ended", "err", err)
	default:
		cfg.Log.Info("drained")
	}
	return nil
}

var errStopped = errors.New("server stopped: Serve has returned")

// stop releases the current generation once Serve is over; Reload and Swap
// then fail instead of loading one that nothing would release.
func (s *Server) stop() {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	s.stopped = true
	s.cur.Store(nil)
}

// chooseTransport applies Config.Transport.
func (s *Server) chooseTransport() (starter, string, error) {
	switch s.cfg.Transport {
	case "netpoll":
		return s.startNetpoll, "netpoll", nil
	case "uring", "auto":
		err := uringSupported()
		if err == nil {
			return s.startUring, uringName, nil
		}
		if s.cfg.Transport == "uring" {
			return nil, "", fmt.Errorf("transport uring: %w", err)
		}
		s.cfg.Log.Warn("io_uring unavailable, using the portable netpoll transport", "reason", err)
		return s.startNetpoll, "netpoll", nil
	}
	return nil, "", fmt.Errorf("unknown transport %q (want uring, netpoll or auto)", s.cfg.Transport)
}

// netpollRun adapts netpoll.Transport to running.
type netpollRun struct {
	tr   *netpoll.Transport
	lns  []net.Listener
	fail chan struct{}
	once sync.Once
	err  error
}

// startNetpoll serves every group's listeners on one netpoll.Transport
// (worker indexes 0..Workers-1, shared by goroutines: see Server.shared).
func (s *Server) startNetpoll(groups []listenGroup) (running, error) {
	var lns []net.Listener
	var fs []transport.Factory
	for _, g := range groups {
		l, err := g.ls.listen()
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			return nil, err
		}
		for _, ln := range l {
			lns, fs = append(lns, ln), append(fs, g.factory)
		}
	}
	r := &netpollRun{
		// Room for a whole request head, as the io_uring loop has
		// (startUring): a full buffer before the parser can answer 431
		// would close the connection without a response.
		tr: netpoll.New(netpoll.Options{
			Workers:       s.cfg.Workers,
			MaxReadBuffer: max(1<<20, 2*s.opts.lim.MaxHead()),
		}),
		lns:  lns,
		fail: make(chan struct{}),
	}
	for i, ln := range lns {
		go func() {
			if err := r.tr.Serve(ln, fs[i]); !errors.Is(err, netpoll.ErrClosed) {
				r.once.Do(func() { r.err = err; close(r.fail) })
			}
		}()
	}
	return r, nil
}

func (r *netpollRun) addrs() []net.Addr {
	a := make([]net.Addr, len(r.lns))
	for i, ln := range r.lns {
		a[i] = ln.Addr()
	}
	return a
}

func (r *netpollRun) failed() <-chan struct{} { return r.fail }

func (r *netpollRun) shutdown(deadline time.Time) error {
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	err := r.tr.Shutdown(ctx)
	for _, ln := range r.lns {
		ln.Close()
	}
	select {
	case <-r.fail:
		return r.err
	default:
	}
	if err != nil {
		return errors.New("drain deadline passed; closed the remaining connections")
	}
	return nil
}
