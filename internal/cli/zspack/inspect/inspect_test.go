package inspect

// The testdata objects are committed so that the tests run without clang;
// this rebuilds them with zspack build's flags (see scriptc.Compiler.Args).
//go:generate clang-19 -target bpf -mcpu=v4 -O2 -g -Wall -fno-builtin -nostdlibinc -I ../../../../sdk/include -fdebug-compilation-dir=. -ffile-prefix-map=../../../../sdk/include=zeroserve-sdk -mllvm -bpf-stack-size=8192 -c testdata/10-auth.c -o testdata/10-auth.o
//go:generate clang-19 -target bpf -mcpu=v4 -O2 -g -Wall -fno-builtin -nostdlibinc -I ../../../../sdk/include -fdebug-compilation-dir=. -ffile-prefix-map=../../../../sdk/include=zeroserve-sdk -mllvm -bpf-stack-size=8192 -c testdata/30-unknown.c -o testdata/30-unknown.o

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

func readObject(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeArchive packs two files, the compiled testdata/10-auth.o and a
// script whose object is not ELF.
func writeArchive(t *testing.T) string {
	t.Helper()
	b, _, err := archive.PackBytes([]archive.File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>hello</p>\n", 40))},
		{Path: "app.0123abcd.js", ModTime: 1700000000, Data: []byte("x")},
	}, []archive.Script{{Name: "10-auth", Object: readObject(t, "10-auth.o")}, {Name: "20-broken", Object: []byte("obj")}}, archive.Options{})
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
		{"table", []string{p}, []string{"PATH", "index.html", "text/html; charset=utf-8", "br:", "hashed-name", "2023-11-14T22:13:20Z", "2 files, 2 scripts",
			"SCRIPT     SIZE  SECTIONS                                 HELPERS\n" +
				"10-auth    " + strconv.Itoa(len(readObject(t, "10-auth.o"))) + "  zeroserve.call.whoami,zeroserve.request  zs_json_new_object,zs_json_set,zs_req_path,zs_respond\n" +
				"20-broken  3     -                                        error: load: parse ELF: EOF\n"}},
		{"json", []string{p, "--json"}, []string{`"content_type": "text/html; charset=utf-8"`, `"encoding": "br"`, `"name": "10-auth"`, `"zeroserve.request"`, `"zs_respond"`, `"error": "load: parse ELF: EOF"`}},
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
	if len(l.Entries) != 2 || l.Entries[1].Path != "index.html" || len(l.Entries[1].Variants) != 3 || len(l.Scripts) != 2 {
		t.Errorf("listing = %+v", l)
	}
	want := []Script{
		{Name: "10-auth", Size: len(readObject(t, "10-auth.o")), Sections: []string{"zeroserve.call.whoami", "zeroserve.request"},
			Helpers: []string{"zs_json_new_object", "zs_json_set", "zs_req_path", "zs_respond"}, Functions: 2},
		{Name: "20-broken", Size: 3, Sections: []string{}, Helpers: []string{}, Error: "load: parse ELF: EOF"},
	}
	if !reflect.DeepEqual(l.Scripts, want) {
		t.Errorf("scripts = %+v, want %+v", l.Scripts, want)
	}
}

func TestDescribeScript(t *testing.T) {
	tests := []struct {
		name      string
		obj       []byte
		sections  []string
		helpers   []string
		wantError string // substring; "" means it loads
	}{
		{"request and call entries", readObject(t, "10-auth.o"), []string{"zeroserve.call.whoami", "zeroserve.request"}, []string{"zs_json_new_object", "zs_json_set", "zs_req_path", "zs_respond"}, ""},
		{"unknown helper", readObject(t, "30-unknown.o"), []string{}, []string{}, "zs_nope"},
		{"not ELF", []byte("obj"), []string{}, []string{}, "parse ELF"},
		{"empty", nil, []string{}, []string{}, "parse ELF"},
		{"truncated", readObject(t, "10-auth.o")[:200], []string{}, []string{}, "load: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := describeScript(archive.Script{Name: "x", Object: tt.obj})
			if s.Size != len(tt.obj) || !slices.Equal(s.Sections, tt.sections) || !slices.Equal(s.Helpers, tt.helpers) {
				t.Errorf("describeScript = %+v", s)
			}
			if tt.wantError == "" && s.Error != "" || !strings.Contains(s.Error, tt.wantError) {
				t.Errorf("error = %q, want %q", s.Error, tt.wantError)
			}
		})
	}
}

// A script that does not load is listed with its error; inspect succeeds.
func TestInspectBrokenScriptExitsZero(t *testing.T) {
	var out bytes.Buffer
	cmd := NewCmdInspect(cli.IO{Out: &out, ErrOut: &out}, nil)
	cmd.SetArgs([]string{writeArchive(t)})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("inspect failed on a broken script: %v", err)
	}
	if !strings.Contains(out.String(), "20-broken  3     -") {
		t.Errorf("broken script not listed:\n%s", out.String())
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

func TestInspectNotAFile(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ name, path, want string }{
		{"directory", dir, dir + " is a directory, not an archive"},
	}
	if p := filepath.Join(dir, "fifo"); mkfifo(p) == nil {
		tests = append(tests, struct{ name, path, want string }{"fifo", p, p + " is a named pipe, not an archive"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := inspectRun(&Options{IO: cli.IO{Out: &bytes.Buffer{}}, Path: tt.path})
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
