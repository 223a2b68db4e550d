package http2

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"

	"golang.org/x/net/http2"
)

// e2eHandler: /big answers 1 MiB (referenced), /echo echoes the body,
// anything else a short text with the path.
var bigBody = bytes.Repeat([]byte("0123456789abcdef"), 1<<16)

func e2eHandler() Handler {
	return HandlerFunc(func(req *Request, resp *Response) {
		resp.Status = 200
		switch string(req.Path) {
		case "/big":
			resp.Add("Content-Length", strconv.Itoa(len(bigBody)))
			resp.Body(bigBody)
		case "/echo":
			resp.Add("Content-Length", strconv.Itoa(len(req.Body)))
			resp.Write(req.Body)
		default:
			msg := "path " + string(req.Path) + " method " + string(req.Method)
			resp.Add("Content-Type", "text/plain")
			resp.Add("Content-Length", strconv.Itoa(len(msg)))
			resp.Write([]byte(msg))
		}
	})
}

func h2cClient() *http.Client {
	return &http.Client{Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}}
}

func TestGoClient(t *testing.T) {
	s := startServer(t, Config{InitialWindowSize: 65535}, e2eHandler())
	cl := h2cClient()
	base := "http://" + s.addr()

	get := func(path string) (string, *http.Response) {
		res, err := cl.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), res
	}
	body, res := get("/hello?x=1")
	if body != "path /hello method GET" || res.ProtoMajor != 2 || res.Header.Get("Server") != "zeroserve" {
		t.Fatalf("got %q %s %v", body, res.Proto, res.Header)
	}
	big, _ := get("/big")
	if big != string(bigBody) {
		t.Fatalf("big body: %d octets", len(big))
	}
	post := strings.Repeat("p", 200_000) // beyond the 65535 stream window
	res, err := cl.Post(base+"/echo", "text/plain", strings.NewReader(post[:50_000]))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != post[:50_000] {
		t.Fatalf("echo: %d octets", len(b))
	}
	// x/net's client gives up a connection on which an upload was cut
	// short, so the 413 goes over a client of its own.
	res, err = h2cClient().Post(base+"/echo", "text/plain", strings.NewReader(post))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("oversized body: %d", res.StatusCode)
	}

	// Many concurrent streams on one connection.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/big"
			if i%2 == 0 {
				path = fmt.Sprintf("/s%d", i)
			}
			res, err := cl.Get(base + path)
			if err != nil {
				errs <- err
				return
			}
			b, err := io.ReadAll(res.Body)
			res.Body.Close()
			switch {
			case err != nil:
				errs <- err
			case path == "/big" && len(b) != len(bigBody):
				errs <- fmt.Errorf("%s: %d octets", path, len(b))
			case path != "/big" && string(b) != "path "+path+" method GET":
				errs <- fmt.Errorf("%s: %q", path, b)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if errs := s.connErrors(); len(errs) > 0 {
		t.Errorf("connection errors: %v", errs)
	}
}

func TestCurl(t *testing.T) {
	curl := testutil.Tool(t, "curl", "Debian package curl")
	s := startServer(t, Config{}, e2eHandler())
	// One URL per run: curl 7.88.1 fails to reuse a prior-knowledge
	// connection ("Error in the HTTP2 framing layer", also against Go's
	// own h2c server).
	for _, tt := range []struct {
		path string
		want string
	}{
		{"/a", "2 200 18\n"},
		{"/big", fmt.Sprintf("2 200 %d\n", len(bigBody))},
	} {
		out, err := exec.Command(curl, "-sS", "--http2-prior-knowledge", "-D", "-", "-o", "/dev/null",
			"-w", "%{http_version} %{response_code} %{size_download}\n", "http://"+s.addr()+tt.path).CombinedOutput()
		if err != nil {
			t.Fatalf("curl: %v %v\n%s", err, s.connErrors(), out)
		}
		if o := string(out); !strings.HasPrefix(o, "HTTP/2 200") || !strings.HasSuffix(o, tt.want) {
			t.Fatalf("curl output:\n%s", o)
		}
	}
}

// TestH2Load runs h2load (16 connections × 10 streams) against the test
// server and requires every request to succeed.
func TestH2Load(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	bin := testutil.Tool(t, "h2load", "Debian package nghttp2-client")
	s := startServer(t, Config{}, helloHandler())
	out, err := exec.Command(bin, "-n", "20000", "-c", "16", "-m", "10", "-t", "1", "http://"+s.addr()+"/").CombinedOutput()
	if err != nil {
		t.Fatalf("h2load: %v\n%s", err, out)
	}
	o := string(out)
	if !strings.Contains(o, "20000 succeeded, 0 failed, 0 errored") || !strings.Contains(o, "20000 2xx") {
		t.Fatalf("h2load:\n%s", o)
	}
	for _, l := range strings.Split(o, "\n") {
		if strings.HasPrefix(l, "finished in") {
			t.Log(l)
		}
	}
}
