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

// listenSpec is where to listen: TCP addresses to bind and inherited
// listening sockets.
type listenSpec struct {
	addrs []string   // host:port, port 0 picks a free port
	files []*os.File // fd:N and systemd sockets, owned by the spec
}

// parseListen resolves --addr values: "host:port" or "fd:N", an inherited
// listening socket. Sockets passed by systemd socket activation (LISTEN_FDS
// with LISTEN_PID equal to this process, read through getenv) come too.
// With no address and no systemd socket, it uses DefaultAddr.
func parseListen(addrs []string, getenv func(string) string) (ls listenSpec, err error) {
	defer func() {
		if err != nil {
			ls.close()
		}
	}()
	fds, err := systemdFDs(getenv)
	if err != nil {
		return ls, err
	}
	for _, fd := range fds {
		f, err := fileSocket(fd, "systemd")
		if err != nil {
			return ls, err
		}
		ls.files = append(ls.files, f)
	}
	if len(addrs) == 0 && len(ls.files) == 0 {
		addrs = []string{DefaultAddr}
	}
	for _, a := range addrs {
		if v, ok := strings.CutPrefix(a, "fd:"); ok {
			fd, err := strconv.Atoi(v)
			if err != nil || fd < 0 {
				return ls, fmt.Errorf("listen %q: not a file descriptor number", a)
			}
			f, err := fileSocket(fd, a)
			if err != nil {
				return ls, err
			}
			ls.files = append(ls.files, f)
			continue
		}
		if _, _, err := net.SplitHostPort(a); err != nil {
			return ls, fmt.Errorf("listen %q: %w", a, err)
		}
		ls.addrs = append(ls.addrs, a)
	}
	return ls, nil
}

func (ls listenSpec) close() {
	for _, f := range ls.files {
		f.Close()
	}
}

// listen opens net.Listeners for the spec (the netpoll transport): the
// addresses first, then the inherited sockets, as the loop orders them.
func (ls listenSpec) listen() (lns []net.Listener, err error) {
	defer func() {
		if err != nil {
			for _, ln := range lns {
				ln.Close()
			}
			lns = nil
		}
	}()
	for _, a := range ls.addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return lns, fmt.Errorf("listen: %w", err)
		}
		lns = append(lns, ln)
	}
	for _, f := range ls.files {
		ln, err := net.FileListener(f) // dups the descriptor
		if err != nil {
			return lns, fmt.Errorf("listen %s: %w", f.Name(), err)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}

// fileSocket checks that fd is a listening TCP socket and wraps it.
func fileSocket(fd int, what string) (*os.File, error) {
	f := os.NewFile(uintptr(fd), what)
	if f == nil {
		return nil, fmt.Errorf("listen %s: invalid file descriptor %d", what, fd)
	}
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("listen %s (fd %d): %w", what, fd, err)
	}
	_, isTCP := ln.(*net.TCPListener)
	ln.Close()
	if !isTCP {
		return nil, fmt.Errorf("listen %s (fd %d): not a TCP socket", what, fd)
	}
	return f, nil
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

// listenerURL is how the startup line names a listener: http://host:port.
func listenerURL(a net.Addr) string { return "http://" + a.String() }
