package http2_test

import (
	"fmt"

	"zeroserve.dev/zeroserve/pkg/server/http2"
)

// A transport creates one Conn per HTTP/2 connection and drives it like
// any transport.Conn: input to Recv, output from Pending and Written.
func Example() {
	cfg := &http2.Config{MaxConcurrentStreams: 100} // shared by all connections
	h := http2.HandlerFunc(func(req *http2.Request, resp *http2.Response) {
		resp.Status = 200
		resp.Add("Content-Type", "text/plain")
		resp.Body([]byte("hi\n")) // referenced, e.g. a slice of the archive mapping
	})
	c := http2.NewConn(cfg, h, nil)

	// The client: preface, SETTINGS, then a GET (HPACK static indices:
	// :method GET, :scheme http, :path /).
	in := append([]byte(http2.Preface), http2.AppendSettings(nil)...)
	in = http2.AppendHeaders(in, 1, http2.FlagEndHeaders|http2.FlagEndStream, []byte{0x82, 0x86, 0x84})
	fmt.Println("consumed all:", c.Recv(in) == len(in))

	var out []byte
	for _, b := range c.Pending(nil) {
		out = append(out, b...)
	}
	c.Written(len(out))
	for len(out) > 0 {
		var f http2.Frame
		n, err := http2.ParseFrame(out, http2.MaxMaxFrameSize, &f)
		if err != nil {
			panic(err)
		}
		fmt.Println(f.Type, f.StreamID, f.Flags)
		out = out[n:]
	}
	// Output:
	// consumed all: true
	// SETTINGS 0 0
	// WINDOW_UPDATE 0 0
	// SETTINGS 0 1
	// HEADERS 1 4
	// DATA 1 1
}
