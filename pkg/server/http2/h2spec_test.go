package http2

import (
	"bytes"
	"net"
	"os/exec"
	"regexp"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"
)

// TestH2Spec runs h2spec (v2.2.1, 145 cases) against the test server over
// h2c with prior knowledge. Install it with
//
//	go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible
func TestH2Spec(t *testing.T) {
	if testing.Short() {
		t.Skip("h2spec takes a while")
	}
	bin := testutil.Tool(t, "h2spec", "go install github.com/summerwind/h2spec/cmd/h2spec@v2.2.1+incompatible")
	s := startServer(t, Config{}, helloHandler())
	host, port, _ := net.SplitHostPort(s.addr())
	out, err := exec.Command(bin, "-h", host, "-p", port, "-o", "2").CombinedOutput()
	m := regexp.MustCompile(`(\d+) tests, (\d+) passed, (\d+) skipped, (\d+) failed`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("h2spec: %v\n%s", err, out)
	}
	t.Logf("h2spec: %s", m[0])
	if string(m[4]) != "0" || string(m[3]) != "0" {
		i := bytes.Index(out, []byte("Failures:"))
		t.Fatalf("h2spec: %s\n%s", m[0], out[max(i, 0):])
	}
}
