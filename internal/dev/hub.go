package dev

import (
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"zeroserve.dev/zeroserve/pkg/server"
	"zeroserve.dev/zeroserve/pkg/server/static"
	"zeroserve.dev/zeroserve/pkg/server/transport"
)

//go:embed client.js
var clientJS []byte

// Status is what open pages are told when they connect: the hello event.
type Status struct {
	// Build numbers good builds from 1; 0 means none succeeded yet.
	Build uint64 `json:"build"`
	// Reload is the last good build that needs a full page reload; builds
	// after it only changed stylesheets.
	Reload uint64 `json:"reload"`
	// Error is the message of the last build when it failed.
	Error string `json:"error,omitempty"`
	// Session names this zspack dev process: a page that reconnects to
	// another one (a restart) reloads, as build numbers start again.
	Session string `json:"session"`
}

// Hub tells open pages about builds over Server-Sent Events. Its Endpoint
// is the server's Config.Endpoint: EventsPath is a text/event-stream that
// starts with the current Status and then carries one event per build:
//
//	event: hello   data: {"build":7,"reload":6,"error":"...","session":"..."}  (on every connection)
//	event: reload  data: 8        a new build: reload the page
//	event: css     data: 9        a new build that changed only stylesheets
//	event: error   data: <text>   the build failed; the last good one keeps serving
//	event: ok      data: 9        the error is over (sent before reload or css)
//
// and a comment every HeartbeatInterval, so that a client that left is
// noticed by a failed write. ClientPath serves the injected client.
type Hub struct {
	mu   sync.Mutex
	st   Status
	subs map[*subscriber]struct{}
}

// NewHub returns a hub with no build yet and a random session name.
func NewHub() *Hub {
	var b [8]byte
	rand.Read(b[:])
	return &Hub{st: Status{Session: hex.EncodeToString(b[:])}, subs: map[*subscriber]struct{}{}}
}

// Status returns what a page connecting now is told.
func (h *Hub) Status() Status {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.st
}

// Subscribers is the number of open event streams.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Publish tells open pages about a build; call it once the build's archive
// is served (or its failure known). Unchanged builds and a failure
// repeating the last error send nothing.
func (h *Hub) Publish(o Outcome) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev []byte
	switch {
	case o.Err != nil:
		msg := o.Err.Error()
		if msg == h.st.Error {
			return
		}
		h.st.Error = msg
		ev = appendEvent(ev, "error", msg)
	case o.Archive == nil || o.Build <= h.st.Build:
		return
	default:
		n := strconv.FormatUint(o.Build, 10)
		if h.st.Error != "" {
			h.st.Error = ""
			ev = appendEvent(ev, "ok", n)
		}
		// Styles alone only when the page has the build before: a build
		// the hub never announced (its swap failed) may have changed more.
		if o.StylesOnly && o.Build == h.st.Build+1 && h.st.Build > 0 {
			ev = appendEvent(ev, "css", n)
		} else {
			h.st.Reload = o.Build
			ev = appendEvent(ev, "reload", n)
		}
		h.st.Build = o.Build
	}
	h.broadcast(ev)
}

// HeartbeatInterval is how often Heartbeat should run: well inside the
// idle timeouts of proxies and browsers.
const HeartbeatInterval = 15 * time.Second

// Heartbeat sends a comment line to every stream.
func (h *Hub) Heartbeat() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.broadcast(heartbeat)
}

var heartbeat = []byte(": ping\n\n")

// broadcast queues ev on every stream; h.mu is held.
func (h *Hub) broadcast(ev []byte) {
	if len(ev) == 0 {
		return
	}
	for s := range h.subs {
		s.push(ev)
	}
}

var (
	eventFields = []static.Field{
		{Name: "Content-Type", Value: "text/event-stream"},
		{Name: "Cache-Control", Value: "no-cache"},
	}
	clientFields = []static.Field{
		{Name: "Content-Type", Value: "text/javascript; charset=utf-8"},
		{Name: "Cache-Control", Value: "no-cache"},
	}
	notAllowedFields = []static.Field{{Name: "Allow", Value: "GET, HEAD"}, {Name: "Content-Type", Value: "text/plain"}}
	notAllowedBody   = []byte("405 Method Not Allowed\n")
)

// retry is the reconnection delay the client is told (milliseconds).
const retry = "retry: 500\n"

// Endpoint answers the dev paths; it is server.Config.Endpoint.
func (h *Hub) Endpoint(r *server.EndpointRequest) server.Endpoint {
	var ep server.Endpoint
	switch string(r.Path) {
	case EventsPath:
		ep = h.subscribe()
	case ClientPath:
		ep = server.Endpoint{Status: 200, Fields: clientFields, Body: clientJS}
	default:
		return ep // not ours: 404 from static serving
	}
	if m := string(r.Method); m != "GET" && m != "HEAD" {
		if ep.Stream != nil {
			ep.Stream.Close()
		}
		return server.Endpoint{Status: 405, Fields: notAllowedFields, Body: notAllowedBody}
	}
	return ep
}

// subscribe registers a stream whose first bytes are the hello event of
// the current status: taken under the same lock, so no build falls
// between the hello and the events queued after it.
func (h *Hub) subscribe() server.Endpoint {
	s := &subscriber{h: h}
	h.mu.Lock()
	st, _ := json.Marshal(h.st)
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	body := appendEvent([]byte(retry), "hello", string(st))
	return server.Endpoint{Status: 200, Fields: eventFields, Body: body, Stream: s}
}

// appendEvent appends one event; every line of data becomes a data line
// (HTML Living Standard, "Server-sent events": the event stream format).
func appendEvent(dst []byte, name, data string) []byte {
	dst = append(dst, "event: "...)
	dst = append(dst, name...)
	dst = append(dst, '\n')
	data = strings.ReplaceAll(data, "\r\n", "\n")
	for _, line := range strings.Split(data, "\n") {
		line = strings.ReplaceAll(line, "\r", "")
		dst = append(dst, "data: "...)
		dst = append(dst, line...)
		dst = append(dst, '\n')
	}
	return append(dst, '\n')
}

// subscriber is one open event stream: a server.Stream. The hub appends
// events from its goroutine; the connection takes them on its loop.
type subscriber struct {
	h       *Hub
	mu      sync.Mutex
	w       transport.Waker
	pending []byte
}

// push queues ev and wakes the connection (once it started).
func (s *subscriber) push(ev []byte) {
	s.mu.Lock()
	s.pending = append(s.pending, ev...)
	w := s.w
	s.mu.Unlock()
	if w != nil {
		w.Wake()
	}
}

// Start implements server.Stream.
func (s *subscriber) Start(w transport.Waker) {
	s.mu.Lock()
	s.w = w
	wake := len(s.pending) > 0
	s.mu.Unlock()
	if wake {
		w.Wake()
	}
}

// Next implements server.Stream.
func (s *subscriber) Next(dst []byte) ([]byte, bool) {
	s.mu.Lock()
	dst = append(dst, s.pending...)
	s.pending = s.pending[:0]
	s.mu.Unlock()
	return dst, false
}

// Close implements server.Stream.
func (s *subscriber) Close() {
	s.h.mu.Lock()
	delete(s.h.subs, s)
	s.h.mu.Unlock()
}
