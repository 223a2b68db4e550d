package server

import (
	"net"

	"zeroserve.dev/zeroserve/pkg/server/transport"
)

// listenGroup is a set of listeners with one kind of connection: plain
// (HTTP/1.1, h2c) or TLS. All groups are served by one transport instance
// (the same loops, worker indexes 0..Workers-1).
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
// comes first (its startup lines too).
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
		f := s.tls.cfg.Factory(s.afterHandshake)
		protos := "; http/1.1"
		if s.h2 != nil {
			protos = "; h2, http/1.1"
		}
		groups = append(groups, listenGroup{ls: ls, factory: f, tls: true, protos: protos})
	}
	return groups, nil
}

// listeners is how many listeners the group has: its addresses, then its
// inherited sockets (the order transports report their addresses in).
func (g *listenGroup) listeners() int { return len(g.ls.addrs) + len(g.ls.files) }
