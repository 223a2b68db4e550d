package script

import (
	"testing"

	"zeroserve.dev/zeroserve/pkg/server/static"
)

func TestSubstitute(t *testing.T) {
	var m Meta
	m.Set([]byte("name"), []byte(`<b>"Tom" & 'Jerry'</b>`))
	m.Set([]byte("n"), []byte("1"))
	for _, tc := range []struct{ in, want string }{
		{"<p>Hi <zs-meta>name</zs-meta>!</p>", "<p>Hi &lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;!</p>"},
		{"<zs-meta> n </zs-meta><zs-meta>n</zs-meta>", "11"},
		{"a<zs-meta>unknown</zs-meta>b", "ab"},
		{"a<zs-meta>n", "a<zs-meta>n"},
		{"no tags", "no tags"},
		{"", ""},
	} {
		if got := string(Substitute(nil, []byte(tc.in), &m)); got != tc.want {
			t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	buf := make([]byte, 0, 256)
	body := []byte("<p><zs-meta>n</zs-meta></p>")
	if a := testing.AllocsPerRun(100, func() { buf = Substitute(buf[:0], body, &m) }); a != 0 {
		t.Errorf("%v allocations", a)
	}
}

func TestApplyHeaders(t *testing.T) {
	r := (&Set{cfg: Config{}.withDefaults()}).NewRunner()
	cx := r.Get()
	for k, v := range map[string]string{
		"zs.response.header.cache-control":     "no-store",
		"zs.response.header.x-new":             "1",
		"zs.response.header.content-length":    "5",
		"zs.response.header.transfer-encoding": "chunked",
		"zs.response.header.bad name":          "x",
		"zs.response.header.x-split":           "a\r\nb",
		"zs.response.header.":                  "x",
		"other":                                "y",
	} {
		cx.Meta.Set([]byte(k), []byte(v))
	}
	fields := []static.Field{{Name: "Content-Type", Value: "text/html"}, {Name: "Cache-Control", Value: "no-cache"}, {Name: "Content-Length", Value: "9"}, {Name: "cache-control", Value: "dup"}}
	got := cx.ApplyHeaders(fields)
	want := []static.Field{{Name: "Content-Type", Value: "text/html"}, {Name: "Cache-Control", Value: "no-store"}, {Name: "Content-Length", Value: "9"}, {Name: "x-new", Value: "1"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
	// A script response: text/plain unless metadata overrides it.
	cx.Response.set(200, []byte("hello"), false)
	cx.Meta.Set([]byte("zs.response.header.Content-Type"), []byte("text/csv"))
	f := cx.ResponseFields(nil)
	if !hasField(f, "Content-Type", "text/csv") || !hasField(f, "Content-Length", "5") || hasField(f, "Content-Type", TextContentType) {
		t.Errorf("respond fields %v", f)
	}
	cx.Response.set(200, []byte("{}"), true)
	f = cx.ResponseFields(nil)
	if !hasField(f, "Content-Type", JSONContentType) || hasField(f, "Content-Type", "text/csv") {
		t.Errorf("json fields %v", f)
	}
	r.Put(cx)
}

// Metadata header values are sent only when they are valid field values
// (RFC 9110 §5.5): no control bytes but HTAB, and no leading or trailing
// whitespace, which HTTP/2 and HTTP/3 forbid (RFC 9113 §8.2.1) and
// HTTP/1 recipients strip; it is trimmed.
func TestMetaHeaderValues(t *testing.T) {
	r := (&Set{cfg: Config{}.withDefaults()}).NewRunner()
	for _, tc := range []struct {
		value string
		want  string // "" when the header must not be sent
	}{
		{"plain", "plain"},
		{"a\tb c", "a\tb c"},
		{"  padded\t ", "padded"},
		{"caf\xc3\xa9", "caf\xc3\xa9"}, // obs-text is allowed
		{"a\x01b", ""},
		{"a\x7fb", ""},
		{"a\x1bb", ""},
		{"a\rb", ""},
		{"a\nb", ""},
		{"a\x00b", ""},
		{"x\r\nSet-Cookie: evil=1", ""},
	} {
		cx := r.Get()
		cx.Meta.Set([]byte("zs.response.header.X-Test"), []byte(tc.value))
		got := cx.ApplyHeaders([]static.Field{{Name: "Content-Type", Value: "text/plain"}})
		var sent []string
		cx.MetaHeaders(func(name, value string) { sent = append(sent, name+": "+value) })
		switch {
		case tc.want == "" && (len(got) != 1 || len(sent) != 0):
			t.Errorf("value %q: sent %v / %v", tc.value, got, sent)
		case tc.want != "" && (len(got) != 2 || got[1].Value != tc.want || len(sent) != 1 || sent[0] != "X-Test: "+tc.want):
			t.Errorf("value %q: sent %v / %v, want %q", tc.value, got, sent, tc.want)
		}
		r.Put(cx)
	}
}
