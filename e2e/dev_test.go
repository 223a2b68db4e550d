package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
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

// devProc is a running `zspack dev`.
type devProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	url  string
	addr string

	mu   sync.Mutex
	out  strings.Builder // stdout and stderr, interleaved as read
	subs []chan string
	done chan struct{}
	err  error
}

var devURLRE = regexp.MustCompile(`serving .* at (https?://([0-9.:]+))`)

// startDev runs zspack dev on dir and waits for the line with its URL.
func startDev(t *testing.T, dir string, flags ...string) *devProc {
	t.Helper()
	args := append([]string{"dev", "--addr", "127.0.0.1:0", "--workers", "1"}, flags...)
	cmd := exec.Command(filepath.Join(binDir, "zspack"), append(args, dir)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	d := &devProc{t: t, cmd: cmd, done: make(chan struct{})}
	urls := d.subscribe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			for sc.Scan() {
				d.line(sc.Text())
			}
		}()
	}
	go func() {
		wg.Wait()
		d.err = cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		// SIGINT lets zspack dev remove its archive directory; the kill
		// after the guard only ends a hang.
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-d.done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("zspack dev output:\n%s", d.output())
		}
	})
	line := d.waitFor(urls, "serving ")
	m := devURLRE.FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("startup line %q does not match %v", line, devURLRE)
	}
	d.url, d.addr = m[1], m[2]
	return d
}

func (d *devProc) line(s string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.out.WriteString(s + "\n")
	for _, c := range d.subs {
		select {
		case c <- s:
		default:
		}
	}
}

// subscribe returns a channel of output lines from now on.
func (d *devProc) subscribe() chan string {
	c := make(chan string, 256)
	d.mu.Lock()
	d.subs = append(d.subs, c)
	d.mu.Unlock()
	return c
}

func (d *devProc) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.out.String()
}

// waitFor returns the next line on c containing substr. The 20 s guard
// only turns a hang into a failure; it synchronises nothing.
func (d *devProc) waitFor(c chan string, substr string) string {
	d.t.Helper()
	guard := time.NewTimer(20 * time.Second)
	defer guard.Stop()
	for {
		select {
		case l := <-c:
			if strings.Contains(l, substr) {
				return l
			}
		case <-d.done:
			d.t.Fatalf("zspack dev exited (%v) before printing %q:\n%s", d.err, substr, d.output())
		case <-guard.C:
			d.t.Fatalf("zspack dev printed no %q:\n%s", substr, d.output())
		}
	}
}

// get fetches a path and returns the body.
func (d *devProc) get(path string) string {
	d.t.Helper()
	res, err := http.Get(d.url + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		d.t.Fatal(err)
	}
	return string(b)
}

// devEvent is one Server-Sent Event of the live-reload stream.
type devEvent struct{ name, data string }

// hello is the data of the first event of every stream.
type hello struct {
	Build, Reload uint64
	Error         string
	Session       string
}

// eventStream is an open /.zeroserve/dev/events, read the way a browser
// reads it: one raw HTTP/1.1 request, then events until the server closes.
type eventStream struct {
	t      *testing.T
	c      net.Conn
	events chan devEvent // closed at the end of the stream
}

// events opens the live-reload stream and returns it with its hello.
func (d *devProc) events() (*eventStream, hello) {
	d.t.Helper()
	c, err := net.Dial("tcp", d.addr)
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET /.zeroserve/dev/events HTTP/1.1\r\nHost: dev\r\nAccept: text/event-stream\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-cache" {
		d.t.Fatalf("event stream: %s %v", res.Status, res.Header)
	}
	es := &eventStream{t: d.t, c: c, events: make(chan devEvent, 64)}
	go func() {
		defer close(es.events)
		r := bufio.NewReader(res.Body)
		var ev devEvent
		var data []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSuffix(line, "\n")
			switch {
			case line == "" && ev.name != "":
				ev.data = strings.Join(data, "\n")
				es.events <- ev
				ev, data = devEvent{}, nil
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				data = append(data, line[len("data: "):])
			}
		}
	}()
	ev := es.next()
	var h hello
	if ev.name != "hello" || json.Unmarshal([]byte(ev.data), &h) != nil {
		d.t.Fatalf("first event %+v, want a hello", ev)
	}
	return es, h
}

// next returns the next event. The 20 s guard only turns a hang into a
// failure.
func (es *eventStream) next() devEvent {
	es.t.Helper()
	guard := time.NewTimer(20 * time.Second)
	defer guard.Stop()
	select {
	case ev, ok := <-es.events:
		if !ok {
			es.t.Fatal("event stream ended")
		}
		return ev
	case <-guard.C:
		es.t.Fatal("no event within 20 s")
	}
	return devEvent{}
}

// expect reads the next events and checks their names (and data, when
// given as "name=data").
func (es *eventStream) expect(want ...string) []devEvent {
	es.t.Helper()
	var got []devEvent
	for _, w := range want {
		ev := es.next()
		got = append(got, ev)
		name, data, hasData := strings.Cut(w, "=")
		if ev.name != name || hasData && ev.data != data {
			es.t.Fatalf("event %+v, want %s (events so far %+v)", ev, w, got)
		}
	}
	return got
}

// poll calls cond until it holds and returns how long that took. The
// guard only turns a hang into a failure.
func poll(t *testing.T, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 20*time.Second {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	return time.Since(start)
}

// writeFile writes a site file, creating directories.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// replaceFile puts data at path in one step: written in full outside the
// site, then renamed in. TestDev counts builds, and a plain write (truncate,
// then write) is two changes when the test is descheduled between them for
// longer than the debounce: the build in between would see an empty file.
// A path in a directory the site lacks brings its new directories in the
// same rename.
func replaceFile(t *testing.T, site, path, data string) {
	t.Helper()
	rel, err := filepath.Rel(site, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Fatalf("%s is not in the site %s", path, site)
	}
	// The outermost directory of rel the site lacks, or rel itself.
	top := rel
	for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(site, d)); err != nil {
			top = d
		}
	}
	stage := t.TempDir() // same file system as the site (both in TMPDIR)
	writeFile(t, filepath.Join(stage, rel), data)
	if err := os.Rename(filepath.Join(stage, top), filepath.Join(site, top)); err != nil {
		t.Fatal(err)
	}
}

// saveLikeAnEditor writes data to path the way vim and many IDEs do: a
// swap file, the probe file, a temporary written in full and renamed over
// the target, then the swap file removed.
func saveLikeAnEditor(t *testing.T, path, data string) {
	t.Helper()
	dir, name := filepath.Split(path)
	swp := filepath.Join(dir, "."+name+".swp")
	writeFile(t, swp, "swap")
	writeFile(t, filepath.Join(dir, "4913"), "")
	os.Remove(filepath.Join(dir, "4913"))
	tmp := filepath.Join(dir, name+"~")
	writeFile(t, tmp, data)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	os.Remove(swp)
}

// clang19 says why scripts cannot be compiled here, or "".
func clang19() string {
	if _, err := exec.LookPath("clang-19"); err != nil {
		return "clang-19 not installed"
	}
	return ""
}

// devSite writes a small site; with scripts it copies a real script from
// examples/api.
// pageScript answers /dyn with an HTML page of its own.
const pageScript = `#include "zeroserve.h"
static char path[64];
ZS_ENTRY
zs_u64 entry(void) {
  if (zs_req_path(path, sizeof path) == 4 && zs_strcmp(path, "/dyn") == 0) {
    zs_meta_set(ZS_STR("zs.response.header.content-type"), ZS_STR("text/html; charset=utf-8"));
    zs_respond(200, ZS_STR("<!doctype html><body><p>dynamic</p></body>"));
  }
  return 0;
}
`

func devSite(t *testing.T, scripts bool) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "index.html"),
		"<!doctype html><title>dev</title><link rel=stylesheet href=/style.css><body><p id=v>v1</p></body>\n")
	writeFile(t, filepath.Join(dir, "style.css"), "p { color: #111 }\n")
	if scripts {
		src, err := os.ReadFile("../examples/api/.zeroserve/scripts/10-health.c")
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, ".zeroserve/scripts/10-health.c"), string(src))
		writeFile(t, filepath.Join(dir, ".zeroserve/scripts/20-page.c"), pageScript)
	}
	return dir
}

func TestDev(t *testing.T) {
	forEachTransport(t, func(t *testing.T, transport string) {
		noClang := clang19()
		dir := devSite(t, noClang == "")
		d := startDev(t, dir, "--transport", transport)
		lines := d.subscribe()
		if body := d.get("/"); !strings.Contains(body, "v1") || !strings.Contains(body, `data-zeroserve-build="1"`) ||
			!strings.Contains(body, `src="/.zeroserve/dev/client.js"`) {
			t.Fatalf("GET / = %q, want v1 with the reload script of build 1", body)
		}
		if noClang == "" {
			if body := d.get("/dyn"); !strings.Contains(body, "<p>dynamic</p>") || !strings.Contains(body, `data-zeroserve-build="1"`) {
				t.Fatalf("GET /dyn = %q, want the script's page with the reload script of build 1", body)
			}
		}
		if js := d.get("/.zeroserve/dev/client.js"); !strings.Contains(js, "new EventSource(") {
			t.Fatalf("client script %q does not use EventSource", js)
		}
		es, h := d.events()
		if h.Build != 1 || h.Reload != 1 || h.Error != "" || h.Session == "" {
			t.Fatalf("hello %+v, want build 1 without error", h)
		}

		// A keep-alive connection opened now must survive every swap.
		keep := dialKeepAlive(t, d.addr)
		keep.get("/style.css")

		// Edit a page: a reload event arrives, and the new content is
		// served by then (the build is swapped in before it is announced).
		start := time.Now()
		replaceFile(t, dir, filepath.Join(dir, "index.html"), "<!doctype html><body><p id=v>v2</p></body>\n")
		es.expect("reload=2")
		took := time.Since(start)
		if body := d.get("/"); !strings.Contains(body, "v2") {
			t.Fatalf("GET / after the reload event = %q, want v2", body)
		}
		t.Logf("edit announced and served after %v", took)
		d.waitFor(lines, "rebuilt in")
		if took > time.Second {
			t.Logf("warning: edit took %v to be served (machine under load?)", took)
		}

		// An editor's save (swap file, probe, rename-over) is one change,
		// and its temporary files never break or enter the build.
		saveLikeAnEditor(t, filepath.Join(dir, "index.html"), "<!doctype html><body><p id=v>v3</p></body>\n")
		es.expect("reload=3")
		if body := d.get("/"); !strings.Contains(body, "v3") {
			t.Fatalf("GET / after an editor's save = %q, want v3", body)
		}
		if out := d.output(); strings.Contains(out, "build failed") || strings.Contains(out, ".swp") {
			t.Fatalf("editor temporaries leaked into a build:\n%s", out)
		}

		// A stylesheet-only change does not ask pages to reload.
		replaceFile(t, dir, filepath.Join(dir, "style.css"), "p { color: #222 }\n")
		es.expect("css=4")
		if css := d.get("/style.css"); !strings.Contains(css, "#222") {
			t.Fatalf("GET /style.css after the css event = %q", css)
		}

		// New directories are picked up.
		replaceFile(t, dir, filepath.Join(dir, "docs/guide/index.html"), "<p>guide</p>")
		es.expect("reload=5")
		if body := d.get("/docs/guide/"); !strings.Contains(body, "guide") {
			t.Fatalf("GET /docs/guide/ = %q", body)
		}

		if noClang != "" {
			t.Logf("skipping the broken-script part: %s", noClang)
		} else {
			script := filepath.Join(dir, ".zeroserve/scripts/10-health.c")
			src, _ := os.ReadFile(script)
			replaceFile(t, dir, script, string(src)+"\nint broken = ;\n")
			ev := es.expect("error")[0]
			if !strings.Contains(ev.data, "10-health.c") || !strings.Contains(ev.data, "expected expression") {
				t.Errorf("error event %q; want clang's error", ev.data)
			}
			d.waitFor(lines, "build failed")
			d.waitFor(lines, "error: expected expression")
			if out := d.output(); !strings.Contains(out, "10-health.c") {
				t.Errorf("terminal does not show clang's error:\n%s", out)
			}
			if body := d.get("/"); !strings.Contains(body, "v3") {
				t.Errorf("GET / after a broken build = %q, want the last good build (v3)", body)
			}
			// A page that connects now hears of the error at once.
			_, h2 := d.events()
			if h2.Build != 5 || !strings.Contains(h2.Error, "expected expression") || h2.Session != h.Session {
				t.Errorf("hello while broken %+v; want build 5, clang's error and session %s", h2, h.Session)
			}
			replaceFile(t, dir, script, string(src))
			es.expect("ok=6", "reload=6")
			d.waitFor(lines, "rebuilt in")
		}

		if res := keep.get("/style.css"); !strings.Contains(res, "#222") {
			t.Errorf("keep-alive connection after swaps got %q", res)
		}

		// Stopping ends the stream (a browser then retries until a new
		// zspack dev answers).
		if err := d.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		for range es.events {
		}
		<-d.done
		if d.err != nil {
			t.Errorf("zspack dev exit after SIGINT: %v", d.err)
		}
	})
}

// TestDevNoReload: --no-reload serves pages exactly as written and has no
// live-reload endpoints.
func TestDevNoReload(t *testing.T) {
	dir := devSite(t, false)
	d := startDev(t, dir, "--no-reload", "--transport", "netpoll")
	if body := d.get("/"); strings.Contains(body, "zeroserve") {
		t.Fatalf("GET / with --no-reload = %q, want no reload script", body)
	}
	res, err := http.Get(d.url + "/.zeroserve/dev/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("event stream with --no-reload: %s, want 404", res.Status)
	}
	writeFile(t, filepath.Join(dir, "index.html"), "<p>v2</p>")
	poll(t, "v2 served", func() bool { return d.get("/") == "<p>v2</p>" })
}

// keepAlive is one HTTP/1.1 connection reused for every request.
type keepAlive struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialKeepAlive(t *testing.T, addr string) *keepAlive {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &keepAlive{t: t, c: c, r: bufio.NewReader(c)}
}

func (k *keepAlive) get(path string) string {
	k.t.Helper()
	k.c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(k.c, "GET "+path+" HTTP/1.1\r\nHost: dev\r\n\r\n"); err != nil {
		k.t.Fatalf("keep-alive connection: %v", err)
	}
	res, err := http.ReadResponse(k.r, nil)
	if err != nil {
		k.t.Fatalf("keep-alive connection: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
