package httpfield

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	const sec = 784111777 // Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110 §5.6.7)
	if got := string(AppendDate(nil, sec)); got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("AppendDate = %q", got)
	}
	tests := []struct {
		in string
		ok bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", true},
		{"Sun Nov  6 08:49:37 1994", true},
		{"Sun, 06 Nov 1994 08:49:37 UTC", false},
		{"Sun, 06 Nov 1994 25:49:37 GMT", false},
		{"", false},
	}
	for _, tt := range tests {
		got, ok := ParseDate([]byte(tt.in))
		if ok != tt.ok || (ok && got != sec) {
			t.Errorf("ParseDate(%q) = %d, %v; want %d, %v", tt.in, got, ok, int64(sec), tt.ok)
		}
	}
}

func TestNextElem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"gzip, br;q=0.5", "gzip|br;q=0.5"},
		{" , ,a,,\tb ,", "a|b"},
		{"", ""},
	}
	for _, tt := range tests {
		var got []string
		for e, rest, ok := NextElem([]byte(tt.in)); ok; e, rest, ok = NextElem(rest) {
			got = append(got, string(e))
		}
		if s := strings.Join(got, "|"); s != tt.want {
			t.Errorf("NextElem(%q) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestUnhex(t *testing.T) {
	for c := 0; c < 256; c++ {
		v, ok := Unhex(byte(c))
		want := strings.IndexByte("0123456789abcdef", byte(c))
		if want < 0 {
			want = strings.IndexByte("0123456789ABCDEF", byte(c))
		}
		if ok != (want >= 0) || (ok && int(v) != want) {
			t.Errorf("Unhex(%q) = %d, %v; want %d", byte(c), v, ok, want)
		}
	}
}

// FuzzParseDate: every date ParseDate accepts formats back (AppendDate) to
// an IMF-fixdate that parses to the same second, and every second from year
// 1000 to 9999 formats exactly as net/http's http.TimeFormat and parses back.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Thu, 29 Feb 2024 23:59:60 GMT", "Mon, 31 Jun 2025 00:00:00 GMT"} {
		f.Add([]byte(s), int64(784111777))
	}
	f.Fuzz(func(t *testing.T, in []byte, sec int64) {
		if got, ok := ParseDate(in); ok {
			out := AppendDate(nil, got)
			if back, ok := ParseDate(out); !ok || back != got {
				t.Fatalf("%q: %d formats as %q, which parses as %d, %v", in, got, out, back, ok)
			}
		}
		const lo, hi = -30610224000, 253402300799 // 1000-01-01, 9999-12-31T23:59:59 UTC
		sec = lo + (sec%(hi-lo+1)+(hi-lo+1))%(hi-lo+1)
		out := AppendDate(nil, sec)
		if want := time.Unix(sec, 0).UTC().Format(http.TimeFormat); string(out) != want {
			t.Fatalf("AppendDate(%d) = %q, want %q", sec, out, want)
		}
		if back, ok := ParseDate(out); !ok || back != sec {
			t.Fatalf("%q parses as %d, %v; want %d", out, back, ok, sec)
		}
	})
}

// FuzzNextElem: elements are non-empty, comma-free and trimmed, and they are
// exactly the non-empty trimmed pieces of the list split at commas.
func FuzzNextElem(f *testing.F) {
	f.Add([]byte(" , ,a,,\tb ,"))
	f.Add([]byte("gzip;q=0.5, br"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var want [][]byte
		for _, p := range bytes.Split(in, []byte(",")) {
			if p = TrimOWS(p); len(p) > 0 {
				want = append(want, p)
			}
		}
		var got [][]byte
		for e, rest, ok := NextElem(in); ok; e, rest, ok = NextElem(rest) {
			if len(got) > len(in) {
				t.Fatalf("%q: NextElem does not end", in)
			}
			got = append(got, e)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %q, want %q", in, got, want)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%q: %q, want %q", in, got, want)
			}
		}
	})
}
