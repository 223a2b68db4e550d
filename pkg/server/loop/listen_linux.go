package loop

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/sys/unix"
)

// listenReusePort opens a non-blocking TCP listening socket with SO_REUSEPORT
// on addr (port overrides addr's port when non-zero).
func listenReusePort(addr *net.TCPAddr, port, backlog int) (int, error) {
	return bindTCP(addr, port, backlog, true)
}

// checkFree reports an error when addr's port is taken: a socket without
// SO_REUSEPORT is bound there and closed. SO_REUSEPORT alone would let a
// second zeroserve (same user) join the first one's group and take part of
// its connections; like nginx, a second start must fail with "address
// already in use" instead.
func checkFree(addr *net.TCPAddr) error {
	fd, err := bindTCP(addr, 0, 0, false)
	if err != nil {
		return err
	}
	unix.Close(fd)
	return nil
}

// bindTCP opens a non-blocking TCP socket bound to addr (port overrides
// addr's port when non-zero); with group it has SO_REUSEPORT and listens,
// without it is only bound (checkFree).
func bindTCP(addr *net.TCPAddr, port, backlog int, group bool) (int, error) {
	family := unix.AF_INET6
	ip4 := addr.IP.To4()
	if ip4 != nil {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil && addr.IP == nil {
		family, ip4 = unix.AF_INET, net.IPv4zero.To4()
		fd, err = unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	}
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if port == 0 {
		port = addr.Port
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		s := &unix.SockaddrInet4{Port: port}
		copy(s.Addr[:], ip4)
		sa = s
	} else {
		s := &unix.SockaddrInet6{Port: port}
		copy(s.Addr[:], addr.IP.To16())
		sa = s
		if addr.IP == nil {
			unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0) // dual stack for ":port"
		}
	}
	opts := []int{unix.SO_REUSEADDR, unix.SO_REUSEPORT}
	if !group {
		opts = opts[:1]
	}
	for _, o := range opts {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, o, 1); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("setsockopt: %w", err)
		}
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind %s: %w", addr, err)
	}
	if !group {
		return fd, nil
	}
	if err := unix.Listen(fd, backlog); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen %s: %w", addr, err)
	}
	return fd, nil
}

// dupListener duplicates the fd of a pre-opened listening socket without
// changing its blocking mode.
func dupListener(f *os.File) (int, error) {
	sc, err := f.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("listener %s: %w", f.Name(), err)
	}
	nfd := -1
	var derr error
	if err := sc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return -1, fmt.Errorf("listener %s: %w", f.Name(), err)
	}
	if derr != nil {
		return -1, fmt.Errorf("dup listener %s: %w", f.Name(), derr)
	}
	if v, err := unix.GetsockoptInt(nfd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || v == 0 {
		unix.Close(nfd)
		return -1, fmt.Errorf("listener %s: not a listening socket", f.Name())
	}
	return nfd, nil
}

func sockAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

func localAddr(fd int) netip.AddrPort {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}
	}
	return sockAddrPort(sa)
}

func remoteAddr(fd int) netip.AddrPort {
	sa, err := unix.Getpeername(fd)
	if err != nil {
		return netip.AddrPort{}
	}
	return sockAddrPort(sa)
}
