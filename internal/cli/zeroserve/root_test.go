package zeroserve

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/cli"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		check   func(*Options) bool
	}{
		{"defaults", []string{"site.zs.tar"}, "", func(o *Options) bool {
			return o.Archive == "site.zs.tar" && len(o.Addrs) == 0 && o.Transport == "auto" &&
				o.Index == "index.html" && !o.TryHTML && o.LogFormat == "text" && o.AccessLog == "on" &&
				o.MaxHeaderBytes == 16<<10 && o.MaxBodyBytes == 1<<20 && o.IdleTimeout == 75*time.Second &&
				o.Workers >= 1
		}},
		{"everything", []string{"--addr", "127.0.0.1:0", "--addr", "fd:3", "--workers", "1",
			"--transport", "netpoll", "--index", "home.html", "--try-html", "--log-format", "json",
			"--access-log", "off", "--max-header-bytes", "4096", "--max-body-bytes", "10",
			"--header-timeout", "1s", "--body-timeout", "2s", "--idle-timeout", "3s",
			"--write-timeout", "4s", "--drain-timeout", "5s", "s.tar"}, "", func(o *Options) bool {
			return len(o.Addrs) == 2 && o.Addrs[1] == "fd:3" && o.Workers == 1 && o.Transport == "netpoll" &&
				o.Index == "home.html" && o.TryHTML && o.LogFormat == "json" && o.AccessLog == "off" &&
				o.MaxHeaderBytes == 4096 && o.MaxBodyBytes == 10 && o.HeaderTimeout == time.Second &&
				o.BodyTimeout == 2*time.Second && o.IdleTimeout == 3*time.Second &&
				o.WriteTimeout == 4*time.Second && o.DrainTimeout == 5*time.Second
		}},
		{"scripts", []string{"--script-budget", "1000", "--script-slice", "100", "--script-wall-limit", "250ms",
			"--env-allow", "HOME,APP_*", "--env-allow", "TZ", "s.tar"}, "", func(o *Options) bool {
			return o.ScriptBudget == 1000 && o.ScriptSlice == 100 && o.ScriptWallLimit == 250*time.Millisecond &&
				strings.Join(o.EnvAllow, " ") == "HOME APP_* TZ"
		}},
		{"script defaults", []string{"s.tar"}, "", func(o *Options) bool {
			return o.ScriptBudget == 1<<24 && o.ScriptSlice == 1<<16 && o.ScriptWallLimit == time.Second && o.EnvAllow == nil
		}},
		{"slice over budget", []string{"--script-budget", "10", "--script-slice", "11", "s.tar"}, "--script-slice", nil},
		{"zero budget", []string{"--script-budget", "0", "s.tar"}, "--script-budget", nil},
		{"zero wall limit", []string{"--script-wall-limit", "0s", "s.tar"}, "--script-wall-limit", nil},
		{"env allow everything", []string{"--env-allow", "*", "s.tar"}, "--env-allow", nil},
		{"env allow bad name", []string{"--env-allow", "A=B", "s.tar"}, "--env-allow", nil},
		{"no archive", nil, "accepts 1 arg", nil},
		{"bad transport", []string{"--transport", "epoll", "s.tar"}, "--transport", nil},
		{"bad log format", []string{"--log-format", "xml", "s.tar"}, "--log-format", nil},
		{"bad access log", []string{"--access-log", "maybe", "s.tar"}, "--access-log", nil},
		{"zero workers", []string{"--workers", "0", "s.tar"}, "--workers", nil},
		{"zero timeout", []string{"--idle-timeout", "0s", "s.tar"}, "--idle-timeout", nil},
		{"unknown flag", []string{"--tls-addr", ":443", "s.tar"}, "unknown flag", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			var got *Options
			cmd := NewCmdRoot(cli.IO{Out: &out, ErrOut: &errOut}, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				var fe *cli.FlagError
				if !errors.As(err, &fe) && !strings.Contains(err.Error(), "arg") {
					t.Fatalf("err %T is not a FlagError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				t.Fatalf("options %+v", got)
			}
		})
	}
}

func TestRunMissingArchive(t *testing.T) {
	var out, errOut bytes.Buffer
	code := func() int {
		cmd := NewCmdRoot(cli.IO{Out: &out, ErrOut: &errOut}, nil)
		cmd.SetArgs([]string{"--addr", "127.0.0.1:0", "--transport", "netpoll", t.TempDir() + "/missing.zs.tar"})
		return cli.ExitCode(&errOut, cmd.Execute())
	}()
	if code != 1 || !strings.Contains(errOut.String(), "missing.zs.tar") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
