//go:build loadtest

package e2e

// The load run: wrk against zeroserve (each transport) and nginx serving
// the same 174-byte file; the server pinned to CPU 0 with one worker, wrk to
// CPU 1. Run it with
//
//	go test -tags loadtest -run TestLoad -v -timeout 5m ./e2e
//
// It reports requests per second and the server's CPU time per request
// (utime+stime from /proc/PID/stat before and after the run, divided by the
// requests wrk completed). LOADTEST_DURATION overrides the 10 s per run.

import (
	"fmt"
	"net"
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

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on
// every Linux architecture Go supports).
const clockTicks = 100

// cpuTicks returns utime+stime of pid.
func cpuTicks(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	// Fields after "pid (comm) ": state is f[0]; utime is field 14 → f[11].
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ut + st
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkErrors   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

type loadResult struct {
	name      string
	requests  int64
	rps       float64
	usPerReq  float64
	errorLine string
}

// load runs wrk against url while measuring pid's CPU time.
func load(t *testing.T, name, url string, pid int) loadResult {
	dur := os.Getenv("LOADTEST_DURATION")
	if dur == "" {
		dur = "10s"
	}
	before := cpuTicks(t, pid)
	out, err := exec.Command("taskset", "-c", "1", "wrk", "-t1", "-c50", "-d"+dur, url).CombinedOutput()
	after := cpuTicks(t, pid)
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m1, m2 := wrkRequests.FindSubmatch(out), wrkRPS.FindSubmatch(out)
	if m1 == nil || m2 == nil {
		t.Fatalf("cannot parse wrk output:\n%s", out)
	}
	r := loadResult{name: name}
	r.requests, _ = strconv.ParseInt(string(m1[1]), 10, 64)
	r.rps, _ = strconv.ParseFloat(string(m2[1]), 64)
	r.usPerReq = float64(after-before) * 1e6 / clockTicks / float64(r.requests)
	if m := wrkErrors.Find(out); m != nil {
		r.errorLine = string(m)
	}
	t.Logf("%s\n%s", name, out)
	return r
}

func TestLoad(t *testing.T) {
	for _, tool := range []string{"wrk", "nginx", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	var results []loadResult
	for _, tr := range transports {
		if tr == "uring" && uringUnavailable() != "" {
			t.Logf("skipping io_uring: %s", uringUnavailable())
			continue
		}
		s := startPinned(t, tr)
		results = append(results, load(t, "zeroserve "+tr, s.url+"/hello.txt", s.cmd.Process.Pid))
		if err := s.stop(); err != nil {
			t.Fatalf("zeroserve exit: %v", err)
		}
	}
	results = append(results, runNginx(t))

	var b strings.Builder
	fmt.Fprintf(&b, "\n%-20s %12s %12s %14s\n", "server", "requests", "req/s", "CPU µs/req")
	for _, r := range results {
		fmt.Fprintf(&b, "%-20s %12d %12.0f %14.2f %s\n", r.name, r.requests, r.rps, r.usPerReq, r.errorLine)
	}
	t.Log(b.String())
}

// startPinned runs zeroserve with one worker on CPU 0.
func startPinned(t *testing.T, tr string) *server {
	t.Helper()
	bin := filepath.Join(binDir, "zeroserve")
	cmd := exec.Command("taskset", "-c", "0", bin, "--addr", "127.0.0.1:0", "--workers", "1",
		"--transport", tr, "--access-log", "off", siteTar)
	return startCmd(t, cmd, tr)
}

// runNginx serves siteDir with nginx on CPU 0: one worker process and no
// master (so the measured PID does all the work), access log off, keep-alive
// without a request limit and an open file cache; everything else at nginx's
// compiled-in defaults (sendfile off, which suits a 174-byte file).
func runNginx(t *testing.T) loadResult {
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
        listen 127.0.0.1:%[2]d;
        root %[3]s;
    }
}
`, dir, port, siteDir)
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
	url := fmt.Sprintf("http://127.0.0.1:%d/hello.txt", port)
	waitHTTP(t, url)
	return load(t, "nginx", url, cmd.Process.Pid)
}

func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := strings.Cut(ln.Addr().String(), "127.0.0.1:")
	n, _ := strconv.Atoi(p)
	return n
}

// waitHTTP polls url until it answers (nginx prints no readiness line).
func waitHTTP(t *testing.T, url string) {
	for i := 0; ; i++ {
		if err := exec.Command("curl", "-sf", "-o", "/dev/null", url).Run(); err == nil {
			return
		}
		if i == 100 {
			t.Fatalf("nginx never answered %s", url)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
