package server

import (
	"net"
	"sync"
)

// boundAddrs records the listeners Serve bound, for Addrs, URLs and Ready.
// Its zero value is ready for use.
type boundAddrs struct {
	mu    sync.Mutex
	ready chan struct{} // closed by set
	addrs []net.Addr
	urls  []string
}

func (b *boundAddrs) wait() chan struct{} {
	if b.ready == nil {
		b.ready = make(chan struct{})
	}
	return b.ready
}

// set records the bound addresses and their URLs and closes the ready
// channel.
func (b *boundAddrs) set(addrs []net.Addr, urls []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addrs, b.urls = addrs, urls
	close(b.wait())
}

// Ready is closed once Serve listens on every address; Addrs and URLs are
// then set. It is never closed when Serve fails before listening, so wait
// for it together with Serve's return.
func (s *Server) Ready() <-chan struct{} {
	s.bound.mu.Lock()
	defer s.bound.mu.Unlock()
	return s.bound.wait()
}

// Addrs returns the bound listener addresses, plain listeners first, then
// TLS ones: port 0 resolved. It is nil before Ready.
func (s *Server) Addrs() []net.Addr {
	s.bound.mu.Lock()
	defer s.bound.mu.Unlock()
	return append([]net.Addr(nil), s.bound.addrs...)
}

// URLs returns Addrs as URLs: "http://127.0.0.1:8080", "https://[::1]:8443".
func (s *Server) URLs() []string {
	s.bound.mu.Lock()
	defer s.bound.mu.Unlock()
	return append([]string(nil), s.bound.urls...)
}
