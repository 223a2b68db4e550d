//go:build unix

package archive

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpenNotAFile: a directory or a FIFO where the archive should be is
// refused with a sentence, without waiting for a FIFO writer.
func TestOpenNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, tc := range []struct{ path, want string }{
		{dir, "is a directory, not an archive"},
		{fifo, "is a named pipe, not an archive"},
	} {
		if _, err := Open(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
}
