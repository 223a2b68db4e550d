// Package static answers requests for the files of a site archive
// (SPEC.md §3). It is protocol-neutral and sans-I/O: HTTP/1.1 and HTTP/2
// fill a [Request] view, call [Handler.Serve], and write the [Response] —
// status, header fields, and a body made of slices of the archive mapping
// (never copied). A Handler is immutable and shared by all loops; a Response
// is reused per connection or stream, and after warm-up Serve does not
// allocate.
//
// The protocol writer adds the connection-level fields every response needs:
// Date (from its per-second cache), Server: zeroserve, and Connection for
// HTTP/1. Everything else comes from Serve. Header values are rendered per
// request (a few tens of nanoseconds) rather than pre-rendered per entry.
//
// # Paths
//
// [NormalizePath] percent-decodes the path and resolves "." and ".."; it
// answers 400 for ".." above the root, "%2F" inside a segment, a malformed
// escape, a decoded control byte (NUL included) and invalid UTF-8. Empty
// segments collapse ("//a" is "/a"). A query must be printable ASCII (400
// otherwise) because it may be echoed in a Location field.
//
// Lookup order for a normalised path P:
//  1. P ending in '/' (including "/"): P + index (Config.Index, default
//     "index.html"); nothing else.
//  2. P exactly.
//  3. P + "/" + index exists: 308 Permanent Redirect to P + "/" with the
//     original query (like nginx and Caddy, so relative links inside the
//     index resolve against the directory). 308 rather than 301 keeps the
//     method. The Location is P percent-encoded again, never the raw
//     request path, so "//evil.example" cannot become an open redirect.
//  4. With Config.TryHTML: P + ".html".
//  5. 404: the site's /404.html with status 404 (content negotiation
//     applies; no validators, Cache-Control: no-cache) or a short text
//     body.
//
// Anything under ".zeroserve/" (and ".zeroserve" itself) is answered 404
// whatever the archive holds.
//
// # Methods
//
// GET and HEAD are served; HEAD gets exactly the fields of GET (including
// Content-Length) and no body. OPTIONS, on any path or "*", is answered 204
// with "Allow: GET, HEAD, OPTIONS". Any other method gets 405 with the same
// Allow field. The method is checked before the lookup, so a POST to a
// missing file is 405 (a path under .zeroserve/ stays 404).
//
// # Fields
//
// 200 responses carry Content-Type (from the index; omitted when unknown,
// never sniffed), Content-Length, Content-Encoding for a variant, ETag
// (the variant's own), Last-Modified (omitted when the archive has no mtime),
// Cache-Control, Accept-Ranges: bytes, and Vary: Accept-Encoding when the
// file has precompressed variants.
//
// Cache-Control defaults: files whose name carries a content hash
// (archive.FlagHashedName) get "public, max-age=31536000, immutable"; HTML
// gets "no-cache" (always revalidated, answered 304 cheaply); everything else
// gets Config.CacheControl, default "public, max-age=3600". nginx and Caddy
// send no Cache-Control, leaving browsers to heuristic freshness (10 % of
// the time since Last-Modified, often days); one hour bounds how stale a
// non-hashed asset can be after a deploy.
//
// # Content negotiation
//
// Accept-Encoding is parsed with q-values (RFC 9110 §12.5.3): the variant
// (br, zstd, gzip) with the highest q above 0 wins, server order
// br > zstd > gzip breaks ties, a coding not listed takes the q of "*",
// and identity wins only with a strictly higher q (it is implicitly
// acceptable when not listed). Without the field, identity is served. If
// nothing is acceptable, identity is served anyway rather than 406.
//
// # Conditional requests
//
// Evaluated in RFC 9110 §13.2.2 order against the selected representation's
// ETag: If-Match (strong comparison) fails → 412; else If-Unmodified-Since
// fails → 412; If-None-Match (weak comparison, lists, "*") matches → 304;
// else If-Modified-Since not newer → 304. A 304 carries ETag,
// Cache-Control and Vary, no Last-Modified or Content-* fields, no body.
// All three HTTP-date formats are accepted; an invalid date is ignored.
//
// # Ranges
//
// Only for GET, only in bytes, and always on the identity representation: a
// GET with Range is served identity whatever Accept-Encoding says, so
// offsets are stable across clients. If-Range must match the identity ETag
// strongly or equal Last-Modified exactly, else the whole file is sent.
// One satisfiable range → 206 with Content-Range; several → 206
// multipart/byteranges in request order, with a boundary derived from the
// ETag (deterministic). A Range field that is malformed, names another
// unit, has more than [MaxRanges] specs, or whose satisfiable ranges
// overlap or add up to more than the file is ignored (200 with the whole
// file). No satisfiable range → 416 with "Content-Range: bytes */size".
package static
