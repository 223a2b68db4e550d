// Package e2e runs the real zspack and zeroserve binaries: TestMain builds
// them into a temporary directory, packs the test sites, and the tests start
// zeroserve on loopback and talk to it with raw sockets and curl.
package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Set by TestMain.
var (
	binDir   string // zspack and zeroserve
	helloTar string // examples/hello packed
	siteDir  string // the generated site
	siteTar  string // siteDir packed
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "zeroserve-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	binDir = filepath.Join(tmp, "bin")
	build := exec.Command("go", "build", "-o", binDir+"/", "./cmd/zspack", "./cmd/zeroserve")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build binaries: %v\n%s", err, out)
		return 1
	}
	helloTar = filepath.Join(tmp, "hello.zs.tar")
	if err := pack("../examples/hello", helloTar); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	siteDir = filepath.Join(tmp, "site")
	if err := writeSite(siteDir, "v0"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	siteTar = filepath.Join(tmp, "site.zs.tar")
	if err := pack(siteDir, siteTar); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// hello174 is the 174-byte file the benchmarks serve too.
var hello174 = strings.Repeat("hello world\n", 14) + "123456"

// writeSite writes the generated test site; version is served as
// /version.txt so reload tests can tell generations apart.
func writeSite(dir, version string) error {
	files := map[string]string{
		"index.html":      "<!doctype html><title>site</title><p>home</p>\n",
		"hello.txt":       hello174,
		"version.txt":     version + "\n",
		"docs/index.html": "<!doctype html><title>docs</title>\n",
		"about.html":      "<!doctype html><title>about</title>\n",
		"big.bin":         strings.Repeat("0123456789abcdef", 1<<14), // 256 KiB
		"style.css":       strings.Repeat("body { color: #123456; }\n", 40),
	}
	for p, data := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// pack runs zspack build DIR -o out.
func pack(dir, out string) error {
	cmd := exec.Command(filepath.Join(binDir, "zspack"), "build", dir, "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("zspack build %s: %v\n%s", dir, err, b)
	}
	return nil
}

// server is a running zeroserve process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // host:port from the startup line
	url  string

	mu      sync.Mutex
	stderr  bytes.Buffer
	stdout  lockedBuffer // the access log
	lines   chan string  // stderr lines, for waitLog
	done    chan struct{}
	waitErr error // the exit status, once done is closed
}

var listeningRE = regexp.MustCompile(`listening on http://([0-9.:\[\]a-f]+) \((\d+) workers, ([a-z_]+)\)`)

// startServer runs zeroserve on a free loopback port and waits for its
// startup line. The process is stopped (SIGKILL if still running) at the end
// of the test.
func startServer(t *testing.T, transport, archive string, flags ...string) *server {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--workers", "2", "--transport", transport,
		"--access-log", "off"}, flags...)
	args = append(args, archive)
	return startCmd(t, exec.Command(filepath.Join(binDir, "zeroserve"), args...), transport)
}

// startCmd starts a prepared zeroserve command and waits for its startup
// line, checking that it runs the transport asked for.
func startCmd(t *testing.T, cmd *exec.Cmd, transport string) *server {
	t.Helper()
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	cmd.Stdout = &s.stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			s.mu.Lock()
			s.stderr.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			select {
			case s.lines <- sc.Text():
			default:
			}
		}
		close(s.lines)
		s.waitErr = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // fails harmlessly when it has exited
		<-s.done
		if t.Failed() {
			t.Logf("zeroserve stderr:\n%s", s.log())
		}
	})
	line := s.waitLog("listening on ")
	m := listeningRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("startup line %q does not match %v", line, listeningRE)
	}
	s.addr, s.url = m[1], "http://"+m[1]
	if want := map[string]string{"uring": "io_uring", "netpoll": "netpoll"}[transport]; m[3] != want {
		t.Fatalf("transport %s in %q, want %s", m[3], line, want)
	}
	return s
}

// waitLog returns the next stderr line containing substr. It fails the
// test if the process exits first; the 20 s guard only turns a hang into a
// failure, it synchronises nothing.
func (s *server) waitLog(substr string) string {
	s.t.Helper()
	guard := time.NewTimer(20 * time.Second)
	defer guard.Stop()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("zeroserve exited before logging %q:\n%s", substr, s.log())
			}
			if strings.Contains(line, substr) {
				return line
			}
		case <-guard.C:
			s.t.Fatalf("no %q in zeroserve's log:\n%s", substr, s.log())
		}
	}
}

func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr.String()
}

func (s *server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// stop sends SIGTERM and returns the exit error (nil for exit 0).
func (s *server) stop() error {
	s.signal(syscall.SIGTERM)
	for range s.lines {
	}
	<-s.done
	return s.waitErr
}

// lockedBuffer is a bytes.Buffer safe for the writer goroutine of exec.Cmd
// and the test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
