package dev

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
	"zeroserve.dev/zeroserve/pkg/server"
)

func packed(t *testing.T, body string) []byte {
	t.Helper()
	data, _, err := archive.PackBytes([]archive.File{{Path: "index.html", Data: []byte(body)}}, nil, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// syncBuffer is a bytes.Buffer the server's loops may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLive serves first until stop or the end of the test and returns
// the address.
func startLive(t *testing.T, first []byte, hub *Hub, logs io.Writer) (l *Live, addr string, stop func()) {
	t.Helper()
	l, err := StartLive(server.Config{Addrs: []string{"127.0.0.1:0"}, Workers: 1, Transport: "netpoll"}, first, logs, hub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- l.Serve(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	select {
	case <-l.Ready():
	case err := <-served:
		t.Fatalf("Serve ended before listening: %v", err)
	}
	urls := l.URLs()
	if len(urls) != 1 || !strings.HasPrefix(urls[0], "http://127.0.0.1:") {
		t.Fatalf("URLs = %v", urls)
	}
	return l, strings.TrimPrefix(urls[0], "http://"), stop
}

type client struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second)) // a guard against a hang
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	io.WriteString(c.c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(c.r, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestLiveSwap: swaps reach a connection opened before them, and a bad
// archive keeps the previous one serving.
func TestLiveSwap(t *testing.T) {
	var logs syncBuffer
	l, addr, _ := startLive(t, packed(t, "one"), nil, &logs)
	c := dial(t, addr)
	tests := []struct {
		archive []byte
		wantErr bool
		want    string
	}{
		{nil, false, "one"}, // no swap: the first archive
		{packed(t, "two"), false, "two"},
		{[]byte("not an archive"), true, "two"},
		{packed(t, "three"), false, "three"},
	}
	for i, tt := range tests {
		if tt.archive != nil {
			if err := l.Swap(tt.archive); (err != nil) != tt.wantErr {
				t.Fatalf("step %d: Swap = %v, want error %v", i, err, tt.wantErr)
			}
		}
		if _, got := c.get("/"); got != tt.want {
			t.Errorf("step %d: GET / on the same connection = %q, want %q", i, got, tt.want)
		}
	}
	// Without a hub there are no dev endpoints.
	if res, _ := c.get(EventsPath); res.StatusCode != 404 {
		t.Errorf("GET %s without live reload: %d, want 404", EventsPath, res.StatusCode)
	}
}

// event is one Server-Sent Event.
type event struct{ name, data string }

// readEvent reads the next event from an event stream, skipping comments
// and fields other than event and data.
func readEvent(r *bufio.Reader) (event, error) {
	var ev event
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "":
			if ev.name == "" && data == nil {
				continue // a comment's end
			}
			ev.data = strings.Join(data, "\n")
			return ev, nil
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
}

// TestLiveEvents serves a hub's stream from the real server: the hello,
// events after each published build, the client script, and the end of
// the stream when the server drains.
func TestLiveEvents(t *testing.T) {
	hub := NewHub()
	first := Outcome{Archive: packed(t, "one"), Build: 1}
	hub.Publish(first)
	var logs syncBuffer
	l, addr, stop := startLive(t, first.Archive, hub, &logs)

	c := dial(t, addr)
	if res, js := c.get(ClientPath); res.StatusCode != 200 || !strings.Contains(js, "EventSource") || res.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("GET %s: %d %q", ClientPath, res.StatusCode, res.Header.Get("Content-Type"))
	}
	ev := dial(t, addr)
	io.WriteString(ev.c, "GET "+EventsPath+" HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
	res, err := http.ReadResponse(ev.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" || res.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("event stream: %d %v", res.StatusCode, res.Header)
	}
	next := func(want event) {
		t.Helper()
		got, err := readEvent(ev.r)
		if err != nil || got != want {
			t.Fatalf("event %+v, %v; want %+v", got, err, want)
		}
	}
	hello, err := readEvent(ev.r)
	if err != nil || hello.name != "hello" || !strings.Contains(hello.data, `"build":1,"reload":1,`) {
		t.Fatalf("hello %+v, %v", hello, err)
	}

	steps := []struct {
		o    Outcome
		want []event
		body string
	}{
		{Outcome{Archive: packed(t, "two"), Build: 2}, []event{{"reload", "2"}}, "two"},
		{Outcome{Archive: packed(t, "two, restyled"), Build: 3, StylesOnly: true}, []event{{"css", "3"}}, "two, restyled"},
		{Outcome{Build: 3, Err: errors.New("x.c:1:1: error: one\nx.c:2:1: error: two")}, []event{{"error", "x.c:1:1: error: one\nx.c:2:1: error: two"}}, "two, restyled"},
		{Outcome{Archive: packed(t, "four"), Build: 4}, []event{{"ok", "4"}, {"reload", "4"}}, "four"},
	}
	for i, st := range steps {
		if st.o.Archive != nil {
			if err := l.Swap(st.o.Archive); err != nil {
				t.Fatal(err)
			}
		}
		hub.Publish(st.o)
		for _, w := range st.want {
			next(w)
		}
		if _, body := c.get("/"); body != st.body {
			t.Errorf("step %d: GET / = %q, want %q", i, body, st.body)
		}
	}
	hub.Heartbeat()
	hub.Publish(Outcome{Archive: packed(t, "five"), Build: 5})
	next(event{"reload", "5"}) // the heartbeat comment is not an event

	// A stream opened now starts where the others are.
	late := dial(t, addr)
	io.WriteString(late.c, "GET "+EventsPath+" HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := http.ReadResponse(late.r, nil); err != nil {
		t.Fatal(err)
	}
	if h, err := readEvent(late.r); err != nil || !strings.Contains(h.data, `"build":5,"reload":5,`) {
		t.Fatalf("hello of a late stream %+v, %v", h, err)
	}

	// Draining ends every stream: the client sees the end of the body.
	stop()
	if rest, err := io.ReadAll(ev.r); err != nil || len(rest) != 0 {
		t.Fatalf("event stream after drain: %q, %v", rest, err)
	}
	if n := hub.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after drain", n)
	}
}
