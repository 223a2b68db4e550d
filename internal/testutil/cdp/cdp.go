package cdp

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/websocket"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// Browser is a running headless Chromium.
type Browser struct {
	cmd     *exec.Cmd
	dir     string // the throwaway profile
	devtool string // host:port of the DevTools HTTP endpoint
	exited  chan struct{}

	mu     sync.Mutex
	stderr strings.Builder
}

var devtoolsRE = regexp.MustCompile(`DevTools listening on ws://([^/\s]+)/`)

// Start launches Chromium at path with a fresh profile and waits (up to
// timeout) for its DevTools endpoint.
func Start(path string, timeout time.Duration) (*Browser, error) {
	dir, err := os.MkdirTemp("", "cdp-profile-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--remote-allow-origins=*",
		"--user-data-dir="+dir, "--remote-debugging-port=0", "about:blank")
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	b := &Browser{cmd: cmd, dir: dir, exited: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(errPipe)
		for sc.Scan() {
			b.mu.Lock()
			b.stderr.WriteString(sc.Text() + "\n")
			b.mu.Unlock()
			if m := devtoolsRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, errPipe)
		cmd.Wait()
		close(b.exited)
	}()
	guard := time.NewTimer(timeout)
	defer guard.Stop()
	select {
	case b.devtool = <-found:
		return b, nil
	case <-b.exited:
		err = fmt.Errorf("chromium exited before its DevTools endpoint was up:\n%s", b.Log())
	case <-guard.C:
		err = fmt.Errorf("no DevTools endpoint after %v:\n%s", timeout, b.Log())
	}
	b.Close()
	return nil, err
}

// Log returns what Chromium printed on stderr.
func (b *Browser) Log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// Close kills the browser and removes its profile.
func (b *Browser) Close() error {
	b.cmd.Process.Kill()
	<-b.exited
	return os.RemoveAll(b.dir)
}

// target is one entry of the DevTools /json endpoints.
type target struct {
	ID    string `json:"id"`
	WSURL string `json:"webSocketDebuggerUrl"`
}

// NewPage opens a tab on pageURL and connects to it.
func (b *Browser) NewPage(pageURL string) (*Page, error) {
	req, err := http.NewRequest(http.MethodPut, "http://"+b.devtool+"/json/new?"+url.PathEscape(pageURL), nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("new tab: %w", err)
	}
	defer res.Body.Close()
	var t target
	if err := json.NewDecoder(res.Body).Decode(&t); err != nil || t.WSURL == "" {
		return nil, fmt.Errorf("new tab: bad answer (status %d, %v)", res.StatusCode, err)
	}
	ws, err := websocket.Dial(t.WSURL, "", "http://"+b.devtool)
	if err != nil {
		return nil, fmt.Errorf("connect to tab: %w", err)
	}
	p := &Page{ws: ws}
	if err := p.waitLoaded(pageURL); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// waitLoaded returns once the tab has left about:blank for its URL and
// fired its load event. A new tab starts on about:blank and navigates by
// itself; until the navigation commits, evaluations run in the blank page.
func (p *Page) waitLoaded(pageURL string) error {
	if pageURL == "about:blank" {
		return nil
	}
	const loaded = `new Promise(r => {
		const done = () => r(location.href);
		document.readyState === "complete" ? done() : addEventListener("load", done, {once: true});
	})`
	deadline := time.Now().Add(30 * time.Second)
	for {
		var href string
		err := p.Eval(loaded, &href)
		if err == nil && href != "about:blank" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("tab did not load %s (at %q, %v)", pageURL, href, err)
		}
	}
}

// Page is one browser tab. Its methods are not safe for concurrent use.
type Page struct {
	ws   *websocket.Conn
	next int64
}

// Close disconnects from the tab.
func (p *Page) Close() error { return p.ws.Close() }

type request struct {
	ID     int64  `json:"id"`
	Method string `json:"method"`
	Params any    `json:"params,omitempty"`
}

type response struct {
	ID     int64           `json:"id"`
	Method string          `json:"method"` // set on events
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// Call sends one command and decodes its result into result (when not
// nil). Events that arrive meanwhile are dropped.
func (p *Page) Call(method string, params, result any) error {
	p.next++
	id := p.next
	p.ws.SetDeadline(time.Now().Add(30 * time.Second))
	if err := websocket.JSON.Send(p.ws, request{ID: id, Method: method, Params: params}); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		var r response
		if err := websocket.JSON.Receive(p.ws, &r); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		if r.ID != id {
			continue
		}
		if r.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, r.Error.Message, r.Error.Code)
		}
		if result == nil {
			return nil
		}
		return json.Unmarshal(r.Result, result)
	}
}

// ErrException is returned by Eval when the expression threw.
var ErrException = errors.New("javascript exception")

// Eval evaluates a JavaScript expression in the page (awaiting a promise)
// and decodes its JSON value into out (when not nil).
func (p *Page) Eval(expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := p.Call("Runtime.evaluate", map[string]any{
		"expression": expr, "returnByValue": true, "awaitPromise": true,
	}, &res)
	if err != nil {
		return err
	}
	if res.Exception != nil {
		return fmt.Errorf("%w: %s in %q", ErrException, res.Exception.Text, expr)
	}
	if out == nil || res.Result.Value == nil {
		return nil
	}
	return json.Unmarshal(res.Result.Value, out)
}
