package server

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func testRecord(target string) AccessRecord {
	var r AccessRecord
	r.Time = time.Date(2026, 11, 26, 15, 4, 5, 123e6, time.UTC)
	r.Duration = 52 * time.Microsecond
	r.Remote = netip.MustParseAddrPort("127.0.0.1:50312")
	r.ID = 0x4d2
	r.Bytes = 174
	r.Status = 200
	r.Proto = 11
	r.SetMethod([]byte("GET"))
	r.SetTarget([]byte(target))
	return r
}

func TestAccessLogFormats(t *testing.T) {
	tests := []struct {
		name   string
		format LogFormat
		target string
		want   string
	}{
		{"text", LogText, "/index.html",
			`2026-11-26T15:04:05.123Z 127.0.0.1:50312 "GET /index.html HTTP/1.1" 200 174 0.052ms id=00000000000004d2` + "\n"},
		{"text escapes", LogText, "/a\"b c\n",
			`2026-11-26T15:04:05.123Z 127.0.0.1:50312 "GET /a\x22b\x20c\x0a HTTP/1.1" 200 174 0.052ms id=00000000000004d2` + "\n"},
		{"json", LogJSON, "/x?q=\"1\"",
			`{"time":"2026-11-26T15:04:05.123Z","remote":"127.0.0.1:50312","method":"GET","target":"/x?q=\"1\"","proto":"HTTP/1.1","status":200,"bytes":174,"duration_us":52,"id":"00000000000004d2"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := NewAccessLog(&buf, tt.format, 4)
			r := testRecord(tt.target)
			if !l.Log(&r) {
				t.Fatal("Log dropped a record from an empty queue")
			}
			l.Close()
			if got := buf.String(); got != tt.want {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if tt.format == LogJSON && !json.Valid(buf.Bytes()) {
				t.Fatal("invalid JSON")
			}
		})
	}
}

func TestAccessLogTruncatesTarget(t *testing.T) {
	r := testRecord("/" + strings.Repeat("a", 1000))
	if len(r.Target()) != maxLogTarget {
		t.Fatalf("target kept %d bytes", len(r.Target()))
	}
	line := appendTextRecord(nil, &r)
	if !bytes.Contains(line, []byte("a... HTTP/1.1")) {
		t.Fatalf("no truncation mark: %s", line)
	}
}

// blockingWriter blocks every Write until release is closed.
type blockingWriter struct{ release chan struct{} }

func (w blockingWriter) Write(p []byte) (int, error) { <-w.release; return len(p), nil }

func TestAccessLogDropsWhenFull(t *testing.T) {
	w := blockingWriter{make(chan struct{})}
	l := NewAccessLog(w, LogText, 2)
	r := testRecord("/")
	// The writer goroutine can hold one record, the queue two more; every
	// further Log must return without blocking.
	drops := 0
	for range 10 {
		if !l.Log(&r) {
			drops++
		}
	}
	if drops < 7 || l.Dropped() != uint64(drops) {
		t.Fatalf("drops = %d, Dropped() = %d", drops, l.Dropped())
	}
	close(w.release)
	l.Close()
}

func TestAccessLogNoAlloc(t *testing.T) {
	l := NewAccessLog(discard{}, LogText, 1<<16)
	defer l.Close()
	r := testRecord("/index.html")
	if n := testing.AllocsPerRun(1000, func() { l.Log(&r) }); n != 0 {
		t.Fatalf("Log allocates %v times", n)
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
