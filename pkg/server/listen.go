package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// DefaultAddr is where zeroserve listens when given no address and no
// systemd sockets: loopback only, so a first run exposes nothing.
const DefaultAddr = "127.0.0.1:8080"

// ListenFDsStart is the first file descriptor systemd passes (SD_LISTEN_FDS_START).
const ListenFDsStart = 3

// Listen opens one TCP listener per address. An address is "host:port"
// (port 0 picks a free port) or "fd:N", an inherited listening socket.
// Sockets passed by systemd socket activation (LISTEN_FDS with LISTEN_PID
// equal to this process, read through getenv) come first. With no address
// and no systemd socket, Listen uses DefaultAddr. On error every listener
// opened so far is closed.
func Listen(addrs []string, getenv func(string) string) (lns []net.Listener, err error) {
	defer func() {
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			lns = nil
		}
	}()
	fds, err := systemdFDs(getenv)
	if err != nil {
		return nil, err
	}
	for _, fd := range fds {
		ln, err := fileListener(fd, "systemd")
		if err != nil {
			return lns, err
		}
		lns = append(lns, ln)
	}
	if len(addrs) == 0 && len(lns) == 0 {
		addrs = []string{DefaultAddr}
	}
	for _, a := range addrs {
		ln, err := listenAddr(a)
		if err != nil {
			return lns, err
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

func listenAddr(a string) (net.Listener, error) {
	if v, ok := strings.CutPrefix(a, "fd:"); ok {
		fd, err := strconv.Atoi(v)
		if err != nil || fd < 0 {
			return nil, fmt.Errorf("listen %q: not a file descriptor number", a)
		}
		return fileListener(fd, a)
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		return nil, fmt.Errorf("listen %q: %w", a, err)
	}
	ln, err := net.Listen("tcp", a)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// fileListener wraps the inherited listening socket fd.
func fileListener(fd int, what string) (net.Listener, error) {
	f := os.NewFile(uintptr(fd), what)
	if f == nil {
		return nil, fmt.Errorf("listen %s: invalid file descriptor %d", what, fd)
	}
	defer f.Close() // FileListener dups it
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("listen %s (fd %d): %w", what, fd, err)
	}
	if _, ok := ln.(*net.TCPListener); !ok {
		ln.Close()
		return nil, fmt.Errorf("listen %s (fd %d): not a TCP socket", what, fd)
	}
	return ln, nil
}

// systemdFDs returns the descriptors of sd_listen_fds(3): LISTEN_FDS
// sockets from fd 3 on, when LISTEN_PID names this process.
func systemdFDs(getenv func(string) string) ([]int, error) {
	if getenv == nil {
		return nil, nil
	}
	nfds := getenv("LISTEN_FDS")
	if nfds == "" {
		return nil, nil
	}
	if pid := getenv("LISTEN_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return nil, nil // meant for another process
	}
	n, err := strconv.Atoi(nfds)
	if err != nil || n < 0 || n > 1024 {
		return nil, errors.New("LISTEN_FDS: not a small non-negative number")
	}
	fds := make([]int, n)
	for i := range fds {
		fds[i] = ListenFDsStart + i
	}
	return fds, nil
}

// ListenerURL is how the startup line names a listener: http://host:port.
func ListenerURL(ln net.Listener) string {
	return "http://" + ln.Addr().String()
}
