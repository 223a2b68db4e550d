package dev

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/pkg/server"
)

type countWaker struct{ n int }

func (w *countWaker) Wake() { w.n++ }

// events parses a stream's bytes into events.
func events(t *testing.T, b []byte) []event {
	t.Helper()
	r := bufio.NewReader(strings.NewReader(string(b)))
	var evs []event
	for {
		ev, err := readEvent(r)
		if err == io.EOF {
			return evs
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
}

func req(method, path string) *server.EndpointRequest {
	return &server.EndpointRequest{Method: []byte(method), Path: []byte(path)}
}

func TestHubEndpoint(t *testing.T) {
	h := NewHub()
	tests := []struct {
		method, path string
		status       int
		stream       bool
		body         string // substring
	}{
		{"GET", ClientPath, 200, false, "EventSource"},
		{"HEAD", ClientPath, 200, false, "EventSource"},
		{"GET", EventsPath, 200, true, "retry: 500\nevent: hello\ndata: {\"build\":0,\"reload\":0,\"session\":"},
		{"POST", EventsPath, 405, false, "405"},
		{"POST", ClientPath, 405, false, "405"},
		{"GET", Prefix, 0, false, ""},
		{"GET", Prefix + "status.json", 0, false, ""},
		{"GET", "/.zeroserve/index", 0, false, ""},
	}
	for _, tt := range tests {
		ep := h.Endpoint(req(tt.method, tt.path))
		if ep.Status != tt.status || (ep.Stream != nil) != tt.stream || !strings.Contains(string(ep.Body), tt.body) {
			t.Errorf("%s %s: status %d stream %v body %q; want %d %v %q", tt.method, tt.path, ep.Status, ep.Stream != nil, ep.Body, tt.status, tt.stream, tt.body)
		}
		if ep.Stream != nil {
			ep.Stream.Close()
		}
	}
	if n := h.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after every stream closed (a refused one too)", n)
	}
}

// TestHubPublish follows the events of a series of builds on a stream
// opened after the first one.
func TestHubPublish(t *testing.T) {
	h := NewHub()
	good := func(n uint64, styles bool) Outcome {
		return Outcome{Archive: []byte("archive"), Build: n, StylesOnly: styles}
	}
	bad := func(n uint64, msg string) Outcome { return Outcome{Build: n, Err: errors.New(msg)} }
	h.Publish(good(1, false))
	ep := h.Endpoint(req("GET", EventsPath))
	s := ep.Stream
	defer s.Close()
	if evs := events(t, ep.Body); len(evs) != 1 || evs[0].name != "hello" {
		t.Fatalf("stream starts with %+v", evs)
	}
	var st Status
	if err := json.Unmarshal([]byte(events(t, ep.Body)[0].data), &st); err != nil || st.Build != 1 || st.Reload != 1 || st.Error != "" || st.Session == "" {
		t.Fatalf("hello %+v, %v", st, err)
	}

	// Published before Start: kept, and Start wakes the connection.
	h.Publish(good(2, true))
	w := &countWaker{}
	s.Start(w)
	if w.n != 1 {
		t.Fatalf("Start with an event waiting woke %d times", w.n)
	}
	steps := []struct {
		name string
		o    Outcome
		want []event
		st   Status // Build, Reload, Error of Status() after it
	}{
		{"styles", good(3, true), []event{{"css", "3"}}, Status{Build: 3, Reload: 1}},
		{"unchanged", Outcome{Build: 3}, nil, Status{Build: 3, Reload: 1}},
		{"page", good(4, false), []event{{"reload", "4"}}, Status{Build: 4, Reload: 4}},
		{"broken", bad(4, "a.c:1: error: x\r\n  int a ;\n      ^"), []event{{"error", "a.c:1: error: x\n  int a ;\n      ^"}},
			Status{Build: 4, Reload: 4, Error: "a.c:1: error: x\r\n  int a ;\n      ^"}},
		{"same error again", bad(4, "a.c:1: error: x\r\n  int a ;\n      ^"), nil, Status{Build: 4, Reload: 4, Error: "a.c:1: error: x\r\n  int a ;\n      ^"}},
		{"other error", bad(4, "b"), []event{{"error", "b"}}, Status{Build: 4, Reload: 4, Error: "b"}},
		{"fixed, styles only", good(5, true), []event{{"ok", "5"}, {"css", "5"}}, Status{Build: 5, Reload: 4}},
		// Build 6 was never announced (its swap failed): 7 reloads even
		// though it only changed stylesheets since 6.
		{"swap failed", bad(6, "swap: corrupt"), []event{{"error", "swap: corrupt"}}, Status{Build: 5, Reload: 4, Error: "swap: corrupt"}},
		{"after a gap", good(7, true), []event{{"ok", "7"}, {"reload", "7"}}, Status{Build: 7, Reload: 7}},
		{"stale", good(7, false), nil, Status{Build: 7, Reload: 7}},
	}
	first := true
	for _, step := range steps {
		before := w.n
		h.Publish(step.o)
		out, end := s.Next(nil)
		if end {
			t.Fatalf("%s: the stream ended", step.name)
		}
		got := events(t, out)
		want := step.want
		if first {
			want = append([]event{{"css", "2"}}, want...)
			first = false
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: events %+v, want %+v", step.name, got, want)
		}
		if (w.n > before) != (len(step.want) > 0) {
			t.Errorf("%s: %d wakes for %d events", step.name, w.n-before, len(step.want))
		}
		if st := h.Status(); st.Build != step.st.Build || st.Reload != step.st.Reload || st.Error != step.st.Error {
			t.Errorf("%s: status %+v, want %+v", step.name, st, step.st)
		}
	}

	h.Heartbeat()
	if out, _ := s.Next(nil); string(out) != ": ping\n\n" {
		t.Errorf("heartbeat %q", out)
	}
	// A page that connects while the build is broken hears of it at once.
	h.Publish(bad(7, "broken again"))
	s.Next(nil)
	ep2 := h.Endpoint(req("GET", EventsPath))
	defer ep2.Stream.Close()
	if err := json.Unmarshal([]byte(events(t, ep2.Body)[0].data), &st); err != nil || st.Error != "broken again" || st.Build != 7 {
		t.Fatalf("hello while broken %+v, %v", st, err)
	}
	if h.Subscribers() != 2 {
		t.Fatalf("%d subscribers, want 2", h.Subscribers())
	}
	// Closed streams are forgotten: no more wakes.
	s.Close()
	before := w.n
	h.Heartbeat()
	if w.n != before || h.Subscribers() != 1 {
		t.Errorf("closed stream woken (%d) or kept (%d subscribers)", w.n-before, h.Subscribers())
	}
}

func TestHubFirstBuildFails(t *testing.T) {
	h := NewHub()
	h.Publish(Outcome{Archive: []byte("error page"), Err: errors.New("boom")})
	ep := h.Endpoint(req("GET", EventsPath))
	defer ep.Stream.Close()
	var st Status
	json.Unmarshal([]byte(events(t, ep.Body)[0].data), &st)
	if st.Build != 0 || st.Error != "boom" {
		t.Fatalf("hello %+v", st)
	}
	ep.Stream.Start(&countWaker{})
	h.Publish(Outcome{Archive: []byte("site"), Build: 1, StylesOnly: true})
	out, _ := ep.Stream.Next(nil)
	if got, want := events(t, out), []event{{"ok", "1"}, {"reload", "1"}}; !slices.Equal(got, want) {
		t.Errorf("first good build: %+v, want %+v", got, want)
	}
}
