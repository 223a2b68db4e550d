package dev

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
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

// TestLiveSwap: swaps reach a connection opened before them, and a bad
// archive keeps the previous one serving.
func TestLiveSwap(t *testing.T) {
	var logs bytes.Buffer
	l, err := StartLive(server.Config{Addrs: []string{"127.0.0.1:0"}, Workers: 1, Transport: "netpoll"}, packed(t, "one"), &logs)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- l.Serve(ctx) }()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var url string
	select {
	case url = <-l.URLs():
	case err := <-served:
		t.Fatalf("Serve ended before listening: %v", err)
	}
	addr := strings.TrimPrefix(url, "http://")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	get := func() string {
		t.Helper()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
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
		if got := get(); got != tt.want {
			t.Errorf("step %d: GET / on the same connection = %q, want %q", i, got, tt.want)
		}
	}
	if !strings.Contains(logs.String(), "reload failed") {
		t.Errorf("server log %q does not report the failed reload", logs.String())
	}
}
