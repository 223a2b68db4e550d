package httpfield

import (
	"strings"
	"testing"
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
