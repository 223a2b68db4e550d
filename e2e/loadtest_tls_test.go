//go:build loadtest

package e2e

// The HTTPS load run: zeroserve (each transport, one worker) and nginx
// (one worker, no master) on CPU 0 serving the 174-byte file with an ECDSA
// P-256 certificate, TLS 1.2 and 1.3, HTTP/2 on; the load generator on CPU
// 1: wrk over HTTPS (HTTP/1.1) and h2load over TLS (16 connections × 10
// streams). Run it with
//
//	go test -tags loadtest -run TestLoadTLS -v -timeout 10m ./e2e
//
// It reports requests per second and the server's CPU time per request
// (utime+stime from /proc/PID/stat around each run). LOADTEST_DURATION
// sets wrk's duration (default 10s); LOADTEST_H2_REQUESTS h2load's -n
// (default 200000).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var (
	h2loadRPS    = regexp.MustCompile(`finished in [0-9.]+m?s, ([0-9.]+) req/s`)
	h2loadCounts = regexp.MustCompile(`requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored`)
)

// loadH2 runs h2load against url while measuring pid's CPU time.
func loadH2(t *testing.T, name, url string, pid int) loadResult {
	n := os.Getenv("LOADTEST_H2_REQUESTS")
	if n == "" {
		n = "200000"
	}
	before := cpuTicks(t, pid)
	out, err := exec.Command("taskset", "-c", "1", "h2load", "-c16", "-m10", "-n"+n, url).CombinedOutput()
	after := cpuTicks(t, pid)
	if err != nil {
		t.Fatalf("h2load: %v\n%s", err, out)
	}
	m1, m2 := h2loadCounts.FindSubmatch(out), h2loadRPS.FindSubmatch(out)
	if m1 == nil || m2 == nil {
		t.Fatalf("cannot parse h2load output:\n%s", out)
	}
	r := loadResult{name: name}
	r.requests, _ = strconv.ParseInt(string(m1[1]), 10, 64)
	r.rps, _ = strconv.ParseFloat(string(m2[1]), 64)
	if r.requests > 0 {
		r.usPerReq = float64(after-before) * 1e6 / clockTicks / float64(r.requests)
	}
	if string(m1[2]) != "0" || string(m1[3]) != "0" {
		r.errorLine = fmt.Sprintf("failed %s errored %s", m1[2], m1[3])
	}
	t.Logf("%s\n%s", name, out)
	return r
}

func TestLoadTLS(t *testing.T) {
	for _, tool := range []string{"wrk", "h2load", "nginx", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	dir := t.TempDir()
	ca := newCA(t, dir)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.issue(t, certFile, keyFile, "localhost", "127.0.0.1")

	var results []loadResult
	for _, tr := range transports {
		if tr == "uring" && uringUnavailable() != "" {
			t.Logf("skipping io_uring: %s", uringUnavailable())
			continue
		}
		bin := filepath.Join(binDir, "zeroserve")
		cmd := exec.Command("taskset", "-c", "0", bin, "--addr", "127.0.0.1:0", "--tls-addr", "127.0.0.1:0",
			"--cert", certFile, "--key", keyFile, "--workers", "1", "--transport", tr, "--access-log", "off", siteTar)
		s := startCmd(t, cmd, tr)
		m := tlsListeningRE.FindStringSubmatch(s.waitLog("listening on https://"))
		if m == nil {
			t.Fatal("no TLS startup line")
		}
		url := "https://" + m[1] + "/hello.txt"
		results = append(results,
			load(t, "zeroserve "+tr+" h1", url, s.cmd.Process.Pid),
			loadH2(t, "zeroserve "+tr+" h2", url, s.cmd.Process.Pid))
		if err := s.stop(); err != nil {
			t.Fatalf("zeroserve exit: %v", err)
		}
	}
	results = append(results, runNginxTLS(t, certFile, keyFile)...)

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-24s %12s %12s %14s\n", "server", "requests", "req/s", "CPU µs/req")
	for _, r := range results {
		fmt.Fprintf(&b, "%-24s %12d %12.0f %14.2f %s\n", r.name, r.requests, r.rps, r.usPerReq, r.errorLine)
	}
	t.Log(b.String())
}

// runNginxTLS serves siteDir over HTTPS with nginx on CPU 0, configured
// like runNginx plus TLS 1.2/1.3 and HTTP/2.
func runNginxTLS(t *testing.T, certFile, keyFile string) []loadResult {
	dir := t.TempDir()
	port := freePort(t)
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    open_file_cache max=1000;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    types { text/plain txt; text/html html; }
    server {
        listen 127.0.0.1:%[2]d ssl http2; # "http2 on" needs nginx 1.25.1
        http2_max_concurrent_streams 128;
        ssl_certificate %[4]s;
        ssl_certificate_key %[5]s;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;
        root %[3]s;
    }
}
`, dir, port, siteDir, certFile, keyFile)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("taskset", "-c", "0", "nginx", "-c", confPath, "-p", dir)
	out := &lockedBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		cmd.Wait()
	}()
	url := fmt.Sprintf("https://127.0.0.1:%d/hello.txt", port)
	for i := 0; ; i++ {
		if exec.Command("curl", "-skf", "-o", "/dev/null", url).Run() == nil {
			break
		}
		if i == 100 {
			t.Fatalf("nginx never answered %s: %s", url, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return []loadResult{
		load(t, "nginx h1", url, cmd.Process.Pid),
		loadH2(t, "nginx h2", url, cmd.Process.Pid),
	}
}
