// Package archive is zeroserve's site archive: a POSIX tar file whose first
// member is a binary index, so a server can map the file and serve from it
// without extracting or scanning it.
//
// Writer and Pack (used by zspack) turn site files and compiled scripts into
// an archive; Open and OpenBytes validate one and return a Reader. Reader
// methods return Entry values whose strings and byte slices alias the
// mapping: they are valid until Close. Lookup, At and Content do not
// allocate. Verify re-reads the whole tar and re-hashes every member.
//
// # Format, version 1
//
// All integers in the index are little-endian. Offsets are bytes from the
// start of the archive file. The tar layer is POSIX ustar, with a PAX
// extended header ('x') before any member whose name is longer than ustar's
// name/prefix fields or not ASCII, or whose size is 2^33 bytes or more.
//
//	archive file
//	+---------------------------+ 0
//	| ustar header ".zeroserve/index" (512 bytes, typeflag '0')
//	+---------------------------+ 512
//	| index (L bytes)           |
//	| zero padding to 512       |
//	+---------------------------+ align512(512+L)
//	| script members, in name order: ".zeroserve/scripts/<name>.o"
//	| then, for each site file in path order:
//	|   the file itself, member name = its path
//	|   its variants: ".zeroserve/variants/<path>.br", ".zst", ".gz"
//	| each member: [PAX header] ustar header, data, zero padding to 512
//	+---------------------------+ A - 1024
//	| two zero blocks (tar end) |
//	+---------------------------+ A = file size
//
// Every member header carries mode 0644, uid/gid 0, empty user and group
// names and whole-second mtimes: the file's own mtime for site files and
// their variants, and the newest site mtime for the index and scripts.
// The same inputs (paths, contents, mtimes, scripts) give the same bytes.
//
// The index:
//
//	offset size  field
//	0      8     magic "ZSINDEX\x00"
//	8      4     version (1)
//	12     4     header length (64)
//	16     8     L, the index length (= the tar member's size)
//	24     8     A, the archive length (= the file size)
//	32     4     E, entries (site files)
//	36     4     V, variants
//	40     4     S, scripts
//	44     4     T, string table length
//	48     16    reserved, zero
//	64     72*E  entry records, in strictly increasing byte order of path
//	       40*V  variant records, grouped by entry, in entry order
//	       32*S  script records, in strictly increasing byte order of name
//	       T     string table: the bytes of every string, each distinct
//	             string stored once; records refer to (offset, length)
//	L-4    4     CRC-32C (Castagnoli) of bytes 0..L-4
//
//	L = 64 + 72E + 40V + 32S + T + 4
//
// Entry record (72 bytes):
//
//	0   8  header offset: first byte of the member's first header block
//	8   8  data offset: first byte of the content
//	16  8  size
//	24  8  mtime, Unix seconds, 0 <= mtime < 2^33
//	32  8  path (string offset u32, length u32)
//	40  8  content type (string), 1..255 bytes of 0x20..0x7e
//	48  8  ETag (string): '"' + 32 lower-case hex digits + '"', the first 16
//	       bytes of the SHA-256 of the content
//	56  4  flags: 1 hashed name, 2 HTML, 4 template (contains "<zs-meta>");
//	       other bits must be zero
//	60  4  first variant (index into the variant records)
//	64  4  variant count, 0..3
//	68  4  reserved, zero
//
// Variant record (40 bytes):
//
//	0   8  header offset
//	8   8  data offset
//	16  8  size
//	24  8  ETag (string), same form, from the variant's own bytes
//	32  4  encoding: 1 brotli, 2 zstd, 3 gzip; strictly increasing per entry
//	36  4  reserved, zero
//
// Script record (32 bytes):
//
//	0   8  header offset
//	8   8  data offset
//	16  8  size
//	24  8  name (string): 1..255 bytes of [A-Za-z0-9._-], not starting '.'
//
// Paths are non-empty UTF-8 of at most 4096 bytes with no byte below 0x20
// and no 0x7f, '/'-separated, with no empty, "." or ".." segment (so no
// leading or trailing '/'), and not ".zeroserve" or under ".zeroserve/".
//
// Layout rule: taking members in archive order (index, scripts, then each
// entry followed by its variants), each member's header offset equals the
// end of the previous member's data rounded up to 512 (the first one:
// align512(512+L)); its data offset is a multiple of 512, 1 to 32 blocks
// after its header offset; its data ends at or before A-1024; and the last
// member ends, rounded up, exactly at A-1024. So members tile the file with
// no gap and no overlap, and every range lies inside the file.
//
// Open checks all of the above from the first 512+L bytes only: the index
// member's ustar header (magic, checksum, name, type, size), magic, version,
// lengths, counts, CRC, every record and string, sort order and layout. It
// reads no member content and no other tar header, so its cost depends on
// the index size, not on the archive's. Verify additionally walks the tar:
// every member's header must name the member the index describes, as a
// regular file of the indexed size and mtime whose data starts at the
// indexed offset, with mode 0644, owner 0:0, no user, group or link name,
// in ustar or PAX format with no PAX record but "path" and "size" (so tar
// extracts exactly the indexed bytes); no member may be missing or extra;
// the end blocks must be zero; no path may lie below another file's path
// ("a/b" beside a file "a"); every ETag must match a fresh SHA-256 of its
// bytes; every variant must decompress to its entry's content; and every
// entry's flags must match its path, type and content.
package archive
