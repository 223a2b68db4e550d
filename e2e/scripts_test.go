package e2e

// Request scripts end to end: sites built with the real zspack (clang-19
// compiling .zeroserve/scripts/*.c), served by the real zeroserve on both
// transports, exercised over HTTP.

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/scriptc"
	"zeroserve.dev/zeroserve/sdk"
)

// needClang skips a test that compiles scripts when clang-19 is missing.
func needClang(t *testing.T) {
	t.Helper()
	if reason := clang19(); reason != "" {
		testutil.Missing(t, reason+" (Debian package clang-19)")
	}
}

var (
	builtMu sync.Mutex
	built   = map[string]string{} // site dir -> archive
)

// buildSite packs dir with zspack build once per test binary run and
// returns the archive path.
func buildSite(t *testing.T, dir string) string {
	t.Helper()
	needClang(t)
	builtMu.Lock()
	defer builtMu.Unlock()
	if tar, ok := built[dir]; ok {
		return tar
	}
	tar := filepath.Join(filepath.Dir(binDir), strings.NewReplacer("/", "_", ".", "_").Replace(dir)+".zs.tar")
	if err := pack(dir, tar); err != nil {
		t.Fatal(err)
	}
	built[dir] = tar
	return tar
}

// client never follows redirects and never asks for compression.
var client = &http.Client{
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

type reply struct {
	status int
	header http.Header
	body   string
}

// do sends one request; headers are "Name: value" strings.
func do(t *testing.T, method, url string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s body: %v", method, url, err)
	}
	if cl := resp.Header.Get("Content-Length"); method != "HEAD" && cl != "" && cl != strconv.Itoa(len(b)) {
		t.Fatalf("%s %s: Content-Length %s, body %d bytes", method, url, cl, len(b))
	}
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func (r reply) check(t *testing.T, what string, status int, bodyHas ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d; body %q", what, r.status, status, r.body)
	}
	for _, s := range bodyHas {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s: body %q lacks %q", what, r.body, s)
		}
	}
}

// TestScriptExamples builds every example site that has scripts and
// exercises what each one shows.
func TestScriptExamples(t *testing.T) {
	needClang(t)
	t.Setenv("ZEROSERVE_ENV_COOKIE_KEY", "e2e cookie key")
	forEachTransport(t, func(t *testing.T, tr string) {
		t.Run("api", func(t *testing.T) {
			s := startServer(t, tr, buildSite(t, "../examples/api"))
			r := do(t, "GET", s.url+"/healthz")
			r.check(t, "healthz", 200, `{"status":"ok","time_ms":`)
			var h struct {
				Status string `json:"status"`
				TimeMS int64  `json:"time_ms"`
			}
			if err := json.Unmarshal([]byte(r.body), &h); err != nil || h.Status != "ok" ||
				abs(h.TimeMS-time.Now().UnixMilli()) > 60_000 {
				t.Fatalf("healthz %q: %v", r.body, err)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("healthz headers %v", r.header)
			}
			do(t, "GET", s.url+"/api/echo/a/b?name=Ada%20L").check(t, "echo", 200, `{"path":"/api/echo/a/b","ok":true,"name":"Ada L"}`)
			do(t, "GET", s.url+"/api/items/1").check(t, "item", 200, `"id":1`)
			do(t, "GET", s.url+"/api/items/99").check(t, "no item", 404, `{"error":"no such item"}`)
			do(t, "GET", s.url+"/api/files/index.html").check(t, "file metadata", 200, `"size":`, `"etag":"\"`, `"mtime":`)
			r = do(t, "POST", s.url+"/api/items")
			r.check(t, "post", 405, `"method not allowed"`)
			if r.header.Get("Allow") != "GET, HEAD" {
				t.Fatalf("405 Allow %q", r.header.Get("Allow"))
			}
			do(t, "GET", s.url+"/").check(t, "static index falls through", 200, "<")
		})
		t.Run("template", func(t *testing.T) {
			s := startServer(t, tr, buildSite(t, "../examples/template"))
			r := do(t, "GET", s.url+"/?name=%3Cb%3EAda%3C/b%3E", "User-Agent: e2e-agent")
			r.check(t, "template", 200, ", &lt;b&gt;Ada&lt;/b&gt;!", "<code>/</code>", "using e2e-agent.", "unknown key is empty: []")
			if strings.Contains(r.body, "zs-meta") || r.header.Get("ETag") != "" || r.header.Get("Cache-Control") != "no-store" {
				t.Fatalf("template response headers %v body %q", r.header, r.body)
			}
			head := do(t, "HEAD", s.url+"/?name=%3Cb%3EAda%3C/b%3E", "User-Agent: e2e-agent")
			if head.header.Get("Content-Length") != strconv.Itoa(len(r.body)) || head.body != "" {
				t.Fatalf("HEAD Content-Length %q, GET body %d bytes", head.header.Get("Content-Length"), len(r.body))
			}
		})
		t.Run("signed-cookie", func(t *testing.T) {
			s := startServer(t, tr, buildSite(t, "../examples/signed-cookie"))
			do(t, "GET", s.url+"/members/").check(t, "no cookie", 401, "log in first")
			r := do(t, "GET", s.url+"/login?user=ada")
			r.check(t, "login", 303)
			mac := hmac.New(sha256.New, []byte("e2e cookie key"))
			mac.Write([]byte("ada"))
			tag := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
			cookie := r.header.Get("Set-Cookie")
			if r.header.Get("Location") != "/members/" || !strings.HasPrefix(cookie, "session=ada."+tag+";") {
				t.Fatalf("login: Location %q Set-Cookie %q, want tag %s", r.header.Get("Location"), cookie, tag)
			}
			r = do(t, "GET", s.url+"/members/", "Cookie: theme=dark; session=ada."+tag)
			r.check(t, "member", 200, "Welcome, ada")
			if r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("member page Cache-Control %q", r.header.Get("Cache-Control"))
			}
			bad := "session=bob." + tag
			do(t, "GET", s.url+"/members/", "Cookie: "+bad).check(t, "forged cookie", 401)
			do(t, "GET", s.url+"/").check(t, "public page", 200)
		})
		t.Run("headers", func(t *testing.T) {
			s := startServer(t, tr, buildSite(t, "../examples/headers"))
			r := do(t, "GET", s.url+"/")
			r.check(t, "index", 200)
			for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
				"Referrer-Policy": "strict-origin-when-cross-origin"} {
				if r.header.Get(k) != v {
					t.Fatalf("%s = %q, want %q", k, r.header.Get(k), v)
				}
			}
			if r.header.Get("ETag") == "" {
				t.Fatal("static response lost its ETag")
			}
			r = do(t, "GET", s.url+"/nope")
			if r.status != 404 || r.header.Get("X-Frame-Options") != "DENY" {
				t.Fatalf("404: %d %v", r.status, r.header)
			}
			newPage := do(t, "GET", s.url+"/new/page.html")
			do(t, "GET", s.url+"/old/page.html").check(t, "rewritten", 200, newPage.body)
			r = do(t, "GET", s.url+"/inspect?q=1", "X-Debug-Token: secret", "X-HTTP-Method-Override: PUT")
			r.check(t, "inspect", 200, `"x_forwarded_proto":"http"`, `"x_debug_token":""`, `"via":"1.1 zeroserve-example"`,
				`"query":"q=1"`, `"http_version_x10":11`, `"tls":false`)
			do(t, "GET", s.url+"/admin/").check(t, "admin from loopback", 200)
		})
	})
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestScriptChain: chain order and shared metadata, early end, metadata
// headers on every kind of response, templates, rewriting, every helper,
// a fault and an abort, on the e2e test site.
func TestScriptChain(t *testing.T) {
	tar := buildSite(t, "testdata/scripts-site")
	t.Setenv("ZEROSERVE_ENV_GREETING", "hi")
	t.Setenv("E2E_EXTRA", "extra")
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, tar, "--env-allow", "E2E_EXTRA")
		both := func(r reply) {
			t.Helper()
			if r.header.Get("X-First") != "1" || r.header.Get("X-Order") != "first,second" {
				t.Fatalf("metadata headers: %v", r.header)
			}
		}
		r := do(t, "GET", s.url+"/order")
		r.check(t, "order", 200)
		if r.body != "first,second" {
			t.Fatalf("order %q", r.body)
		}
		both(r)

		r = do(t, "GET", s.url+"/early")
		r.check(t, "early", 202)
		if r.body != "early\n" || r.header.Get("X-First") != "1" || r.header.Get("X-Order") != "" {
			t.Fatalf("early end: body %q headers %v (the second script ran?)", r.body, r.header)
		}

		r = do(t, "GET", s.url+"/hello.txt")
		r.check(t, "static", 200, hello174)
		both(r)
		if r.header.Get("ETag") == "" || r.header.Get("Accept-Ranges") != "bytes" {
			t.Fatalf("static file lost its validators: %v", r.header)
		}
		do(t, "GET", s.url+"/old").check(t, "rewritten", 200, hello174)

		r = do(t, "GET", s.url+"/no/such/page")
		r.check(t, "404 page", 404, "not found (first,second)")
		both(r)

		r = do(t, "GET", s.url+"/page.html", "Accept-Encoding: gzip, br", "Range: bytes=0-5")
		r.check(t, "template", 200, "Hello &lt;Ada &amp; &#34;Bob&#34;&gt;, order first,second, []")
		both(r)
		if r.header.Get("ETag") != "" || r.header.Get("Content-Encoding") != "" || r.header.Get("Content-Range") != "" {
			t.Fatalf("template headers %v", r.header)
		}

		r = do(t, "GET", s.url+"/helpers/../helpers?q=a+b%21&x=1", "X-Test: hello", "X-Multi: 1", "X-Multi: 2",
			"X-Debug-One: a", "X-Debug-Two: b")
		r.check(t, "helpers", 200)
		if r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("helpers Content-Type %q", r.header.Get("Content-Type"))
		}
		checkHelpers(t, r.body)
		s.waitLog("e2e helpers: hello from zs_log")

		// A fault answers 500, is logged with script and reason, and the
		// server keeps serving.
		do(t, "GET", s.url+"/fault").check(t, "fault", 500, "script failed")
		line := s.waitLog("script fault")
		for _, w := range []string{"script=10-first", "pc=", "reason=", "section=zeroserve.request", "10-first.c:22", "source="} {
			if !strings.Contains(line, w) {
				t.Errorf("fault log line %q lacks %q", line, w)
			}
		}
		do(t, "GET", s.url+"/order").check(t, "after the fault", 200)

		// zs_abort closes the connection without a response.
		if out := rawExchange(t, s.addr, "GET /abort HTTP/1.1\r\nHost: x\r\n\r\n"); out != "" {
			t.Fatalf("abort answered %q", out)
		}
		do(t, "GET", s.url+"/order").check(t, "after the abort", 200)
	})
}

// checkHelpers compares the /helpers JSON with known answers.
func checkHelpers(t *testing.T, body string) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("helpers JSON %q: %v", body, err)
	}
	raw := []byte{0xfb, 0xff, 0xfe, 0x61}
	sum := sha256.Sum256([]byte("abc"))
	mac := hmac.New(sha256.New, []byte("Jefe"))
	mac.Write([]byte("what do ya want for nothing?"))
	want := map[string]any{
		"method": "GET", "path": "/helpers/../helpers", "normalized_path": "/helpers",
		"uri": "/helpers/../helpers?q=a+b%21&x=1", "query": "q=a+b%21&x=1", "scheme": "http",
		"proto": 11.0, "tls": 0.0, "header": "hello", "header_multi": "1, 2", "header_missing_len": 0.0,
		"param_q": "a b!", "param_x_is_1": 1.0, "param_x_is_2": 0.0,
		"ip_loopback": 1.0, "ip_ten": 0.0, "ip_bad": -1.0,
		"log": 0.0, "env": "hi", "env_extra": "extra", "env_home_len": 0.0,
		"mem": "zzzabc", "memcmp_eq": 1.0, "memcmp_lt": 1.0,
		"meta": "meta value", "meta_missing_len": 0.0, "meta_needed_len": 10.0,
		"pending_after_respond": 1.0, "pending_after_clear": 0.0,
		"getrandom": 0.0, "random_differs": 1.0,
		// FIPS 180-2 "abc" and RFC 4231 test case 2.
		"sha256_ret": 32.0, "sha256_abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"sha256_short": -1.0, "hmac_ret": 32.0,
		"hmac_rfc4231_2": "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		"b64_std":        base64.StdEncoding.EncodeToString(raw), "b64_std_nopad": base64.RawStdEncoding.EncodeToString(raw),
		"b64_url": base64.URLEncoding.EncodeToString(raw), "b64_url_nopad": base64.RawURLEncoding.EncodeToString(raw),
		"b64_bad_enc": -1.0, "b64_decoded_len": 4.0, "b64_decoded": hex.EncodeToString(raw),
		"b64_decode_std": 4.0, "b64_decode_missing_pad": -1.0,
		"hex_lower": "deadbeef", "hex_upper": "DEADBEEF", "hex_decoded_len": 4.0, "hex_decoded": "cafebabe",
		"hex_decode_odd": -1.0,
		"json_type_root": 5.0, "json_len_a": 4.0, "json_a0": 1.0, "json_a1": 1.0, "json_a2": "s\u00e9",
		"json_a3_type": 0.0, "json_a9": -1.0, "json_remove": 1.0, "json_remove_again": 0.0,
		"json_clone_len": 1.0, "json_orig_len": 2.0, "json_reset_type": 5.0, "json_parse_bad": -1.0,
		"static_json_len": 2.0, "static_json_1_name": "two", "static_json_missing": -1.0,
		"file_metadata_missing": -1.0, "object_free": 0.0, "object_free_again": -1.0,
		"set_method": 0.0, "method_after": "PUT", "set_uri": 0.0, "uri_after": "/new/../rewritten?z=9",
		"normalized_after": "/rewritten", "param_z": "9", "set_uri_bad": -1.0,
		"header_set_append": "v, w", "header_removed_len": 0.0, "deleted": 2.0, "debug_after_len": 0.0,
	}
	if hex.EncodeToString(sum[:]) != want["sha256_abc"] || hex.EncodeToString(mac.Sum(nil)) != want["hmac_rfc4231_2"] {
		t.Fatal("known answers disagree with crypto/sha256")
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s = %#v, want %#v", k, g, w)
		}
	}
	if p, _ := got["peer"].(string); !strings.HasPrefix(p, "127.0.0.1:") {
		t.Errorf("peer %q", got["peer"])
	}
	if ms, _ := got["now_ms"].(float64); abs(int64(ms)-time.Now().UnixMilli()) > 60_000 {
		t.Errorf("now_ms %v", got["now_ms"])
	}
	if b, _ := json.Marshal(got["json_built"]); string(b) != "[7,null]" {
		t.Errorf("json_built %s", b)
	}
	fm, _ := got["file_metadata"].(map[string]any)
	if fm["size"] != float64(len(hello174)) || !strings.HasPrefix(fmt.Sprint(fm["etag"]), `"`) || fm["mtime"] == nil {
		t.Errorf("file_metadata %v", got["file_metadata"])
	}
}

// TestScriptRunaway: with one worker, a runaway script yields to other
// connections (they keep answering while it runs) and ends with 503 at
// the hard limit; the server keeps serving.
func TestScriptRunaway(t *testing.T) {
	tar := buildSite(t, "testdata/scripts-site")
	forEachTransport(t, func(t *testing.T, tr string) {
		// The instruction budget: 503 and a log line.
		s := startServer(t, tr, tar, "--workers", "1")
		do(t, "GET", s.url+"/loop").check(t, "budget", 503, "over its limit")
		if line := s.waitLog("script over limit"); !strings.Contains(line, "script=10-first") {
			t.Fatalf("over-limit line %q", line)
		}
		do(t, "GET", s.url+"/order").check(t, "after the runaway", 200)

		// No instruction limit to speak of, a 3 s wall-clock limit: while
		// the runaway runs, the same (only) worker answers other clients.
		s = startServer(t, tr, tar, "--workers", "1", "--script-budget", strconv.FormatUint(1<<50, 10),
			"--script-wall-limit", "3s")
		loop, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer loop.Close()
		if _, err := io.WriteString(loop, "GET /loop HTTP/1.1\r\nHost: x\r\n\r\nGET /order HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		other, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		or := bufio.NewReader(other)
		for i := range 20 {
			fmt.Fprintf(other, "GET /order HTTP/1.1\r\nHost: x\r\n\r\n")
			rs := readResponses(t, or, "GET")
			if rs[0].StatusCode != 200 {
				t.Fatalf("request %d beside the runaway: %d", i, rs[0].StatusCode)
			}
		}
		// The runaway has not answered yet: the others did not wait for it.
		loop.SetReadDeadline(time.Now().Add(time.Millisecond))
		if n, err := loop.Read(make([]byte, 1)); n != 0 || !os.IsTimeout(err) {
			t.Fatalf("runaway answered before the others finished (%d, %v)", n, err)
		}
		loop.SetReadDeadline(time.Now().Add(20 * time.Second))
		rs := readResponses(t, bufio.NewReader(loop), "GET", "GET")
		if rs[0].StatusCode != 503 || rs[1].StatusCode != 200 || bodyOf(rs[1]) != "first,second" {
			t.Fatalf("runaway connection: %d then %d", rs[0].StatusCode, rs[1].StatusCode)
		}
		if line := s.waitLog("script over limit"); !strings.Contains(line, "wall-clock") {
			t.Fatalf("wall-limit line %q", line)
		}
	})
}

// TestScriptBuildErrors: zspack build fails with a clear message naming
// the script when it does not compile, does not verify or calls an unknown
// helper, and writes no archive.
func TestScriptBuildErrors(t *testing.T) {
	needClang(t)
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"syntax", "#include \"zeroserve.h\"\nZS_ENTRY zs_u64 entry(void) { return 0 }\n",
			[]string{"10-syntax.c:2:", "error: expected ';'"}},
		{"recursive", "#include \"zeroserve.h\"\nstatic zs_u64 g(zs_u64 n);\n__attribute__((noinline)) static zs_u64 f(zs_u64 n) {\n  zs_log(ZS_STR(\"f\"));\n  return n == 0 ? 0 : g(n - 1) * 3;\n}\n__attribute__((noinline)) static zs_u64 g(zs_u64 n) {\n  zs_log(ZS_STR(\"g\"));\n  return n == 0 ? 1 : f(n - 1) * 5;\n}\nZS_ENTRY zs_u64 entry(void) {\n  return f(zs_now_ms() & 7);\n}\n",
			[]string{"10-recursive.c", "verify", "recurs"}},
		{"unknown-helper", "#include \"zeroserve.h\"\nextern zs_s64 zs_no_such_helper(zs_u64 x);\nZS_ENTRY zs_u64 entry(void) {\n  return (zs_u64)zs_no_such_helper(1);\n}\n",
			[]string{"10-unknown-helper.c", "zs_no_such_helper"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "index.html"), "<p>x</p>")
			writeFile(t, filepath.Join(dir, ".zeroserve/scripts/10-"+tc.name+".c"), tc.src)
			out := filepath.Join(t.TempDir(), "site.zs.tar")
			err := pack(dir, out)
			if err == nil {
				t.Fatal("zspack build succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("build error lacks %q:\n%v", w, err)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("archive written despite the error")
			}
		})
	}
}

// unknownHelperArchive packs the e2e site with an extra script object,
// compiled by clang without zspack's check, that calls a helper the runtime
// does not have.
func unknownHelperArchive(t *testing.T) []byte {
	t.Helper()
	needClang(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sdk.HeaderName), sdk.Header(), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "50-unknown.c")
	writeFile(t, src, "#include \"zeroserve.h\"\nextern zs_s64 zs_no_such_helper(zs_u64 x);\nZS_ENTRY zs_u64 entry(void) {\n  return (zs_u64)zs_no_such_helper(1);\n}\n")
	obj := filepath.Join(dir, "50-unknown.o")
	var c scriptc.Compiler
	if out, err := exec.Command("clang-19", c.Args(dir, src, obj)...).CombinedOutput(); err != nil {
		t.Fatalf("clang: %v\n%s", err, out)
	}
	o, err := os.ReadFile(obj)
	if err != nil {
		t.Fatal(err)
	}
	files := []archive.File{{Path: "version.txt", Data: []byte("bad\n")}}
	b, _, err := archive.PackBytes(files, []archive.Script{{Name: "50-unknown", Object: o}}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScriptUnknownHelperAtLoad: an archive whose script calls an unknown
// helper is refused at startup (exit 1, naming script and helper) and on
// SIGHUP (the previous generation keeps serving).
func TestScriptUnknownHelperAtLoad(t *testing.T) {
	bad := unknownHelperArchive(t)
	badPath := filepath.Join(t.TempDir(), "bad.zs.tar")
	if err := os.WriteFile(badPath, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(binDir, "zeroserve"), "--addr", "127.0.0.1:0", "--transport", "netpoll",
		"--access-log", "off", badPath).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(out), "50-unknown") ||
		!strings.Contains(string(out), "zs_no_such_helper") {
		t.Fatalf("zeroserve with an unknown helper: %v\n%s", err, out)
	}

	forEachTransport(t, func(t *testing.T, tr string) {
		path := filepath.Join(t.TempDir(), "site.zs.tar")
		good, err := os.ReadFile(siteTar)
		if err != nil {
			t.Fatal(err)
		}
		replaceArchive(t, path, good)
		s := startServer(t, tr, path)
		do(t, "GET", s.url+"/version.txt").check(t, "before", 200, "v0")
		replaceArchive(t, path, bad)
		s.signal(syscall.SIGHUP)
		line := s.waitLog("reload failed")
		if !strings.Contains(line, "50-unknown") || !strings.Contains(line, "zs_no_such_helper") {
			t.Fatalf("reload failure line %q", line)
		}
		do(t, "GET", s.url+"/version.txt").check(t, "after the failed reload", 200, "v0")
	})
}
