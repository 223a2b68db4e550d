package cdp

import (
	"errors"
	"os"
	"testing"
	"time"

	"zeroserve.dev/zeroserve/internal/testutil"
)

func TestEval(t *testing.T) {
	if _, err := os.Stat(DefaultPath); err != nil {
		testutil.Missing(t, "no Chromium at "+DefaultPath+" (Debian package chromium)")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b, err := Start(DefaultPath, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.NewPage("data:text/html,<title>t</title><p id=x>hello</p>")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	tests := []struct {
		expr string
		want string
	}{
		{`"a" + "b"`, "ab"},
		{`Promise.resolve("later")`, "later"},
		{`String(1 + 2)`, "3"},
		{`location.protocol`, "data:"},
	}
	for _, tt := range tests {
		var got string
		if err := p.Eval(tt.expr, &got); err != nil || got != tt.want {
			t.Errorf("Eval(%q) = %q, %v; want %q", tt.expr, got, err, tt.want)
		}
	}
	// The page loads asynchronously: poll for its content.
	var text string
	for deadline := time.Now().Add(10 * time.Second); text != "hello" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if err := p.Eval(`document.getElementById("x") ? document.getElementById("x").textContent : ""`, &text); err != nil {
			t.Fatal(err)
		}
	}
	if text != "hello" {
		t.Errorf("page text %q, want hello", text)
	}
	if err := p.Eval(`(() => { throw new Error("boom") })()`, nil); !errors.Is(err, ErrException) {
		t.Errorf("throwing expression: err = %v, want ErrException", err)
	}
}
