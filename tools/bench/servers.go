package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The servers under test, in table order; nginx is the baseline of the
// ratios.
const (
	nginxName     = "nginx"
	caddyName     = "caddy"
	zeroserveName = "zeroserve"
)

// process is one running server (or the upstream).
type process struct {
	name  string
	cmd   *exec.Cmd
	dir   string        // its runtime directory, with its logs
	done  chan struct{} // closed when cmd.Wait returns
	werr  error         // cmd.Wait's result, valid after done
	plain int
	tls   int
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// start launches cmd in the foreground, output into dir.
func start(name, dir string, cmd *exec.Cmd) (*process, error) {
	out, err := os.Create(filepath.Join(dir, "output.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, dir: dir, done: make(chan struct{})}
	go func() {
		p.werr = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	return p, nil
}

// stop sends SIGTERM to the server's PID and waits for it to exit, with
// SIGKILL after 15 s.
func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has exited, with its log tail.
func (p *process) exited() error {
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%v): %s", p.name, p.werr, p.logTail())
	default:
		return nil
	}
}

// logTail returns the last lines of the process's output, for errors.
func (p *process) logTail() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "output.log"))
	if e, err := os.ReadFile(filepath.Join(p.dir, "error.log")); err == nil {
		b = append(b, e...)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls http://127.0.0.1:port+path until it answers 200 and
// returns the time since t0. It polls every 200 µs, so cold-start times
// are exact to about that much.
func waitReady(p *process, port int, path string, t0 time.Time, limit time.Duration) (time.Duration, error) {
	req := "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
	deadline := t0.Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if err := p.exited(); err != nil {
			return 0, err
		}
		status, err := rawGet(port, req)
		if err == nil && status == 200 {
			return time.Since(t0), nil
		}
		if err == nil {
			err = fmt.Errorf("status %d", status)
		}
		last = err
		time.Sleep(200 * time.Microsecond)
	}
	return 0, fmt.Errorf("%s not ready after %v: %v; log: %s", p.name, limit, last, p.logTail())
}

// rawGet sends req on a fresh connection and returns the response status.
func rawGet(port int, req string) (int, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		return 0, err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return 0, err
	}
	var status int
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		return 0, fmt.Errorf("status line %q", line)
	}
	return status, nil
}

// clients are the probe clients: plain HTTP/1.1, HTTPS forced to
// HTTP/1.1 and HTTPS forced to HTTP/2. None asks for compression, like wrk
// and h2load.
type clients struct {
	plain, h1, h2 *http.Client
}

func newClients(certPEM []byte) (*clients, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		return nil, errors.New("bench certificate does not parse")
	}
	mk := func(http2, tlsOn bool) *http.Client {
		tr := &http.Transport{DisableCompression: true, Protocols: new(http.Protocols)}
		if tlsOn {
			tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		}
		if http2 {
			tr.Protocols.SetHTTP2(true)
		} else {
			tr.Protocols.SetHTTP1(true)
		}
		return &http.Client{Transport: tr, Timeout: 5 * time.Second}
	}
	return &clients{plain: mk(false, false), h1: mk(false, true), h2: mk(true, true)}, nil
}

// probe fetches the workload's URL once from srv and checks status 200, the
// protocol and the body, so every server is measured doing the same work.
func (c *clients) probe(w workload, port int) error {
	cl := c.plain
	switch {
	case w.Scheme == "https" && w.HTTP2:
		cl = c.h2
	case w.Scheme == "https":
		cl = c.h1
	}
	url := fmt.Sprintf("%s://127.0.0.1:%d%s", w.Scheme, port, w.Path)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s → %d", w.Path, resp.StatusCode)
	}
	want := 1
	if w.HTTP2 {
		want = 2
	}
	if resp.ProtoMajor != want {
		return fmt.Errorf("GET %s answered over %s, want HTTP/%d", w.Path, resp.Proto, want)
	}
	if err := w.check(body); err != nil {
		return fmt.Errorf("GET %s: %w", w.Path, err)
	}
	return nil
}
