package server

import (
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestListenAddrs(t *testing.T) {
	tests := []struct {
		name    string
		addrs   []string
		wantErr string
		want    int
	}{
		{"port zero", []string{"127.0.0.1:0"}, "", 1},
		{"two", []string{"127.0.0.1:0", "127.0.0.1:0"}, "", 2},
		{"no port", []string{"127.0.0.1"}, "missing port", 0},
		{"bad fd", []string{"fd:x"}, "not a file descriptor", 0},
		{"closed fd", []string{"fd:9999"}, "fd 9999", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := parseListen(tt.addrs, func(string) string { return "" })
			var lns []net.Listener
			if err == nil {
				lns, err = ls.listen()
				ls.close()
			}
			for _, ln := range lns {
				ln.Close()
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(lns) != tt.want {
				t.Fatalf("got %d listeners, %v", len(lns), err)
			}
			if u := listenerURL(lns[0].Addr()); !strings.HasPrefix(u, "http://127.0.0.1:") {
				t.Fatalf("url %s", u)
			}
		})
	}
}

// inheritedFD returns the descriptor of a fresh listening socket, as a
// parent process (or systemd) would pass it.
func inheritedFD(t *testing.T) (int, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The listener takes ownership of the descriptor it is given.
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	return fd, ln.Addr().String()
}

func TestListenFD(t *testing.T) {
	fd, addr := inheritedFD(t)
	ls, err := parseListen([]string{"fd:" + strconv.Itoa(fd)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lns, err := ls.listen()
	ls.close()
	if err != nil {
		t.Fatal(err)
	}
	defer lns[0].Close()
	if got := lns[0].Addr().String(); got != addr {
		t.Fatalf("addr %s, want %s", got, addr)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial inherited socket: %v", err)
	}
	c.Close()
}

func TestSystemdFDs(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	tests := []struct {
		name    string
		env     map[string]string
		want    []int
		wantErr bool
	}{
		{"unset", nil, nil, false},
		{"ours", map[string]string{"LISTEN_FDS": "2", "LISTEN_PID": pid}, []int{3, 4}, false},
		{"other pid", map[string]string{"LISTEN_FDS": "2", "LISTEN_PID": "1"}, nil, false},
		{"garbage", map[string]string{"LISTEN_FDS": "-1", "LISTEN_PID": pid}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := systemdFDs(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || len(got) != len(tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
}
