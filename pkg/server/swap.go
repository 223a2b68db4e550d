package server

import (
	"errors"
	"fmt"
	"time"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// Swap makes the already open archive r the current generation, loading
// its scripts as Reload does: `zspack dev` hands over each in-memory build
// (archive.OpenBytes) without a file. Swap owns r from the call on: it is
// closed when its generation is released, or before Swap returns an error.
// On any error the current generation keeps serving. Requests in flight
// finish on the generation they started with. TLS certificates are not
// read again (Reload does that). Once Serve has returned, Swap fails.
func (s *Server) Swap(r *archive.Reader) error {
	if r == nil {
		return errors.New("swap: no archive")
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	if s.stopped {
		r.Close()
		return fmt.Errorf("swap: %w", errStopped)
	}
	start := time.Now()
	g, err := s.generation(r, "")
	if err != nil {
		s.cfg.Log.Error("swap failed; still serving the previous archive",
			"generation", s.seq, "err", err)
		return fmt.Errorf("swap: %w", err)
	}
	s.cur.Store(g)
	s.cfg.Log.Info("swapped", "generation", g.Seq, "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// open opens the archive of the next generation: Config.Open when set,
// else the file Config.Archive.
func (s *Server) open() (*archive.Reader, error) {
	if s.cfg.Open != nil {
		r, err := s.cfg.Open()
		if err == nil && r == nil {
			err = errors.New("open: no archive")
		}
		return r, err
	}
	return archive.Open(s.cfg.Archive)
}

// generation builds the next generation from r and loads its scripts; a
// script that fails to load fails the generation and closes r. path names
// the archive in errors and Generation.Path ("" for one held in memory).
func (s *Server) generation(r *archive.Reader, path string) (*Generation, error) {
	site := newSite(r, s.opts.site)
	set, err := s.loadScripts(r)
	if err != nil {
		// Render the error before the mapping goes: script names and the
		// loader's messages may point into it.
		msg := err.Error()
		if path != "" {
			msg = path + ": " + msg
		}
		r.Close()
		return nil, errors.New(msg)
	}
	s.seq++
	g := newGeneration(s.seq, path, site, r)
	if set != nil {
		g.setScripts(set, s.slots, s.shared)
	}
	return g, nil
}
