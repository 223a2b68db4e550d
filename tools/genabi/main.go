// Command genabi writes the C SDK header and the helper reference from
// package abi, the single source of truth for the script ABI:
//
//	go run ./tools/genabi -header sdk/include/zeroserve.h -doc docs/helpers.md
//
// It runs from `go generate ./pkg/abi`; a test fails when the committed
// files differ from what it would write.
package main

import (
	"bytes"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/template"

	"zeroserve.dev/zeroserve/pkg/abi"
)

//go:embed zeroserve.h.tmpl
var headerTmpl string

//go:embed helpers.md.tmpl
var docTmpl string

func main() {
	header := flag.String("header", "", "write the C header to this `file`")
	doc := flag.String("doc", "", "write the helper reference (Markdown) to this `file`")
	flag.Parse()
	if flag.NArg() > 0 || (*header == "" && *doc == "") {
		fmt.Fprintln(os.Stderr, "usage: genabi [-header file] [-doc file]")
		os.Exit(2)
	}
	if err := run(*header, *doc); err != nil {
		fmt.Fprintf(os.Stderr, "genabi: %v\n", err)
		os.Exit(1)
	}
}

func run(headerPath, docPath string) error {
	for _, out := range []struct {
		path   string
		render func() ([]byte, error)
	}{{headerPath, Header}, {docPath, Doc}} {
		if out.path == "" {
			continue
		}
		b, err := out.render()
		if err != nil {
			return err
		}
		if err := os.WriteFile(out.path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Header renders sdk/include/zeroserve.h.
func Header() ([]byte, error) { return render("header", headerTmpl) }

// Doc renders docs/helpers.md.
func Doc() ([]byte, error) { return render("doc", docTmpl) }

type family struct {
	Title   string
	Helpers []abi.Helper
}

type constGroup struct {
	Name      string
	Constants []abi.Constant
}

type data struct {
	SectionRequest    string
	SectionCallPrefix string
	MaxJSONHandles    int
	Families          []family
	ConstantGroups    []constGroup
}

func model() data {
	d := data{
		SectionRequest:    abi.SectionRequest,
		SectionCallPrefix: abi.SectionCallPrefix,
		MaxJSONHandles:    abi.MaxJSONHandles,
	}
	for _, f := range abi.Families() {
		fam := family{Title: f.Title()}
		for _, h := range abi.Helpers() {
			if h.Family == f {
				fam.Helpers = append(fam.Helpers, h)
			}
		}
		d.Families = append(d.Families, fam)
	}
	for _, c := range abi.Constants() {
		n := len(d.ConstantGroups)
		if n == 0 || d.ConstantGroups[n-1].Name != c.Group {
			d.ConstantGroups = append(d.ConstantGroups, constGroup{Name: c.Group})
			n++
		}
		d.ConstantGroups[n-1].Constants = append(d.ConstantGroups[n-1].Constants, c)
	}
	return d
}

func render(name, text string) ([]byte, error) {
	t, err := template.New(name).Funcs(template.FuncMap{"comment": comment, "cvalue": cvalue}).Parse(text)
	if err != nil {
		return nil, fmt.Errorf("parse %s template: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, model()); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// comment wraps text into a C block comment of lines up to 80 columns.
func comment(text string) string {
	const width = 80
	var b strings.Builder
	line := "/*"
	for _, w := range strings.Fields(strings.ReplaceAll(text, "*/", "* /")) {
		if len(line)+1+len(w) > width-3 && line != "/*" && line != " *" {
			b.WriteString(line + "\n")
			line = " *"
		}
		line += " " + w
	}
	b.WriteString(line + " */")
	return b.String()
}

// cvalue writes n as a C macro body: negative numbers in parentheses.
func cvalue(n int64) string {
	if n < 0 {
		return fmt.Sprintf("(%d)", n)
	}
	return fmt.Sprint(n)
}
