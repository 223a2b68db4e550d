package http2

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// testServer serves h2c with prior knowledge on loopback, driving one
// Conn per connection from a goroutine with blocking package net calls.
type testServer struct {
	ln  net.Listener
	cfg Config
	h   Handler
	wg  sync.WaitGroup

	mu    sync.Mutex
	conns map[net.Conn]bool
	errs  []*ConnectionError // connection errors the server sent
}

func startServer(t testing.TB, cfg Config, h Handler) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{ln: ln, cfg: cfg, h: h, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[nc] = true
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				c := NewConn(&s.cfg, s.h, nil)
				drive(nc, c)
				s.mu.Lock()
				delete(s.conns, nc)
				if c.Err() != nil && c.Err().Code != ErrCodeNo {
					s.errs = append(s.errs, c.Err())
				}
				s.mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for nc := range s.conns {
			nc.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

// connErrors returns the connection errors sent so far.
func (s *testServer) connErrors() []*ConnectionError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*ConnectionError(nil), s.errs...)
}

// drive runs c over nc until the Conn asks to close or the peer goes.
func drive(nc net.Conn, c *Conn) {
	defer nc.Close()
	buf := make([]byte, 0, 64<<10)
	tmp := make([]byte, 32<<10)
	var err error
	for {
		for err == nil {
			iov := c.Pending(nil)
			if len(iov) == 0 {
				break
			}
			nb := net.Buffers(iov)
			nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
			var n int64
			n, err = nb.WriteTo(nc)
			c.Written(int(n))
		}
		st := c.Status()
		if err != nil || st.Close {
			c.Close(err)
			if err == nil {
				linger(nc)
			}
			return
		}
		if len(buf) > 0 && !st.PauseRead {
			k := c.Recv(buf)
			buf = buf[:copy(buf, buf[k:])]
			if k > 0 {
				continue
			}
		}
		if st.Timeout > 0 {
			nc.SetReadDeadline(time.Now().Add(st.Timeout))
		} else {
			nc.SetReadDeadline(time.Time{})
		}
		n, rerr := nc.Read(tmp)
		if n > 0 {
			buf = append(buf, tmp[:n]...)
			k := c.Recv(buf)
			buf = buf[:copy(buf, buf[k:])]
		}
		if rerr != nil {
			if errors.Is(rerr, os.ErrDeadlineExceeded) {
				c.Timeout()
				continue
			}
			c.Close(rerr)
			return
		}
	}
}

// linger half-closes nc and reads what the client still sends for a
// moment, as the real transports do: closing with unread input would
// reset the connection, and the client could lose our last frames
// (GOAWAY) to the RST (h2spec 7/1 sends GOAWAY and PING back to back).
func linger(nc net.Conn) {
	if tc, ok := nc.(*net.TCPConn); !ok || tc.CloseWrite() != nil {
		return
	}
	nc.SetReadDeadline(time.Now().Add(time.Second)) // a bound, not synchronisation
	io.Copy(io.Discard, nc)
}

// helloHandler answers every request 200 with a short text body.
var helloBody = []byte("hello from zeroserve over HTTP/2\n")

func helloHandler() Handler {
	return HandlerFunc(func(req *Request, resp *Response) {
		resp.Status = 200
		resp.Add("Content-Type", "text/plain; charset=utf-8")
		resp.Add("Content-Length", "33")
		resp.Body(helloBody)
	})
}
