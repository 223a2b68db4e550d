// Package zeroserve is the zeroserve runtime's command line: it parses the
// flags into a server.Config, opens the listeners, wires the signals
// (SIGHUP reloads, SIGTERM/SIGINT drain and exit 0) and runs the server.
package zeroserve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/server"
	"zeroserve.dev/zeroserve/pkg/server/http1"
	"zeroserve.dev/zeroserve/pkg/server/script"
)

// Main runs zeroserve with args (without the program name) and returns the exit code.
func Main(args []string) int {
	io := cli.SystemIO()
	cmd := NewCmdRoot(io, nil)
	cmd.SetArgs(args)
	return cli.ExitCode(io.ErrOut, cmd.Execute())
}

// Options are the parsed flags and injected streams of one run.
type Options struct {
	IO      cli.IO
	Archive string

	Addrs          []string
	Workers        int
	Transport      string
	Index          string
	TryHTML        bool
	LogFormat      string
	AccessLog      string
	MaxHeaderBytes int
	MaxBodyBytes   int64
	HeaderTimeout  time.Duration
	BodyTimeout    time.Duration
	IdleTimeout    time.Duration
	WriteTimeout   time.Duration
	DrainTimeout   time.Duration

	TLSAddrs          []string
	CertFile          string
	KeyFile           string
	CertDir           string
	TLSMin            string
	ValidateHostnames bool
	H2                bool
	H2StreamWindow    uint32
	H2ConnWindow      uint32
	H2MaxStreams      uint32

	ScriptBudget    uint64
	ScriptSlice     uint64
	ScriptWallLimit time.Duration
	EnvAllow        []string

	// Getenv reads LISTEN_FDS/LISTEN_PID (default os.Getenv).
	Getenv func(string) string
	// Signals delivers SIGHUP, SIGTERM and SIGINT (default signal.Notify).
	Signals <-chan os.Signal
}

// NewCmdRoot builds the zeroserve command. runF, when set, replaces the run
// (tests check flag parsing with it).
func NewCmdRoot(io cli.IO, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "zeroserve [flags] SITE.zs.tar",
		Short: "Serve a site archive built by zspack",
		Long: `zeroserve serves a site archive built by zspack build.

It listens for HTTP on 127.0.0.1:8080 unless told otherwise (--addr :8080
for every interface), or on the sockets systemd passes (LISTEN_FDS).
With --tls-addr it serves HTTPS (TLS 1.3, and 1.2 unless --tls-min 1.3)
with the certificate of --cert/--key or the ones in --cert-dir (chosen by
SNI); HTTP/2 is negotiated by ALPN, and plain listeners accept HTTP/2 with
prior knowledge (h2c), unless --h2=false.
SIGHUP reloads the archive and the certificates; SIGTERM and SIGINT stop accepting,
finish the requests in flight (up to --drain-timeout) and exit 0.`,
		Args:          cli.ExactArgs(1),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Archive = args[0]
			if err := opts.validate(); err != nil {
				return &cli.FlagError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return run(opts)
		},
	}
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cli.FlagError{Err: err}
	})
	f := cmd.Flags()
	f.StringArrayVar(&opts.Addrs, "addr", nil,
		"address to listen on, host:port or fd:N (repeatable; default "+server.DefaultAddr+")")
	f.StringArrayVar(&opts.TLSAddrs, "tls-addr", nil,
		"address to listen on for HTTPS, host:port or fd:N (repeatable)")
	f.StringVar(&opts.CertFile, "cert", "", "certificate chain (PEM, leaf first) for --tls-addr")
	f.StringVar(&opts.KeyFile, "key", "", "private key (PEM) of --cert")
	f.StringVar(&opts.CertDir, "cert-dir", "", "directory of PEM certificates and keys, chosen by SNI")
	f.StringVar(&opts.TLSMin, "tls-min", "1.2", "oldest TLS version accepted: 1.2 or 1.3")
	f.BoolVar(&opts.ValidateHostnames, "validate-hostnames", false, "answer 421 to HTTPS requests for a host no certificate names")
	f.BoolVar(&opts.H2, "h2", true, "HTTP/2: ALPN h2 on TLS, prior knowledge (h2c) on plain listeners")
	f.Uint32Var(&opts.H2StreamWindow, "h2-stream-window", 256<<10, "HTTP/2 receive window per stream, bytes")
	f.Uint32Var(&opts.H2ConnWindow, "h2-conn-window", 1<<20, "HTTP/2 receive window per connection, bytes")
	f.Uint32Var(&opts.H2MaxStreams, "h2-max-streams", 128, "HTTP/2 concurrent streams per connection")
	f.IntVar(&opts.Workers, "workers", runtime.NumCPU(), "event loops, one per core")
	f.StringVar(&opts.Transport, "transport", "auto", "uring, netpoll or auto (io_uring when available)")
	f.StringVar(&opts.Index, "index", server.DefaultIndex, "file served for a directory")
	f.BoolVar(&opts.TryHTML, "try-html", false, `also serve "PATH.html" for a missing PATH`)
	f.StringVar(&opts.LogFormat, "log-format", "text", "text or json (error log on stderr, access log on stdout)")
	f.StringVar(&opts.AccessLog, "access-log", "on", "on or off: one line per request on stdout")
	f.IntVar(&opts.MaxHeaderBytes, "max-header-bytes", http1.DefaultMaxHeaderBytes, "largest request header section (431 above)")
	f.Int64Var(&opts.MaxBodyBytes, "max-body-bytes", http1.DefaultMaxBody, "largest request body (413 above)")
	f.DurationVar(&opts.HeaderTimeout, "header-timeout", server.DefaultHeaderTimeout, "time to receive a whole request head (408)")
	f.DurationVar(&opts.BodyTimeout, "body-timeout", server.DefaultBodyTimeout, "longest wait for more request body bytes (408)")
	f.DurationVar(&opts.IdleTimeout, "idle-timeout", server.DefaultIdleTimeout, "keep-alive connection without a new request is closed")
	f.DurationVar(&opts.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "time to send one response, then the connection is closed")
	f.DurationVar(&opts.DrainTimeout, "drain-timeout", server.DefaultDrainTimeout, "time requests in flight get on SIGTERM/SIGINT")
	f.Uint64Var(&opts.ScriptBudget, "script-budget", script.DefaultBudget, "instructions one script may run per request (503 above)")
	f.Uint64Var(&opts.ScriptSlice, "script-slice", script.DefaultSlice, "instructions a script runs before other connections get a turn")
	f.DurationVar(&opts.ScriptWallLimit, "script-wall-limit", script.DefaultWallLimit, "wall-clock limit of a request's scripts, yields included (503 above)")
	f.StringSliceVar(&opts.EnvAllow, "env-allow", nil, "environment variables scripts may read besides ZEROSERVE_ENV_* (names or NAME* prefixes; repeatable, comma-separated)")
	return cmd
}

func (o *Options) validate() error {
	if _, ok := server.ParseLogFormat(o.LogFormat); !ok {
		return fmt.Errorf("--log-format %q: want text or json", o.LogFormat)
	}
	if o.AccessLog != "on" && o.AccessLog != "off" {
		return fmt.Errorf("--access-log %q: want on or off", o.AccessLog)
	}
	switch o.Transport {
	case "uring", "netpoll", "auto":
	default:
		return fmt.Errorf("--transport %q: want uring, netpoll or auto", o.Transport)
	}
	if o.Workers < 1 {
		return fmt.Errorf("--workers %d: want at least 1", o.Workers)
	}
	if o.MaxHeaderBytes < 1 || o.MaxHeaderBytes > 1<<20 {
		return fmt.Errorf("--max-header-bytes %d: want 1..1048576", o.MaxHeaderBytes)
	}
	if o.MaxBodyBytes < 1 {
		return fmt.Errorf("--max-body-bytes %d: want at least 1", o.MaxBodyBytes)
	}
	if o.ScriptBudget < 1 {
		return fmt.Errorf("--script-budget %d: want at least 1", o.ScriptBudget)
	}
	if o.ScriptSlice < 1 || o.ScriptSlice > o.ScriptBudget {
		return fmt.Errorf("--script-slice %d: want 1..--script-budget (%d)", o.ScriptSlice, o.ScriptBudget)
	}
	if _, ok := tlsVersions[o.TLSMin]; !ok {
		return fmt.Errorf("--tls-min %q: want 1.2 or 1.3", o.TLSMin)
	}
	hasPair := o.CertFile != "" || o.KeyFile != ""
	switch {
	case len(o.TLSAddrs) == 0 && (hasPair || o.CertDir != ""):
		return errors.New("--cert, --key and --cert-dir need --tls-addr")
	case len(o.TLSAddrs) == 0 && o.ValidateHostnames:
		return errors.New("--validate-hostnames needs --tls-addr")
	case len(o.TLSAddrs) == 0:
	case hasPair && o.CertDir != "":
		return errors.New("give --cert/--key or --cert-dir, not both")
	case hasPair && (o.CertFile == "" || o.KeyFile == ""):
		return errors.New("--cert and --key go together")
	case !hasPair && o.CertDir == "":
		return errors.New("--tls-addr needs --cert/--key or --cert-dir")
	}
	const maxWindow = 1<<31 - 1
	if o.H2StreamWindow < 1 || o.H2StreamWindow > maxWindow {
		return fmt.Errorf("--h2-stream-window %d: want 1..%d", o.H2StreamWindow, maxWindow)
	}
	if o.H2ConnWindow < 65535 || o.H2ConnWindow > maxWindow {
		return fmt.Errorf("--h2-conn-window %d: want 65535..%d", o.H2ConnWindow, maxWindow)
	}
	if o.H2MaxStreams < 1 {
		return fmt.Errorf("--h2-max-streams %d: want at least 1", o.H2MaxStreams)
	}
	for _, name := range o.EnvAllow {
		if !validEnvPattern(name) {
			return fmt.Errorf("--env-allow %q: want a variable name or a NAME* prefix", name)
		}
	}
	for name, d := range map[string]time.Duration{
		"header-timeout": o.HeaderTimeout, "body-timeout": o.BodyTimeout,
		"idle-timeout": o.IdleTimeout, "write-timeout": o.WriteTimeout,
		"drain-timeout": o.DrainTimeout, "script-wall-limit": o.ScriptWallLimit,
	} {
		if d <= 0 {
			return fmt.Errorf("--%s %v: want a positive duration", name, d)
		}
	}
	return nil
}

// tlsVersions maps --tls-min values to crypto/tls versions.
var tlsVersions = map[string]uint16{"1.2": tls.VersionTLS12, "1.3": tls.VersionTLS13}

// validEnvPattern accepts NAME or NAME* with NAME of letters, digits and
// '_' (a lone "*" would expose the whole environment, and is refused).
func validEnvPattern(p string) bool {
	name := strings.TrimSuffix(p, "*")
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// newLogger returns the error/startup logger on w, written by its own
// goroutine so that the event loops never wait for w; Close flushes it.
func newLogger(w io.Writer, format server.LogFormat) (*slog.Logger, *server.LogQueue) {
	var h slog.Handler = slog.NewTextHandler(w, nil)
	if format == server.LogJSON {
		h = slog.NewJSONHandler(w, nil)
	}
	q := server.NewLogQueue(h, 0)
	return slog.New(q), q
}

func run(o *Options) error {
	format, _ := server.ParseLogFormat(o.LogFormat)
	log, logq := newLogger(o.IO.ErrOut, format)
	defer logq.Close()
	getenv := o.Getenv
	if getenv == nil {
		getenv = systemdEnv()
	}

	var access *server.AccessLog
	if o.AccessLog == "on" {
		access = server.NewAccessLog(o.IO.Out, format, 0)
		defer access.Close()
	}
	srv, err := server.New(server.Config{
		Archive:        o.Archive,
		Addrs:          o.Addrs,
		Getenv:         getenv,
		Workers:        o.Workers,
		Transport:      o.Transport,
		TLSAddrs:       o.TLSAddrs,
		CertFile:       o.CertFile,
		KeyFile:        o.KeyFile,
		CertDir:        o.CertDir,
		TLSMinVersion:  tlsVersions[o.TLSMin],
		DisableHTTP2:   !o.H2,
		H2StreamWindow: o.H2StreamWindow,
		H2ConnWindow:   o.H2ConnWindow,
		H2MaxStreams:   o.H2MaxStreams,

		ValidateHostnames: o.ValidateHostnames,
		Index:             o.Index,
		TryHTML:           o.TryHTML,
		MaxHeaderBytes:    o.MaxHeaderBytes,
		MaxBodyBytes:      o.MaxBodyBytes,
		HeaderTimeout:     o.HeaderTimeout,
		BodyTimeout:       o.BodyTimeout,
		IdleTimeout:       o.IdleTimeout,
		WriteTimeout:      o.WriteTimeout,
		DrainTimeout:      o.DrainTimeout,
		ScriptBudget:      o.ScriptBudget,
		ScriptSlice:       o.ScriptSlice,
		ScriptWallLimit:   o.ScriptWallLimit,
		EnvAllow:          o.EnvAllow,
		Log:               log,
		AccessLog:         access,
	})
	if err != nil {
		return err
	}

	sigs := o.Signals
	if sigs == nil {
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
		defer signal.Stop(ch)
		sigs = ch
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go handleSignals(ctx, sigs, srv, log, cancel)
	if err := srv.Serve(ctx); err != nil {
		return err
	}
	if access != nil && access.Dropped() > 0 {
		log.Warn("access log records dropped (queue full)", "dropped", access.Dropped())
	}
	log.Info("stopped")
	return nil
}

// systemdEnv reads the socket activation variables once and removes them
// from the environment, so that no child believes the sockets are its own.
func systemdEnv() func(string) string {
	env := map[string]string{}
	for _, k := range []string{"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"} {
		env[k] = os.Getenv(k)
		os.Unsetenv(k)
	}
	return func(k string) string { return env[k] }
}

// handleSignals reloads on SIGHUP (one reload at a time, on this
// goroutine, never on a loop) and cancels ctx on SIGTERM/SIGINT.
func handleSignals(ctx context.Context, sigs <-chan os.Signal, srv *server.Server, log *slog.Logger, stop func()) {
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				log.Info("SIGHUP: reloading")
				srv.Reload() // logs its own outcome; a failure keeps serving
				continue
			}
			log.Info("signal received, draining", "signal", sig.String())
			stop()
			return
		}
	}
}
