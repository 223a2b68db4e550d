package tlsrec

import (
	"bytes"
	"crypto/tls"
	"testing"

	"golang.org/x/net/http2/hpack"

	"zeroserve.dev/zeroserve/pkg/server/http2"
)

// TestZeroAllocsH2OverTLS: an HTTP/2 request and response through our
// TLS 1.3 record layer (the path of every h2 request on a TLS listener)
// allocate nothing once the connection is warm.
func TestZeroAllocsH2OverTLS(t *testing.T) {
	body := bytes.Repeat([]byte("b"), 174)
	h2 := http2.NewConn(&http2.Config{}, http2.HandlerFunc(func(_ *http2.Request, resp *http2.Response) {
		resp.Status = 200
		resp.Add("Content-Type", "text/plain")
		resp.Body(body)
	}), nil)
	c, cw, cr := established(t, tls.TLS_AES_128_GCM_SHA256, h2)
	rbuf := make([]byte, 0, 1024)
	scratch := make([]byte, 0, 1024)
	var iov [][]byte
	preface := append([]byte(http2.Preface), http2.AppendSettings(nil)...)
	if pt := exchange(t, c, cw, cr, preface, &rbuf, &scratch, &iov); len(pt) == 0 {
		t.Fatal("no server preface")
	}
	c.Recv(mustSeal(t, cw, http2.AppendSettingsAck(nil)))

	var ebuf bytes.Buffer
	enc := hpack.NewEncoder(&ebuf)
	const runs = 200
	reqs := make([][]byte, runs+2)
	for i := range reqs {
		ebuf.Reset()
		for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":path", "/index.html"}, {":authority", "example.com"}} {
			enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		reqs[i] = http2.AppendHeaders(nil, uint32(2*i+1), http2.FlagEndHeaders|http2.FlagEndStream, ebuf.Bytes())
		reqs[i] = http2.AppendWindowUpdate(reqs[i], 0, 1<<10)
	}
	i := 0
	run := func() {
		pt := exchange(t, c, cw, cr, reqs[i], &rbuf, &scratch, &iov)
		i++
		if !bytes.HasSuffix(pt, body) {
			t.Fatalf("response %d: % x", i, pt)
		}
	}
	run() // warm up the buffers (AllocsPerRun adds one more run)
	if n := testing.AllocsPerRun(runs, run); n != 0 {
		t.Errorf("%.1f allocations per HTTP/2 request over TLS, want 0", n)
	}
}

func mustSeal(t *testing.T, hc *halfConn, p []byte) []byte {
	t.Helper()
	rec, err := hc.seal(nil, TypeApplicationData, p)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}
