package inspect

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

func writeArchive(t *testing.T) string {
	t.Helper()
	b, _, err := archive.PackBytes([]archive.File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>hello</p>\n", 40))},
		{Path: "app.0123abcd.js", ModTime: 1700000000, Data: []byte("x")},
	}, []archive.Script{{Name: "10-auth", Object: []byte("obj")}}, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "site.zs.tar")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestInspect(t *testing.T) {
	p := writeArchive(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"table", []string{p}, []string{"PATH", "index.html", "text/html; charset=utf-8", "br:", "hashed-name", "2023-11-14T22:13:20Z", "script 10-auth (3 bytes)"}},
		{"json", []string{p, "--json"}, []string{`"content_type": "text/html; charset=utf-8"`, `"encoding": "br"`, `"name": "10-auth"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			cmd := NewCmdInspect(cli.IO{Out: &out, ErrOut: &out}, nil)
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

func TestInspectJSONShape(t *testing.T) {
	var out bytes.Buffer
	if err := inspectRun(&Options{IO: cli.IO{Out: &out}, Path: writeArchive(t), JSON: true}); err != nil {
		t.Fatal(err)
	}
	var l Listing
	if err := json.Unmarshal(out.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Entries) != 2 || l.Entries[1].Path != "index.html" || len(l.Entries[1].Variants) != 3 || len(l.Scripts) != 1 {
		t.Errorf("listing = %+v", l)
	}
}

func TestInspectRejectsCorrupt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(p, make([]byte, 4096), 0o644)
	err := inspectRun(&Options{IO: cli.IO{Out: &bytes.Buffer{}}, Path: p})
	if err == nil || !strings.Contains(err.Error(), "corrupt archive") {
		t.Errorf("err = %v", err)
	}
}
