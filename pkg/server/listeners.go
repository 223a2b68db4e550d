package server

import (
	"errors"
	"net"
	"sync"
	"time"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// listenGroup is a set of listeners served by one transport instance with
// one kind of connection: plain (HTTP/1.1, h2c) or TLS.
type listenGroup struct {
	ls      listenSpec
	factory transport.Factory
	tls     bool
	protos  string // "; h2, http/1.1" in the startup line of TLS listeners
}

func (g *listenGroup) url(a net.Addr) string {
	if g.tls {
		return "https://" + a.String()
	}
	return listenerURL(a)
}

// listenGroups resolves Config.Addrs and Config.TLSAddrs. The plain group
// comes first (its startup lines too). Each group runs its own transport
// (own loops), so the TLS group's worker indexes are shifted past the plain
// ones: a script runner slot then belongs to exactly one loop.
func (s *Server) listenGroups() (groups []listenGroup, err error) {
	cfg := s.cfg
	defer func() {
		if err != nil {
			for _, g := range groups {
				g.ls.close()
			}
			groups = nil
		}
	}()
	plain := len(cfg.Addrs) > 0 || len(cfg.TLSAddrs) == 0
	if !plain {
		// Only TLS addresses: systemd sockets still count as plain ones.
		fds, err := systemdFDs(cfg.Getenv)
		if err != nil {
			return nil, err
		}
		plain = len(fds) > 0
	}
	if plain {
		ls, err := parseListen(cfg.Addrs, cfg.Getenv)
		if err != nil {
			return nil, err
		}
		f := transport.Factory(s.newConn)
		if s.h2 != nil {
			f = s.newDetect
		}
		groups = append(groups, listenGroup{ls: ls, factory: f})
	}
	if len(cfg.TLSAddrs) > 0 {
		ls, err := parseListen(cfg.TLSAddrs, nil)
		if err != nil {
			return groups, err
		}
		inner := s.tls.cfg.Factory(s.afterHandshake)
		off := cfg.Workers
		f := func(info transport.Info) transport.Conn {
			info.Worker += off
			return inner(info)
		}
		protos := "; http/1.1"
		if s.h2 != nil {
			protos = "; h2, http/1.1"
		}
		groups = append(groups, listenGroup{ls: ls, factory: f, tls: true, protos: protos})
	}
	return groups, nil
}

// multiRun is several started transports stopped together.
type multiRun []running

func (m multiRun) failed() <-chan struct{} {
	ch := make(chan struct{})
	var once sync.Once
	for _, r := range m {
		go func() {
			<-r.failed()
			once.Do(func() { close(ch) })
		}()
	}
	return ch
}

// shutdown drains every transport at once, until deadline.
func (m multiRun) shutdown(deadline time.Time) error {
	errs := make([]error, len(m))
	var wg sync.WaitGroup
	for i, r := range m {
		wg.Go(func() { errs[i] = r.shutdown(deadline) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
