package archive

// Encoding identifies a precompressed variant of an entry.
type Encoding uint8

const (
	Identity Encoding = iota
	Brotli            // Content-Encoding: br
	Zstd              // Content-Encoding: zstd
	Gzip              // Content-Encoding: gzip
)

// Token returns the HTTP content-coding token ("br", "zstd", "gzip"; "" for Identity).
func (e Encoding) Token() string {
	switch e {
	case Brotli:
		return "br"
	case Zstd:
		return "zstd"
	case Gzip:
		return "gzip"
	}
	return ""
}

// Entry describes one site file in the index. Strings point into the archive
// mapping (no copy): they stay valid while the Reader is open.
type Entry struct {
	Path        string // normalised, no leading '/', e.g. "css/site.css"
	ContentType string // e.g. "text/css; charset=utf-8"
	ETag        string // strong, quoted: "\"<hex of content hash>\""
	ModTime     int64  // Unix seconds
	Size        int64  // content size in bytes
	Offset      int64  // content byte offset in the archive file
	Flags       Flags
	Variants    [3]Variant // by preference: br, zstd, gzip; Encoding==Identity when absent
	NVariants   uint8
}

// Variant is one precompressed form of an entry, stored as its own tar member
// under .zeroserve/.
type Variant struct {
	Encoding Encoding
	ETag     string // strong, quoted, distinct from the identity ETag
	Size     int64
	Offset   int64
}

// Flags are per-entry bits set at pack time.
type Flags uint32

const (
	FlagHashedName Flags = 1 << iota // file name carries a content hash: cache immutably
	FlagHTML                         // text/html
	FlagTemplate                     // contains "<zs-meta>" (HTML/XML template)
)
