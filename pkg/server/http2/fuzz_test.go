package http2

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2/hpack"
)

// FuzzConn feeds arbitrary frames (and HPACK blocks) to a connection after
// a valid preface: it must never panic, always consume within bounds, and
// only ever send frames a client accepts (see drain).
func FuzzConn(f *testing.F) {
	var blk []byte
	{
		var buf sliceWriter
		enc := hpack.NewEncoder(&buf)
		for _, kv := range [][2]string{{":method", "POST"}, {":scheme", "http"}, {":path", "/x"}, {"content-length", "3"}} {
			enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
		}
		blk = buf
	}
	seed := AppendHeaders(nil, 1, FlagEndHeaders, blk)
	seed = AppendData(seed, 1, false, []byte("ab"))
	seed = AppendWindowUpdate(seed, 1, 10)
	seed = AppendData(seed, 1, true, []byte("c"))
	f.Add(seed, uint16(7))
	f.Add(AppendHeaders(nil, 3, 0, blk[:2]), uint16(0))
	f.Add(append(AppendHeaders(nil, 1, 0, blk), AppendContinuation(nil, 1, true, []byte{0x82})...), uint16(12))
	f.Add(AppendSettings(nil, Setting{SettingInitialWindowSize, 0}, Setting{SettingMaxFrameSize, 1 << 14}), uint16(3))
	f.Add(AppendRSTStream(AppendPing(nil, false, [8]byte{}), 1, ErrCodeCancel), uint16(9))
	body := make([]byte, 3000)
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		clock := &fakeClock{time.Unix(1_700_000_000, 0)}
		cfg := Config{Now: clock.now, MaxResets: 20, MaxControlFrames: 50, MaxPendingOutput: 4096}
		c := NewConn(&cfg, HandlerFunc(func(req *Request, resp *Response) {
			resp.Status = 200
			resp.Add("Content-Type", "text/plain")
			resp.Add("X-Mixed-Case", "v")
			resp.Add("Connection", "keep-alive")     // dropped
			resp.Add("Transfer-Encoding", "chunked") // dropped
			resp.Body(body)
			if req.StreamID%4 == 3 { // streams 3, 7, ...: a body stream too
				resp.Stream = &fuzzStream{left: int(req.StreamID % 5)}
			}
		}), nil)
		peer := newPeer()
		buf := append([]byte(Preface), AppendSettings(nil)...)
		buf = append(buf, in...)
		k := min(int(split), len(buf))
		feed := func(p []byte) []byte {
			for len(p) > 0 {
				n := c.Recv(p)
				if n < 0 || n > len(p) {
					t.Fatalf("Recv returned %d of %d", n, len(p))
				}
				p = p[n:]
				c.Resume() // the body streams have more
				drain(t, c, peer)
				if n == 0 {
					break
				}
			}
			return p
		}
		rest := feed(buf[:k])
		feed(append(rest, buf[k:]...))
		clock.advance(time.Minute)
		c.Timeout()
		c.Drain()
		drain(t, c, peer)
		c.Close(nil)
	})
}

// fuzzStream hands over 700 octets per Next and ends after left calls.
type fuzzStream struct{ left int }

func (s *fuzzStream) Next(dst []byte) ([]byte, bool) {
	s.left--
	return append(dst, make([]byte, 700)...), s.left <= 0
}

type sliceWriter []byte

func (w *sliceWriter) Write(p []byte) (int, error) { *w = append(*w, p...); return len(p), nil }

// peer is the client side's view of what the server sent, to check it.
type peer struct {
	dec    *hpack.Decoder
	fields []hpack.HeaderField
	block  []byte
	contID uint32           // stream of an unfinished field block, 0 if none
	ended  map[uint32]bool  // streams the server ended or reset
	cl     map[uint32]int64 // content-length the server announced
	data   map[uint32]int64 // DATA bytes the server sent
}

func newPeer() *peer {
	p := &peer{ended: map[uint32]bool{}, cl: map[uint32]int64{}, data: map[uint32]int64{}}
	p.dec = hpack.NewDecoder(4096, func(f hpack.HeaderField) { p.fields = append(p.fields, f) })
	return p
}

// drain writes all pending output and checks it is made of valid frames
// that a client can accept (RFC 9113): field blocks contiguous (§6.10) and
// decodable with a default HPACK decoder (the server announces no table),
// a single leading :status, lowercase names and no connection-specific
// fields (§8.2), nothing on a stream after END_STREAM or RST_STREAM (§5.1),
// and no more DATA than the announced content-length (§8.1.1).
func drain(t *testing.T, c *Conn, p *peer) {
	var out []byte
	for range 100 {
		iov := c.Pending(nil)
		if len(iov) == 0 {
			break
		}
		n := 0
		for _, b := range iov {
			out = append(out, b...)
			n += len(b)
		}
		c.Written(n)
	}
	for len(out) > 0 {
		var f Frame
		n, err := ParseFrame(out, MaxMaxFrameSize, &f)
		if err != nil {
			t.Fatalf("server sent an invalid frame: %v", err)
		}
		out = out[n:]
		if p.contID != 0 && (f.Type != FrameContinuation || f.StreamID != p.contID) {
			t.Fatalf("frame %v on stream %d inside the field block of stream %d", f.Type, f.StreamID, p.contID)
		}
		switch f.Type {
		case FrameHeaders, FrameData, FrameContinuation:
			if f.StreamID == 0 || p.ended[f.StreamID] {
				t.Fatalf("frame %v on stream %d (ended %v)", f.Type, f.StreamID, p.ended[f.StreamID])
			}
		case FrameRSTStream:
			p.ended[f.StreamID] = true
		}
		switch f.Type {
		case FrameHeaders:
			p.block = append(p.block[:0], f.Data...)
			p.contID = f.StreamID
		case FrameContinuation:
			if p.contID == 0 {
				t.Fatalf("CONTINUATION without HEADERS on stream %d", f.StreamID)
			}
			p.block = append(p.block, f.Data...)
		case FrameData:
			p.data[f.StreamID] += int64(len(f.Data))
			if cl, ok := p.cl[f.StreamID]; ok && p.data[f.StreamID] > cl {
				t.Fatalf("stream %d: %d DATA bytes, content-length %d", f.StreamID, p.data[f.StreamID], cl)
			}
		}
		if (f.Type == FrameHeaders || f.Type == FrameContinuation) && f.Has(FlagEndHeaders) {
			p.contID = 0
			p.checkBlock(t, f.StreamID)
		}
		if (f.Type == FrameHeaders || f.Type == FrameData) && f.Has(FlagEndStream) {
			p.ended[f.StreamID] = true
		}
	}
}

func (p *peer) checkBlock(t *testing.T, id uint32) {
	p.fields = p.fields[:0]
	if _, err := p.dec.Write(p.block); err != nil {
		t.Fatalf("stream %d: field block does not decode: %v", id, err)
	}
	if err := p.dec.Close(); err != nil {
		t.Fatalf("stream %d: truncated field block: %v", id, err)
	}
	if len(p.fields) == 0 || p.fields[0].Name != ":status" || len(p.fields[0].Value) != 3 {
		t.Fatalf("stream %d: response fields %v", id, p.fields)
	}
	for _, hf := range p.fields[1:] {
		if strings.ToLower(hf.Name) != hf.Name || strings.HasPrefix(hf.Name, ":") || strings.ContainsAny(hf.Value, "\r\n\x00") {
			t.Fatalf("stream %d: field %q: %q", id, hf.Name, hf.Value)
		}
		switch hf.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			t.Fatalf("stream %d: connection-specific field %s", id, hf.Name)
		case "content-length":
			n, err := strconv.ParseInt(hf.Value, 10, 64)
			if err != nil || n < 0 {
				t.Fatalf("stream %d: content-length %q", id, hf.Value)
			}
			p.cl[id] = n
		}
	}
}
