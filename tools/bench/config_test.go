package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./tools/bench -run %s -update to accept):\n%s", name, t.Name(), got)
	}
}

func goldenConfig() serverConfig {
	return serverConfig{
		Dir:        "/tmp/bench/run001",
		Root:       "/tmp/bench/site",
		Plain:      40001,
		TLS:        40002,
		Cert:       "/tmp/bench/cert.pem",
		Key:        "/tmp/bench/key.pem",
		LuaModules: []string{"/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so"},
		Upstream:   40003,
	}
}

func TestConfigGolden(t *testing.T) {
	full := goldenConfig()
	bare := full
	bare.LuaModules, bare.Upstream = nil, 0
	tests := []struct {
		file string
		gen  func(serverConfig) ([]byte, error)
		c    serverConfig
	}{
		{"nginx.conf.golden", nginxConf, full},
		{"nginx-bare.conf.golden", nginxConf, bare},
		{"upstream.conf.golden", upstreamConf, serverConfig{Dir: full.Dir, Root: full.Root, Plain: full.Upstream}},
		{"Caddyfile.golden", caddyfile, full},
		{"Caddyfile-bare.golden", caddyfile, bare},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			b, err := tt.gen(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, b)
		})
	}
}

// TestConfigsValidate has the installed nginx and Caddy check the
// generated configurations (with a real certificate from writeCert).
func TestConfigsValidate(t *testing.T) {
	dir := t.TempDir()
	c := goldenConfig()
	c.Dir, c.Root = dir, dir
	c.Cert, c.Key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := writeCert(c.Cert, c.Key); err != nil {
		t.Fatal(err)
	}
	c.LuaModules = luaModules()
	t.Run("nginx", func(t *testing.T) {
		testutil.Tool(t, "nginx", "Debian package nginx")
		for name, gen := range map[string]func(serverConfig) ([]byte, error){"nginx.conf": nginxConf, "upstream.conf": upstreamConf} {
			b, err := gen(c)
			if err != nil {
				t.Fatal(err)
			}
			cf := filepath.Join(dir, name)
			if err := os.WriteFile(cf, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command("nginx", "-t", "-q", "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", cf).CombinedOutput(); err != nil {
				t.Errorf("nginx -t %s: %v\n%s", name, err, out)
			}
		}
	})
	t.Run("caddy", func(t *testing.T) {
		testutil.Tool(t, "caddy", "Debian package caddy")
		b, err := caddyfile(c)
		if err != nil {
			t.Fatal(err)
		}
		cf := filepath.Join(dir, "Caddyfile")
		if err := os.WriteFile(cf, b, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("caddy", "validate", "--config", cf, "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("caddy validate: %v\n%s", err, out)
		}
	})
}
