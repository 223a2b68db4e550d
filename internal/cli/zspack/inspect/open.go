package inspect

import (
	"fmt"
	"io/fs"
	"os"

	"zeroserve.dev/zeroserve/pkg/archive"
)

// openArchive opens the archive at path, first refusing what is not a
// regular file with a sentence: archive.Open would say "mmap: no such
// device" for a directory and block forever opening a FIFO.
func openArchive(path string) (*archive.Reader, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is a %s, not an archive", path, kind(fi.Mode()))
	}
	return archive.Open(path)
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
