package archive

import (
	"errors"
	"fmt"
)

// Format constants; doc.go draws the layout they describe.
const (
	// Magic opens the index.
	Magic = "ZSINDEX\x00"
	// Version is the index format version this package reads and writes.
	Version = 1

	// IndexName is the tar member holding the index; it is always the first
	// member of the archive.
	IndexName = ".zeroserve/index"
	// ScriptDir holds compiled scripts, as "<ScriptDir><name>.o" members.
	ScriptDir = ".zeroserve/scripts/"
	// VariantDir holds precompressed variants, as "<VariantDir><path>.<ext>"
	// members (ext "br", "zst" or "gz").
	VariantDir = ".zeroserve/variants/"
	// ReservedDir is the archive's own namespace: no site file lives under it.
	ReservedDir = ".zeroserve"

	blockSize     = 512
	headerLen     = 64
	entryRecLen   = 72
	variantRecLen = 40
	scriptRecLen  = 32
	trailerLen    = 4 // CRC-32C
	tarEndLen     = 2 * blockSize

	// maxPathLen bounds a site path (bytes).
	maxPathLen = 4096
	// maxTypeLen bounds a content type string (bytes).
	maxTypeLen = 255
	// maxNameLen bounds a script name (bytes).
	maxNameLen = 255
	// maxHeaderSpan bounds the bytes from a member's first header block to
	// its data: the ustar header plus any PAX extended header before it.
	maxHeaderSpan = 32 * blockSize
	// maxModTime bounds mtimes (exclusive): 2^33 seconds (year 2242) is the
	// first value a ustar header's 11 octal digits cannot hold, and the
	// index header, which carries the newest mtime, is plain ustar.
	maxModTime = int64(1) << 33
	// etagLen is the length of a quoted ETag: '"' + 32 hex digits + '"'.
	etagLen = 34
)

// Sentinel errors callers branch on.
var (
	// ErrCorrupt wraps every reason an archive is rejected.
	ErrCorrupt = errors.New("corrupt archive")
	// ErrNotFound: no entry under that path.
	ErrNotFound = errors.New("not found")
)

// CorruptError is a rejected archive: Reason is one line naming what is wrong.
type CorruptError struct{ Reason string }

func (e *CorruptError) Error() string        { return "corrupt archive: " + e.Reason }
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corrupt(format string, args ...any) error {
	return &CorruptError{Reason: fmt.Sprintf(format, args...)}
}

// Known flag bits; any other bit set in an index is rejected.
const knownFlags = FlagHashedName | FlagHTML | FlagTemplate

// String names the encoding ("identity" for Identity).
func (e Encoding) String() string {
	if e == Identity {
		return "identity"
	}
	if t := e.Token(); t != "" {
		return t
	}
	return fmt.Sprintf("Encoding(%d)", uint8(e))
}

// variantSuffix names a variant in error messages.
func (e Encoding) variantSuffix() string {
	switch e {
	case Brotli:
		return " br variant"
	case Zstd:
		return " zstd variant"
	case Gzip:
		return " gzip variant"
	}
	return ""
}

// fileExt is the suffix of a variant member's name.
func (e Encoding) fileExt() string {
	switch e {
	case Brotli:
		return ".br"
	case Zstd:
		return ".zst"
	case Gzip:
		return ".gz"
	}
	return ""
}

func align(n int64) int64 { return (n + blockSize - 1) &^ (blockSize - 1) }
