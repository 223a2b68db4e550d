package verify

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

func sample(t *testing.T) []byte {
	t.Helper()
	b, _, err := archive.PackBytes([]archive.File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>hello</p>\n", 40))},
		{Path: "a.txt", ModTime: 1700000000, Data: []byte("plain text")},
	}, []archive.Script{{Name: "10-auth", Object: []byte("obj")}}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerify: zspack verify on good, corrupt, truncated and hostile
// archives; every failure is one line naming what is wrong.
func TestVerify(t *testing.T) {
	good := sample(t)
	r, err := archive.OpenBytes(bytes.Clone(good))
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := r.Lookup("a.txt")
	html, _ := r.Lookup("index.html")
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
		want   string // "" means success
	}{
		{"good", func(b []byte) []byte { return b }, ""},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "corrupt archive:"},
		{"truncated to a block", func(b []byte) []byte { return b[:len(b)-512] }, "archive length field"},
		{"not an archive", func(b []byte) []byte { return []byte("hello world") }, "too short"},
		{"index bit flip", func(b []byte) []byte { b[600] ^= 4; return b }, "corrupt archive:"},
		{"content edited", func(b []byte) []byte { b[txt.Offset] = 'P'; return b }, "a.txt: content hash"},
		{"variant edited", func(b []byte) []byte { b[html.Variants[0].Offset+5] ^= 0x55; return b }, "index.html: br variant"},
		{"tar end garbage", func(b []byte) []byte { b[len(b)-3] = 'x'; return b }, "end blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "site.zs.tar")
			if err := os.WriteFile(p, tt.mutate(bytes.Clone(good)), 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			err := verifyRun(&Options{IO: cli.IO{Out: &out}, Path: p})
			if tt.want == "" {
				if err != nil || !strings.HasPrefix(out.String(), "ok ") {
					t.Fatalf("err = %v, out %q", err, out.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("verify accepted it")
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") || !errors.Is(err, archive.ErrCorrupt) {
				t.Errorf("err = %q, want one line containing %q", msg, tt.want)
			}
		})
	}
}

func TestVerifyScriptCheck(t *testing.T) {
	p := filepath.Join(t.TempDir(), "site.zs.tar")
	os.WriteFile(p, sample(t), 0o644)
	err := verifyRun(&Options{IO: cli.IO{Out: &bytes.Buffer{}}, Path: p, Scripts: func(s archive.Script) error { return errors.New("bad helper zs_nope") }})
	if err == nil || !strings.Contains(err.Error(), "script 10-auth: bad helper zs_nope") {
		t.Errorf("err = %v", err)
	}
}

// TestVerifyNotAFile: a path that is not a regular file gets a sentence, not
// the mmap error it would otherwise produce.
func TestVerifyNotAFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		want string
	}{
		{"directory", dir, dir + " is a directory, not an archive"},
		{"missing", filepath.Join(dir, "nope.zs.tar"), "no such file or directory"},
	}
	if p := filepath.Join(dir, "fifo"); mkfifo(p) == nil {
		tests = append(tests, struct{ name, path, want string }{"fifo", p, p + " is a named pipe, not an archive"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifyRun(&Options{IO: cli.IO{Out: &bytes.Buffer{}}, Path: tt.path})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
