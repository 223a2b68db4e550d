package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The testdata outputs were captured from real wrk 4.1.0 and h2load 1.52.0
// runs against nginx (and, for socket errors, a server closing every
// connection).
func TestParseWrk(t *testing.T) {
	us := time.Microsecond
	ms := time.Millisecond
	tests := []struct {
		file string
		want loadResult
	}{
		{"wrk-https.txt", loadResult{Requests: 144603, Elapsed: 2010 * ms, RPS: 72091.28, P50: 540 * us, P99: 2930 * us}},
		{"wrk-non2xx.txt", loadResult{Requests: 18876, Errors: 18876, Elapsed: 1080 * ms, RPS: 17428.27, P50: 1290 * us, P99: 102700 * us}},
		{"wrk-socket-errors.txt", loadResult{Requests: 15143, Errors: 15123, Elapsed: 1100 * ms, RPS: 13754.65, P50: 540 * us, P99: 3680 * us}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseWrk(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseWrkErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"connection refused", string(readTestdata(t, "wrk-refused.txt"))},
		{"empty", ""},
		{"no latency distribution", "  10 requests in 1.00s, 1KB read\nRequests/sec:     10.00\n"},
		{"bad unit", "  10 requests in 1.00q, 1KB read\nRequests/sec:     10.00\n"},
		{"no rps", "  10 requests in 1.00s, 1KB read\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r, err := parseWrk([]byte(tt.in)); err == nil {
				t.Errorf("parsed %+v, want an error", r)
			}
		})
	}
}

func TestParseLoadDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"512.34us", 512340 * time.Nanosecond, true},
		{"1.20ms", 1200 * time.Microsecond, true},
		{"2.00s", 2 * time.Second, true},
		{"1.50m", 90 * time.Second, true},
		{"1.00h", time.Hour, true},
		{"10ns", 10, true},
		{"", 0, false},
		{"ms", 0, false},
		{"1.0", 0, false},
		{"1.0xs", 0, false},
		{"-1s", 0, false},
		{"1..2s", 0, false},
		{"2562047h", 2562047 * time.Hour, true},
		{"2562048h", 0, false},               // over MaxInt64 ns: would wrap negative
		{"99999999999999999999ns", 0, false}, // likewise
	}
	for _, tt := range tests {
		got, err := parseLoadDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseLoadDuration(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseH2load(t *testing.T) {
	tests := []struct {
		file string
		want loadResult
	}{
		{"h2load.txt", loadResult{Requests: 186477, Elapsed: 2 * time.Second, RPS: 93238.50}},
		// h2load counts 404s as failed: all errors, none double-counted.
		{"h2load-404.txt", loadResult{Requests: 20731, Errors: 20731, Elapsed: time.Second, RPS: 20731}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			got, err := parseH2load(readTestdata(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	for _, in := range []string{"", "finished in 2.00s, 10 req/s, 1MB/s\n", "finished in 2.00s, 10 req/s, 1MB/s\nrequests: 1 total, 1 started, 1 done, 1 succeeded, 0 failed, 0 errored, 0 timeout\n"} {
		if r, err := parseH2load([]byte(in)); err == nil {
			t.Errorf("parseH2load(%q) = %+v, want an error", in, r)
		}
	}
}

func TestParseH2loadLog(t *testing.T) {
	// The first 300 lines of a real --log-file; sorted by the third column
	// the 150th value is 963 µs and the 297th 1912 µs.
	p50, p99, err := parseH2loadLog(readTestdata(t, "h2load-log.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if p50 != 963*time.Microsecond || p99 != 1912*time.Microsecond {
		t.Errorf("p50 %v p99 %v, want 963µs 1.912ms", p50, p99)
	}
	tests := []struct {
		in       string
		p50, p99 time.Duration
		ok       bool
	}{
		{"1\t200\t5\n", 5 * time.Microsecond, 5 * time.Microsecond, true},
		{"1\t200\t30\n1\t200\t10\n1\t200\t20\n", 20 * time.Microsecond, 30 * time.Microsecond, true},
		{"", 0, 0, false},
		{"1\t200\n", 0, 0, false},
		{"1\t200\tx\n", 0, 0, false},
		{"1\t200\t-5\n", 0, 0, false},
		{"1\t200\t9223372036854775\n", 9223372036854775 * time.Microsecond, 9223372036854775 * time.Microsecond, true},
		{"1\t200\t9223372036854776\n", 0, 0, false}, // over MaxInt64 ns: would wrap negative
	}
	for _, tt := range tests {
		p50, p99, err := parseH2loadLog([]byte(tt.in))
		if (err == nil) != tt.ok || p50 != tt.p50 || p99 != tt.p99 {
			t.Errorf("parseH2loadLog(%q) = %v, %v, %v; want %v, %v, ok=%v", tt.in, p50, p99, err, tt.p50, tt.p99, tt.ok)
		}
	}
}

func FuzzParseWrk(f *testing.F) {
	for _, n := range []string{"wrk-https.txt", "wrk-non2xx.txt", "wrk-socket-errors.txt", "wrk-refused.txt"} {
		f.Add(readTestdata(f, n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseWrk(b)
		if err == nil && (r.Requests < 0 || r.Errors < 0 || r.Elapsed < 0 || r.RPS < 0 || r.P50 <= 0 || r.P99 <= 0) {
			t.Errorf("accepted %+v", r)
		}
	})
}

func FuzzParseH2load(f *testing.F) {
	f.Add(readTestdata(f, "h2load.txt"))
	f.Add(readTestdata(f, "h2load-404.txt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseH2load(b)
		if err == nil && (r.Requests < 0 || r.Errors < 0 || r.Elapsed < 0 || r.RPS < 0 || r.P50 < 0 || r.P99 < 0) {
			t.Errorf("accepted %+v", r)
		}
	})
}

func FuzzParseH2loadLog(f *testing.F) {
	f.Add(readTestdata(f, "h2load-log.tsv"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p50, p99, err := parseH2loadLog(b)
		if err == nil && (p50 < 0 || p50 > p99) {
			t.Errorf("p50 %v p99 %v", p50, p99)
		}
	})
}
