package dev

import "testing"

func TestInject(t *testing.T) {
	tag := "<script>x</script>"
	tests := []struct {
		name, page, want string
	}{
		{"body", "<p>a</p></body></html>", "<p>a</p><script>x</script></body></html>"},
		{"upper", "<P>a</P></BODY></HTML>\n", "<P>a</P><script>x</script></BODY></HTML>\n"},
		{"last body wins", "<pre>&lt;/body></pre></body>", "<pre>&lt;/body></pre><script>x</script></body>"},
		{"literal in comment before real end", "<!-- </body> --><p>x</p></body>", "<!-- </body> --><p>x</p><script>x</script></body>"},
		{"no body", "<!doctype html><title>t</title><p>hi", "<!doctype html><title>t</title><p>hi<script>x</script>"},
		{"empty", "", "<script>x</script>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page := []byte(tt.page)
			got := Inject(page, []byte(tag))
			if string(got) != tt.want {
				t.Errorf("Inject(%q) = %q, want %q", tt.page, got, tt.want)
			}
			if string(page) != tt.page {
				t.Errorf("Inject modified its input: %q", page)
			}
		})
	}
}

func TestIsHTML(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"index.html", true}, {"docs/A.HTM", true}, {"x.xhtml", true},
		{"style.css", false}, {"html", false}, {"a.html.gz", false},
	}
	for _, tt := range tests {
		if got := IsHTML(tt.path); got != tt.want {
			t.Errorf("IsHTML(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
