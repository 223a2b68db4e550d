package dev

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/internal/dev"
)

func TestNewCmdDevFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		wantErr bool
	}{
		{args: []string{"site"}, want: Options{Dir: "site", Addr: "127.0.0.1:8080", Transport: "auto"}},
		{args: []string{"--addr", ":9000", "--workers", "2", "--transport", "netpoll", "--no-reload", "--open", "s"},
			want: Options{Dir: "s", Addr: ":9000", Workers: 2, Transport: "netpoll", NoReload: true, Open: true}},
		{args: []string{}, wantErr: true},
		{args: []string{"a", "b"}, wantErr: true},
		{args: []string{"--workers", "x", "s"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var got *Options
			cmd := NewCmdDev(cli.IO{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Execute() = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got.Now == nil || got.Getenv == nil || got.OpenURL == nil {
				t.Errorf("clock, environment or browser opener not injected")
			}
			type flags struct {
				Dir, Addr, Transport string
				Workers              int
				NoReload, Open       bool
			}
			g := flags{got.Dir, got.Addr, got.Transport, got.Workers, got.NoReload, got.Open}
			w := flags{tt.want.Dir, tt.want.Addr, tt.want.Transport, tt.want.Workers, tt.want.NoReload, tt.want.Open}
			if g != w {
				t.Errorf("flags = %+v, want %+v", g, w)
			}
		})
	}
}

func TestChangeList(t *testing.T) {
	tests := []struct {
		c    dev.Changes
		want string
	}{
		{dev.Changes{Modified: []string{"index.html"}}, "index.html"},
		{dev.Changes{Added: []string{"a.css"}, Removed: []string{"b.js"}, Modified: []string{"i.html"}}, "i.html, +a.css, -b.js"},
		{dev.Changes{Modified: []string{"1", "2", "3", "4"}}, "1, 2, 3, 4"},
		{dev.Changes{Modified: []string{"1", "2", "3", "4", "5", "6"}}, "1, 2, 3 and 3 more"},
	}
	for _, tt := range tests {
		if got := changeList(tt.c); got != tt.want {
			t.Errorf("changeList(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestPrinterOutcome(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		noColor  string
		o        dev.Outcome
		verb     string
		wantOut  string
		wantErr  string
	}{
		{name: "first build", o: dev.Outcome{Build: 1, Files: 3, Scripts: 1}, verb: "built",
			wantOut: "built in 12ms: 3 files, 0 B, 1 script (build 1)\n"},
		{name: "rebuild styles", o: dev.Outcome{Build: 4, StylesOnly: true, Changes: dev.Changes{Modified: []string{"a.css"}}}, verb: "rebuilt",
			wantOut: "rebuilt in 12ms: a.css (build 4, styles only)\n"},
		{name: "failure plain", o: dev.Outcome{Build: 2, Err: errors.New("compile x.c:\nx.c:1:1: error: boom")}, verb: "rebuilt",
			wantErr: "build failed in 12ms (still serving build 2):\n  compile x.c:\n  x.c:1:1: error: boom\n"},
		{name: "failure coloured", terminal: true, o: dev.Outcome{Err: errors.New("boom")}, verb: "built",
			wantErr: "\033[31;1mbuild failed\033[0m in 12ms (nothing to serve yet):\n\033[31m  boom\033[0m\n"},
		{name: "NO_COLOR", terminal: true, noColor: "1", o: dev.Outcome{Err: errors.New("boom")}, verb: "built",
			wantErr: "build failed in 12ms (nothing to serve yet):\n  boom\n"},
		{name: "warnings", o: dev.Outcome{Build: 1, Warnings: []string{"skipping special file f"}}, verb: "rebuilt",
			wantOut: "rebuilt in 12ms: no content changes (build 1)\n", wantErr: "warning: skipping special file f\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			opts := &Options{
				IO:     cli.IO{Out: &out, ErrOut: &errOut, Terminal: tt.terminal},
				Getenv: func(k string) string { return map[string]string{"NO_COLOR": tt.noColor}[k] },
			}
			newPrinter(opts).outcome(tt.o, 12*time.Millisecond, tt.verb)
			if out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Errorf("stdout %q stderr %q\nwant   %q        %q", out.String(), errOut.String(), tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestPrefixWriter(t *testing.T) {
	var b bytes.Buffer
	w := &prefixWriter{w: &b, prefix: "server: "}
	if n, err := w.Write([]byte("level=WARN msg=a\nlevel=ERROR msg=b\n")); n != 35 || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if want := "server: level=WARN msg=a\nserver: level=ERROR msg=b\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

// TestLoopStop: a stop asked for through the context ends Serve too, so
// the loop may find both ready; whichever the select picks, an orderly stop is
// no error (it used to be reported as "server stopped", exit 1). Each case
// runs many times because the select picks at random.
func TestLoopStop(t *testing.T) {
	transportErr := errors.New("transport netpoll stopped: boom")
	tests := []struct {
		name     string
		cancel   bool  // the context has ended
		serveErr error // what Serve returned
		wantErr  string
	}{
		{name: "orderly stop", cancel: true},
		{name: "failed drain after stop", cancel: true, serveErr: transportErr, wantErr: transportErr.Error()},
		{name: "server stopped by itself", wantErr: "server stopped"},
		{name: "server failed", serveErr: transportErr, wantErr: transportErr.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 64 {
				ctx, cancel := context.WithCancel(context.Background())
				if tt.cancel {
					cancel()
				}
				served := make(chan error, 1)
				served <- tt.serveErr
				l := &loop{opts: &Options{Now: time.Now}, w: &dev.Watcher{}}
				err := l.serve(ctx, cancel, served)
				if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
					t.Fatalf("serve() = %v, want %q", err, tt.wantErr)
				}
				if len(served) != 0 {
					t.Fatal("serve() returned without waiting for Serve")
				}
			}
		})
	}
}
