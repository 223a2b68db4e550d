//go:build loadtest

package e2e

// The script load run: a script answering {"path":"<path>","ok":true}
// from the request path, in zeroserve (each transport) and in nginx with
// content_by_lua_block, side by side; the server pinned to CPU 0 with one
// worker, wrk to CPU 1 (taskset -c 1 wrk -t1 -c50 -d10s). Run it with
//
//	go test -tags loadtest -run TestLoadScripts -v -timeout 5m ./e2e
//
// Requests per second and server CPU µs per request as in TestLoad.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// benchPath is the request path: the answer is {"path":"/bench/items/42","ok":true}.
const benchPath = "/bench/items/42"

func TestLoadScripts(t *testing.T) {
	for _, tool := range []string{"wrk", "nginx", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	tar := buildSite(t, "testdata/bench-site")
	var results []loadResult
	for _, tr := range transports {
		if tr == "uring" && uringUnavailable() != "" {
			t.Logf("skipping io_uring: %s", uringUnavailable())
			continue
		}
		cmd := exec.Command("taskset", "-c", "0", filepath.Join(binDir, "zeroserve"), "--addr", "127.0.0.1:0",
			"--workers", "1", "--transport", tr, "--access-log", "off", tar)
		s := startCmd(t, cmd, tr)
		checkBenchAnswer(t, s.url+benchPath, "zeroserve "+tr)
		results = append(results, load(t, "zeroserve "+tr+" script", s.url+benchPath, s.cmd.Process.Pid))
		if err := s.stop(); err != nil {
			t.Fatalf("zeroserve exit: %v", err)
		}
	}
	if r, ok := runNginxLua(t); ok {
		results = append(results, r)
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-26s %12s %12s %14s\n", "server", "requests", "req/s", "CPU µs/req")
	for _, r := range results {
		fmt.Fprintf(&b, "%-26s %12d %12.0f %14.2f %s\n", r.name, r.requests, r.rps, r.usPerReq, r.errorLine)
	}
	t.Log(b.String())
}

// checkBenchAnswer makes sure the server answers the benchmark request with
// the expected JSON and a Content-Length (no chunking) before measuring.
func checkBenchAnswer(t *testing.T, url, who string) {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "-i", url).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: curl: %v\n%s", who, err, out)
	}
	s := strings.ReplaceAll(string(out), "\r\n", "\n")
	want := `{"path":"` + benchPath + `","ok":true}`
	if !strings.Contains(s, "200 OK") || !strings.HasSuffix(s, "\n\n"+want) ||
		!strings.Contains(strings.ToLower(s), "content-length: "+fmt.Sprint(len(want))) {
		t.Fatalf("%s answers:\n%s\nwant %s with Content-Length", who, s, want)
	}
}

// luaModules are the nginx modules content_by_lua_block needs (Debian's
// libnginx-mod-http-lua and its NDK dependency).
var luaModules = []string{"/usr/lib/nginx/modules/ndk_http_module.so", "/usr/lib/nginx/modules/ngx_http_lua_module.so"}

// runNginxLua runs nginx with the same answer built in Lua, configured like
// runNginx (one worker process, no master, access log off, unlimited
// keep-alive).
func runNginxLua(t *testing.T) (loadResult, bool) {
	for _, m := range luaModules {
		if _, err := os.Stat(m); err != nil {
			t.Logf("skipping nginx+lua: %v (Debian package libnginx-mod-http-lua)", err)
			return loadResult{}, false
		}
	}
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`load_module %[3]s;
load_module %[4]s;
daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    server {
        listen 127.0.0.1:%[2]d;
        location / {
            default_type application/json;
            content_by_lua_block {
                local body = '{"path":"' .. ngx.var.uri .. '","ok":true}'
                ngx.header.content_length = #body
                ngx.print(body)
            }
        }
    }
}
`, dir, port, luaModules[0], luaModules[1])
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("taskset", "-c", "0", "nginx", "-c", confPath, "-p", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d%s", port, benchPath)
	waitHTTP(t, url)
	checkBenchAnswer(t, url, "nginx+lua")
	return load(t, "nginx content_by_lua", url, cmd.Process.Pid), true
}
