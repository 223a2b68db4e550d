package archive_test

import (
	"fmt"
	"strings"

	"zeroserve.dev/zeroserve/pkg/archive"
)

func Example() {
	// Pack two files in memory (zspack build writes the same bytes to disk).
	b, st, err := archive.PackBytes([]archive.File{
		{Path: "index.html", ModTime: 1700000000, Data: []byte(strings.Repeat("<p>hello</p>\n", 100))},
		{Path: "logo.png", ModTime: 1700000000, Data: []byte{0x89, 'P', 'N', 'G'}},
	}, nil, archive.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(st.Files, "files,", st.Variants, "variants")

	// Open validates the index; Lookup and Content do not allocate or copy.
	r, err := archive.OpenBytes(b)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	e, ok := r.Lookup("index.html")
	fmt.Println(ok, e.ContentType, e.Size, len(r.Content(e)))
	if v, ok := e.Variant(archive.Brotli); ok {
		fmt.Println("br variant smaller:", v.Size < e.Size, len(r.VariantContent(v)) == int(v.Size))
	}
	_, ok = r.Lookup("missing.html")
	fmt.Println(ok)
	// Output:
	// 2 files, 3 variants
	// true text/html; charset=utf-8 1300 1300
	// br variant smaller: true true
	// false
}

func ExampleContentType() {
	fmt.Println(archive.ContentType("app.MJS"))
	fmt.Println(archive.ContentType("font.woff2"))
	fmt.Println(archive.ContentType("README"))
	// Output:
	// text/javascript; charset=utf-8
	// font/woff2
	// application/octet-stream
}
