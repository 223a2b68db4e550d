package build

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/cli"
	"zeroserve.dev/zeroserve/pkg/archive"
)

func testIO() (cli.IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return cli.IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, &out, &errOut
}

func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNewCmdBuildFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		wantErr bool
	}{
		{args: []string{"site"}, want: Options{Dir: "site", Output: DefaultOutput}},
		{args: []string{"site", "-o", "x.tar", "--quiet"}, want: Options{Dir: "site", Output: "x.tar", Quiet: true}},
		{args: []string{"--output=y.tar", "-q", "d"}, want: Options{Dir: "d", Output: "y.tar", Quiet: true}},
		{args: []string{}, wantErr: true},
		{args: []string{"a", "b"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			io, _, _ := testIO()
			var got *Options
			cmd := NewCmdBuild(io, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(io.Out)
			cmd.SetErr(io.ErrOut)
			err := cmd.Execute()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if got.Dir != tt.want.Dir || got.Output != tt.want.Output || got.Quiet != tt.want.Quiet {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestBuildRun(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	writeTree(t, site, map[string]string{
		"index.html":             "<h1>hi</h1>",
		"a/b/c.css":              strings.Repeat("p { color: red }\n", 50),
		".zeroserve/notes.txt":   "not a site file",
		".zeroserve/cache/x.bin": "nor this",
		"sub/.zeroserve/ok.txt":  "nested .zeroserve is an ordinary directory",
	})
	io, out, errOut := testIO()
	now := time.Unix(1000, 0)
	clock := func() time.Time { now = now.Add(250 * time.Millisecond); return now }
	output := filepath.Join(dir, "out.zs.tar")
	if err := buildRun(context.Background(), &Options{IO: io, Now: clock, Dir: site, Output: output}); err != nil {
		t.Fatalf("buildRun: %v (stderr %q)", err, errOut)
	}
	for _, want := range []string{"packed " + site, "files     3", "variants  3: br 1", "time      250ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	r, err := archive.Open(output)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var paths []string
	for i := range r.Len() {
		paths = append(paths, r.At(i).Path)
	}
	if got := strings.Join(paths, " "); got != "a/b/c.css index.html sub/.zeroserve/ok.txt" {
		t.Errorf("paths = %s", got)
	}
	if err := r.Verify(); err != nil {
		t.Error(err)
	}
	// --quiet prints nothing; output is byte-identical.
	io2, out2, _ := testIO()
	output2 := filepath.Join(dir, "out2.zs.tar")
	if err := buildRun(context.Background(), &Options{IO: io2, Now: time.Now, Dir: site, Output: output2, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if out2.Len() != 0 {
		t.Errorf("--quiet printed %q", out2)
	}
	a, _ := os.ReadFile(output)
	b, _ := os.ReadFile(output2)
	if !bytes.Equal(a, b) {
		t.Error("two builds of the same tree differ")
	}
}

func TestBuildOutputInsideSite(t *testing.T) {
	site := t.TempDir()
	writeTree(t, site, map[string]string{"index.html": "x"})
	io, _, _ := testIO()
	out := filepath.Join(site, "site.zs.tar")
	for range 2 { // the second build must not pack the first one's output
		if err := buildRun(context.Background(), &Options{IO: io, Now: time.Now, Dir: site, Output: out, Quiet: true}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := archive.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Len() != 1 {
		t.Errorf("archive has %d files, want 1", r.Len())
	}
}

func TestCollectSymlinksAndSpecialFiles(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, root, outside string)
		paths   string // space-separated site paths when Collect succeeds
		wantErr string
		warn    string
	}{
		{"link to file inside", func(t *testing.T, root, _ string) {
			writeTree(t, root, map[string]string{"real/a.txt": "A"})
			os.Symlink("real/a.txt", filepath.Join(root, "alias.txt"))
		}, "alias.txt real/a.txt", "", ""},
		{"link to dir inside", func(t *testing.T, root, _ string) {
			writeTree(t, root, map[string]string{"real/a.txt": "A"})
			os.Symlink("real", filepath.Join(root, "linked"))
		}, "linked/a.txt real/a.txt", "", ""},
		{"link outside", func(t *testing.T, root, outside string) {
			writeTree(t, outside, map[string]string{"secret": "S"})
			os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "s"))
		}, "", "points outside the site directory", ""},
		{"dotdot link outside", func(t *testing.T, root, _ string) {
			os.Symlink("../../etc/passwd", filepath.Join(root, "p"))
		}, "", "", ""},
		{"dangling link", func(t *testing.T, root, _ string) {
			os.Symlink("nowhere", filepath.Join(root, "d"))
		}, "", "target does not exist", ""},
		{"loop", func(t *testing.T, root, _ string) {
			os.MkdirAll(filepath.Join(root, "x"), 0o755)
			os.Symlink("..", filepath.Join(root, "x", "up"))
		}, "", "symlink loop", ""},
		{"scripts dir outside", func(t *testing.T, root, outside string) {
			writeTree(t, outside, map[string]string{"10-evil.c": "int x;"})
			os.MkdirAll(filepath.Join(root, ".zeroserve"), 0o755)
			os.Symlink(outside, filepath.Join(root, ".zeroserve", "scripts"))
		}, "", ".zeroserve/scripts points outside the site directory", ""},
		{".zeroserve outside", func(t *testing.T, root, outside string) {
			writeTree(t, outside, map[string]string{"scripts/10-evil.c": "int x;"})
			os.Symlink(outside, filepath.Join(root, ".zeroserve"))
		}, "", ".zeroserve/scripts points outside the site directory", ""},
		{"scripts dir inside", func(t *testing.T, root, _ string) {
			writeTree(t, root, map[string]string{"a.txt": "A", "src/10-ok.c": "int x;"})
			os.MkdirAll(filepath.Join(root, ".zeroserve"), 0o755)
			os.Symlink("../src", filepath.Join(root, ".zeroserve", "scripts"))
		}, "a.txt src/10-ok.c", "", ""},
		{"fifo skipped", func(t *testing.T, root, _ string) {
			writeTree(t, root, map[string]string{"a.txt": "A"})
			if err := mkfifo(filepath.Join(root, "pipe")); err != nil {
				t.Skip("mkfifo:", err)
			}
		}, "a.txt", "", "skipping special file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, outside := t.TempDir(), t.TempDir()
			tt.setup(t, root, outside)
			site, err := Collect(root, "")
			if tt.name == "dotdot link outside" {
				if err == nil || !(strings.Contains(err.Error(), "points outside") || strings.Contains(err.Error(), "does not exist")) {
					t.Fatalf("err = %v, want a refusal", err)
				}
				return
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, f := range site.Files {
				paths = append(paths, f.Path)
			}
			if got := strings.Join(paths, " "); got != tt.paths {
				t.Errorf("paths = %q, want %q", got, tt.paths)
			}
			if tt.warn != "" && (len(site.Warnings) != 1 || !strings.Contains(site.Warnings[0], tt.warn)) {
				t.Errorf("warnings = %q, want %q", site.Warnings, tt.warn)
			}
		})
	}
}

type fakeCompiler struct{ fail error }

func (f fakeCompiler) Compile(_ context.Context, _ string, src []ScriptSource) ([]archive.Script, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	var out []archive.Script
	for _, s := range src {
		data, err := os.ReadFile(s.Path)
		if err != nil {
			return nil, err
		}
		out = append(out, archive.Script{Name: s.Name, Object: append([]byte("obj:"), data...)})
	}
	return out, nil
}

func TestScriptsSeam(t *testing.T) {
	site := t.TempDir()
	writeTree(t, site, map[string]string{
		"index.html":                    "x",
		".zeroserve/scripts/20-b.c":     "int b;",
		".zeroserve/scripts/10-a.c":     "int a;",
		".zeroserve/scripts/README.txt": "ignored",
	})
	tests := []struct {
		name     string
		compiler ScriptCompiler
		wantErr  string
		scripts  string
	}{
		{"no compiler", nil, "2 script(s) in .zeroserve/scripts (10-a.c, 20-b.c): script compilation is not available", ""},
		{"compiler error", fakeCompiler{fail: errors.New("10-a.c:1: syntax error")}, "10-a.c:1: syntax error", ""},
		{"compiled", fakeCompiler{}, "", "10-a=obj:int a; 20-b=obj:int b;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := Pack(context.Background(), site, &buf, PackOptions{Scripts: tt.compiler})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.compiler == nil && !errors.Is(err, ErrNoCompiler) {
					t.Errorf("err does not wrap ErrNoCompiler")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := archive.OpenBytes(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range r.Scripts() {
				got = append(got, s.Name+"="+string(s.Object))
			}
			if strings.Join(got, " ") != tt.scripts {
				t.Errorf("scripts = %q, want %q", got, tt.scripts)
			}
		})
	}
}

func TestBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {5 << 20, "5.0 MiB"}, {3 << 30, "3.0 GiB"}}
	for _, tt := range tests {
		if got := Bytes(tt.n); got != tt.want {
			t.Errorf("Bytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	for _, term := range []bool{false, true} {
		var errOut bytes.Buffer
		p := newProgress(cli.IO{ErrOut: &errOut, Terminal: term}, false)
		for i := 1; i <= 400; i++ {
			p.update(i, 400)
		}
		p.done()
		if got := strings.Contains(errOut.String(), "packing ["); got != term {
			t.Errorf("terminal=%v: bar drawn=%v", term, got)
		}
	}
}

func TestCollectSkipsVersionControl(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"index.html":                 "x",
		".git/config":                "[remote \"origin\"]\n\turl = https://user:token@example.com/x",
		".git/HEAD":                  "ref: refs/heads/main",
		".hg/hgrc":                   "h",
		".svn/entries":               "s",
		".bzr/branch-format":         "b",
		"_darcs/format":              "d",
		"CVS/Root":                   "c",
		"docs/CVS/Entries":           "nested",
		"vendor/lib/.git/config":     "nested",
		"mod/.git":                   "gitdir: ../.git/modules/mod",
		"mod/page.html":              "a submodule's files are site files",
		".well-known/security.txt":   "Contact: mailto:a@example.com",
		".htaccess":                  "deny from all",
		".gitignore":                 "*.o",
		"a/.gitkeep":                 "",
		"cvs/lower-case-is-fine.txt": "ok",
	})
	// A VCS directory is not followed through a symlink either, whatever
	// the link's name.
	if err := os.Symlink(".git", filepath.Join(root, "sub.git")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(".git/config", filepath.Join(root, "cfg")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "linked"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../.git", filepath.Join(root, "linked", ".git")); err != nil {
		t.Fatal(err)
	}
	site, err := Collect(root, "")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range site.Files {
		paths = append(paths, f.Path)
	}
	// Other dotfiles, .well-known/ among them, are site files.
	want := ".gitignore .htaccess .well-known/security.txt a/.gitkeep cvs/lower-case-is-fine.txt index.html mod/page.html"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("paths = %q\nwant    %q", got, want)
	}
	wantSkipped := ".bzr/ .git/ .hg/ .svn/ CVS/ _darcs/ cfg docs/CVS/ linked/.git/ mod/.git sub.git/ vendor/lib/.git/"
	if got := strings.Join(site.Skipped, " "); got != wantSkipped {
		t.Errorf("skipped = %q\nwant      %q", got, wantSkipped)
	}
	if len(site.Warnings) != 0 {
		t.Errorf("warnings = %q, want none", site.Warnings)
	}
}

func TestBuildSummarySkipped(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site")
	writeTree(t, site, map[string]string{"index.html": "x", ".git/config": "secret", "x/.svn/entries": "s"})
	tests := []struct {
		name  string
		quiet bool
		want  string // a line of the summary; "" means no output at all
	}{
		{"summary", false, "  skipped   2 (version control): .git/, x/.svn/\n"},
		{"quiet", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, out, _ := testIO()
			output := filepath.Join(dir, tt.name+".zs.tar")
			if err := buildRun(context.Background(), &Options{IO: io, Now: time.Now, Dir: site, Output: output, Quiet: tt.quiet}); err != nil {
				t.Fatal(err)
			}
			if tt.want == "" {
				if out.Len() != 0 {
					t.Errorf("printed %q", out)
				}
			} else if !strings.Contains(out.String(), tt.want) {
				t.Errorf("summary lacks %q:\n%s", tt.want, out)
			}
			r, err := archive.Open(output)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Len() != 1 || r.At(0).Path != "index.html" {
				t.Errorf("archive has %d files, want only index.html", r.Len())
			}
		})
	}
}

func TestSkippedLine(t *testing.T) {
	tests := []struct {
		skipped []string
		want    string
	}{
		{nil, ""},
		{[]string{".git/"}, "  skipped   1 (version control): .git/\n"},
		{[]string{".git/", "a/.hg/", "b/CVS/"}, "  skipped   3 (version control): .git/, a/.hg/, b/CVS/\n"},
		{[]string{".git/", "a/.git/", "b/.git/", "c/.git/", "d/.git/"}, "  skipped   5 (version control): .git/, a/.git/, b/.git/, and 2 more\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printSkipped(&b, tt.skipped)
		if b.String() != tt.want {
			t.Errorf("printSkipped(%q) = %q, want %q", tt.skipped, b.String(), tt.want)
		}
	}
}
