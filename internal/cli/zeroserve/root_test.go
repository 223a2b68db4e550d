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
		{"unknown flag", []string{"--http3", "s.tar"}, "unknown flag", nil},
		{"tls pair", []string{"--tls-addr", ":8443", "--tls-addr", "fd:4", "--cert", "c.pem", "--key", "k.pem",
			"--tls-min", "1.3", "--validate-hostnames", "s.tar"}, "", func(o *Options) bool {
			return len(o.TLSAddrs) == 2 && o.CertFile == "c.pem" && o.KeyFile == "k.pem" && o.TLSMin == "1.3" &&
				o.ValidateHostnames && o.H2
		}},
		{"tls dir and h2", []string{"--tls-addr", ":8443", "--cert-dir", "certs", "--h2=false",
			"--h2-stream-window", "1000", "--h2-conn-window", "70000", "--h2-max-streams", "7", "s.tar"}, "", func(o *Options) bool {
			return o.CertDir == "certs" && !o.H2 && o.H2StreamWindow == 1000 && o.H2ConnWindow == 70000 && o.H2MaxStreams == 7
		}},
		{"tls defaults", []string{"s.tar"}, "", func(o *Options) bool {
			return o.TLSMin == "1.2" && o.H2 && o.H2StreamWindow == 256<<10 && o.H2ConnWindow == 1<<20 && o.H2MaxStreams == 128
		}},
		{"tls without certs", []string{"--tls-addr", ":443", "s.tar"}, "--tls-addr needs", nil},
		{"cert without tls addr", []string{"--cert", "c.pem", "--key", "k.pem", "s.tar"}, "need --tls-addr", nil},
		{"cert without key", []string{"--tls-addr", ":443", "--cert", "c.pem", "s.tar"}, "--cert and --key", nil},
		{"cert and dir", []string{"--tls-addr", ":443", "--cert", "c", "--key", "k", "--cert-dir", "d", "s.tar"}, "not both", nil},
		{"bad tls min", []string{"--tls-min", "1.1", "s.tar"}, "--tls-min", nil},
		{"validate without tls", []string{"--validate-hostnames", "s.tar"}, "--validate-hostnames", nil},
		{"small conn window", []string{"--h2-conn-window", "100", "s.tar"}, "--h2-conn-window", nil},
		{"zero streams", []string{"--h2-max-streams", "0", "s.tar"}, "--h2-max-streams", nil},
		{"zero stream window", []string{"--h2-stream-window", "0", "s.tar"}, "--h2-stream-window", nil},
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
