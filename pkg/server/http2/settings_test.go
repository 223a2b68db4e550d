package http2

import (
	"testing"
)

// settingsFlood returns a client with open streams blocked on a zero
// stream window, and a maximal SETTINGS frame whose entries alternate
// SETTINGS_INITIAL_WINDOW_SIZE between 0 and 1000, ending with last.
func settingsFlood(tb testing.TB, streams int, last uint32) (*client, []byte) {
	body := make([]byte, 100)
	cl := newClient(tb, Config{MaxControlFrames: 1 << 30}, bodyHandler(body), Setting{SettingInitialWindowSize, 0})
	for i := range streams {
		cl.send(cl.get(uint32(2*i+1), "/"))
	}
	cl.read()
	n := MinMaxFrameSize/6 - 1
	set := make([]Setting, 0, n+1)
	for i := range n {
		set = append(set, Setting{SettingInitialWindowSize, uint32(i%2) * 1000})
	}
	return cl, AppendSettings(nil, append(set, Setting{SettingInitialWindowSize, last})...)
}

// TestSettingsManyWindowSizes: in one SETTINGS frame, the last
// INITIAL_WINDOW_SIZE is the one that applies to the open streams
// (RFC 9113 §6.5.3: processed in order).
func TestSettingsManyWindowSizes(t *testing.T) {
	const streams, last = 50, 40
	cl, frame := settingsFlood(t, streams, last)
	cl.send(frame)
	n := 0
	for _, f := range cl.read() {
		if f.Type == FrameData {
			if len(f.Data) != last {
				t.Fatalf("DATA of %d octets, want %d", len(f.Data), last)
			}
			n++
		}
	}
	if n != streams {
		t.Fatalf("%d streams sent DATA, want %d", n, streams)
	}
	for _, s := range cl.c.streams {
		if s.sendWin != 0 {
			t.Fatalf("stream %d window %d after sending %d, want 0", s.id, s.sendWin, last)
		}
	}
}

// BenchmarkSettingsFlood: one maximal SETTINGS frame (2730 entries) with
// 128 open streams. Each entry used to walk every open stream.
func BenchmarkSettingsFlood(b *testing.B) {
	cl, frame := settingsFlood(b, 128, 0)
	b.ReportAllocs()
	for b.Loop() {
		cl.c.Recv(frame)
		cl.read()
	}
}
