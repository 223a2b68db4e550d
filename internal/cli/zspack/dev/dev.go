package dev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/cli/zspack/build"
	"zeroserve.dev/zeroserve/internal/dev"
	"zeroserve.dev/zeroserve/pkg/server"
)

// Options are the inputs of `zspack dev`.
type Options struct {
	IO      cli.IO
	Now     func() time.Time
	Getenv  func(string) string
	Scripts build.ScriptCompiler
	// OpenURL opens a browser on --open; errors are reported, not fatal.
	OpenURL func(url string) error

	Dir       string
	Addr      string
	Workers   int
	Transport string
	NoReload  bool
	Open      bool
	TLS       bool

	// Test hooks, nil outside tests: firstBuilt runs right after the
	// first build, rebuilt after each rebuild that is reported.
	firstBuilt func()
	rebuilt    func(dev.Outcome)
}

// NewCmdDev builds the cobra command; runF replaces devRun in tests.
func NewCmdDev(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io, Now: time.Now, Getenv: os.Getenv, Scripts: build.DefaultCompiler, OpenURL: xdgOpen}
	cmd := &cobra.Command{
		Use:   "dev DIR",
		Short: "Serve a site directory and rebuild it on every change",
		Long: `Build DIR in memory, serve it with the zeroserve runtime and watch it.
Every change rebuilds the site (scripts included) and swaps it into the
running server without dropping connections; open pages reload themselves
(stylesheet-only changes are applied without a reload). A failed build keeps
the last good one serving and shows the error here and in the browser.`,
		Example: "  zspack dev examples/hello\n  zspack dev --addr :8080 --open ./site",
		Args:    cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF(opts)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return devRun(ctx, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Addr, "addr", server.DefaultAddr, "address to listen on (host:port; :8080 for all interfaces)")
	f.IntVar(&opts.Workers, "workers", 0, "event loops (default: one per CPU)")
	f.StringVar(&opts.Transport, "transport", "auto", "uring, netpoll or auto")
	f.BoolVar(&opts.NoReload, "no-reload", false, "do not inject the live-reload script into HTML pages")
	f.BoolVar(&opts.Open, "open", false, "open the site in a browser (xdg-open)")
	f.BoolVar(&opts.TLS, "tls", false, "serve HTTPS (HTTP/2 and HTTP/1.1) with a throwaway self-signed certificate")
	return cmd
}

// maxRetries bounds rebuilds retried because a file vanished mid-walk (an
// editor's temporary file): the next attempt usually sees a settled tree.
const maxRetries = 2

func devRun(ctx context.Context, opts *Options) error {
	p := newPrinter(opts)
	b := &dev.Builder{Dir: opts.Dir, Scripts: opts.Scripts, Live: !opts.NoReload}
	// Watch first: an edit made while the first build reads the tree is
	// queued, and the loop rebuilds for it once the server is up.
	w, err := dev.Watch(opts.Dir)
	if err != nil {
		return err
	}
	defer w.Close()
	start := opts.Now()
	first := b.Build(ctx)
	if opts.firstBuilt != nil {
		opts.firstBuilt()
	}
	if first.Archive == nil {
		return first.Err // a failure with nothing to serve
	}
	var hub *dev.Hub
	if !opts.NoReload {
		hub = dev.NewHub()
		hub.Publish(first)
	}
	cfg := server.Config{
		Addrs:     []string{opts.Addr},
		Workers:   opts.Workers,
		Transport: opts.Transport,
	}
	if opts.TLS {
		cert, err := newDevCert(opts.Now())
		if err != nil {
			return fmt.Errorf("--tls: %w", err)
		}
		defer cert.Remove()
		cfg.Addrs, cfg.TLSAddrs = nil, []string{opts.Addr}
		cfg.CertFile, cfg.KeyFile = cert.CertFile, cert.KeyFile
		p.certificate(cert.Fingerprint)
	}
	live, err := dev.StartLive(cfg, first.Archive, p.serverLog(), hub)
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- live.Serve(sctx) }()

	select {
	case <-live.Ready():
		url := live.URLs()[0]
		p.serving(opts.Dir, url, live.TransportName(), opts.Workers)
		if opts.Open {
			if err := opts.OpenURL(url); err != nil {
				p.warn(fmt.Sprintf("--open: %v; open %s yourself", err, url))
			}
		}
	case err := <-served:
		return err
	}
	p.outcome(first, opts.Now().Sub(start), "built")

	l := newLoop(opts, p, b, live, hub, w)
	return l.serve(ctx, stop, served)
}

// newLoop returns the rebuild loop of a running server. From here on the
// builder swaps each build into live itself, and counts a build as good
// only once the server accepted it.
func newLoop(opts *Options, p *printer, b *dev.Builder, live *dev.Live, hub *dev.Hub, w *dev.Watcher) *loop {
	b.Swap = live.Swap
	return &loop{opts: opts, p: p, b: b, live: live, hub: hub, w: w}
}

// serve runs the loop, then stops the server (stop ends Serve's context)
// and waits for it to drain before the watcher and the certificate go. It
// returns the first error: the loop's, else Serve's.
func (l *loop) serve(ctx context.Context, stop context.CancelFunc, served <-chan error) error {
	over, err := l.run(ctx, served)
	stop()
	if !over {
		if serr := <-served; err == nil {
			err = serr
		}
	}
	return err
}

// loop turns watcher events into debounced rebuilds.
type loop struct {
	opts    *Options
	p       *printer
	b       *dev.Builder
	live    *dev.Live
	hub     *dev.Hub // nil with --no-reload
	w       *dev.Watcher
	deb     dev.Debouncer
	retries int
}

// run rebuilds until ctx ends (nil), the server stops by itself or the
// watcher fails (an error). over reports whether it consumed Serve's
// result from served. A stop asked for through ctx also ends Serve, and the
// select may see Serve's return before ctx.Done: that is the same orderly
// stop, so it returns Serve's result (nil after a drain), never "server
// stopped".
func (l *loop) run(ctx context.Context, served <-chan error) (over bool, err error) {
	l.deb = dev.Debouncer{Quiet: dev.DefaultQuiet, Max: dev.DefaultMax}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	beat := time.NewTicker(dev.HeartbeatInterval)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, nil
		case <-beat.C:
			if l.hub != nil {
				l.hub.Heartbeat()
			}
		case err := <-served:
			if err == nil && ctx.Err() == nil {
				err = errors.New("server stopped")
			}
			return true, err
		case name, ok := <-l.w.Events:
			if !ok {
				return false, errors.New("file watcher stopped")
			}
			l.deb.Add(name, l.opts.Now())
			due, _ := l.deb.Deadline()
			timer.Reset(due.Sub(l.opts.Now()))
		case err := <-l.w.Errors:
			l.p.warn(fmt.Sprintf("watch: %v", err))
		case <-timer.C:
			l.deb.Take()
			if l.rebuild(ctx) {
				l.deb.Add(l.opts.Dir, l.opts.Now())
				due, _ := l.deb.Deadline()
				timer.Reset(due.Sub(l.opts.Now()))
			}
		}
	}
}

// rebuild builds and swaps (Builder.Swap: a swap the server refuses is a
// failed build); it returns true when the build should be retried because
// a file disappeared while the site was read.
func (l *loop) rebuild(ctx context.Context) (retry bool) {
	start := l.opts.Now()
	o := l.b.Build(ctx)
	if ctx.Err() != nil {
		return false // stopping: an interrupted build is no outcome to report
	}
	if o.Err != nil && errors.Is(o.Err, fs.ErrNotExist) && l.retries < maxRetries {
		l.retries++
		return true
	}
	l.retries = 0
	if o.Unchanged() {
		return false
	}
	if l.hub != nil {
		l.hub.Publish(o) // after the swap: a page that reloads gets the new build
	}
	l.p.outcome(o, l.opts.Now().Sub(start), "rebuilt")
	if l.opts.rebuilt != nil {
		l.opts.rebuilt(o)
	}
	return false
}

// xdgOpen opens url in the desktop's browser, if there is a desktop.
func xdgOpen(url string) error {
	path, err := exec.LookPath("xdg-open")
	if err != nil {
		return errors.New("xdg-open not found")
	}
	cmd := exec.Command(path, url)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}

// workers is the worker count the server runs with.
func workers(n int) int {
	if n <= 0 {
		return runtime.NumCPU()
	}
	return n
}

// changeList names what changed, briefly: "index.html, +a.css, -b.js and 3 more".
func changeList(c dev.Changes) string {
	var names []string
	for _, p := range c.Modified {
		names = append(names, p)
	}
	for _, p := range c.Added {
		names = append(names, "+"+p)
	}
	for _, p := range c.Removed {
		names = append(names, "-"+p)
	}
	const show = 3
	if len(names) > show+1 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
	}
	return strings.Join(names, ", ")
}
