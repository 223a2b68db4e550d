package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"

	"zeroserve.dev/zeroserve/internal/testutil/cdp"
)

// evalPoll evaluates expr in the page until it returns want. The guard
// only turns a hang into a failure.
func evalPoll(t *testing.T, p *cdp.Page, what, expr, want string) {
	t.Helper()
	var got string
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) { // polling interval
		got = ""
		if err := p.Eval(expr, &got); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got == want {
			return
		}
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%s: %q is %q, want %q", what, expr, got, want)
		}
	}
}

// TestDevBrowser opens a zspack dev page in headless Chromium and watches
// it follow the site over the Server-Sent Events stream: a reload after an
// edit, stylesheets swapped in place after a CSS edit, a build missed while
// the stream was down caught up on reconnect, and the error overlay while
// a build is broken (on a page opened then too).
func TestDevBrowser(t *testing.T) {
	if _, err := os.Stat(cdp.DefaultPath); err != nil {
		testutil.Missing(t, "no Chromium at "+cdp.DefaultPath+" (Debian package chromium)")
	}
	dir := devSite(t, false)
	d := startDev(t, dir, "--transport", "netpoll")
	b, err := cdp.Start(cdp.DefaultPath, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage(d.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	const text = `((document.getElementById("v") || {}).textContent || "")`
	const marker = `typeof window.zsMarker`
	const overlay = `((document.getElementById("zeroserve-dev-overlay") || {}).textContent || "")`
	evalPoll(t, p, "first load", text, "v1")

	// An edit reloads the page by itself: the marker set on this
	// document is gone and the new text is there.
	if err := p.Eval(`window.zsMarker = 1; "set"`, nil); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "index.html"),
		"<!doctype html><title>dev</title><link rel=stylesheet href=/style.css><body><p id=v>v2</p></body>\n")
	evalPoll(t, p, "reload after edit", text+` + " " + `+marker, "v2 undefined")

	// A stylesheet edit is applied without reloading the page.
	if err := p.Eval(`window.zsMarker = 1; "set"`, nil); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "style.css"), "p { color: rgb(0, 128, 0) }\n")
	evalPoll(t, p, "stylesheet swap", `getComputedStyle(document.getElementById("v")).color + " " + `+marker, "rgb(0, 128, 0) number")

	// A build missed while the event stream is down is caught up when it
	// reconnects: its hello names a newer build and the page reloads.
	lines := d.subscribe()
	if err := p.Eval(`window.zeroserveDev.disconnect(); window.zsMarker = 1; "off"`, nil); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "index.html"),
		"<!doctype html><title>dev</title><link rel=stylesheet href=/style.css><body><p id=v>v3</p></body>\n")
	d.waitFor(lines, "rebuilt in")
	if got := ""; p.Eval(text+` + " " + `+marker, &got) != nil || got != "v2 number" {
		t.Fatalf("page while disconnected is %q, want it untouched (v2 number)", got)
	}
	if err := p.Eval(`window.zeroserveDev.connect(); "on"`, nil); err != nil {
		t.Fatal(err)
	}
	evalPoll(t, p, "reload on reconnect", text+` + " " + `+marker, "v3 undefined")
	if err := p.Eval(`window.zsMarker = 1; "set"`, nil); err != nil {
		t.Fatal(err)
	}

	// A broken build (a symlink leaving the site) shows the overlay while
	// the page stays on the last good build.
	if err := os.Symlink("/etc/hostname", filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	evalPoll(t, p, "error overlay", `(`+overlay+`).includes("points outside the site directory") ? "shown" : (`+overlay+`)`, "shown")
	evalPoll(t, p, "page kept", text+` + " " + `+marker, "v3 number")

	// A page opened while the build is broken shows the overlay too.
	p2, err := b.NewPage(d.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	evalPoll(t, p2, "overlay on a fresh page", `(`+overlay+`).includes("build failed") ? "shown" : "no"`, "shown")

	// Fixing it removes the overlay and reloads.
	if err := os.Remove(filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	evalPoll(t, p, "overlay gone", `(`+overlay+`) + "|" + `+marker, "|undefined")
	if out := d.output(); !strings.Contains(out, "build failed") {
		t.Errorf("terminal did not report the failed build:\n%s", out)
	}
}
