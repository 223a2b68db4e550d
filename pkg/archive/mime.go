package archive

import (
	"path"
	"strings"
)

// mimeTypes maps a lower-case file extension (with the dot) to its media
// type. Text types carry "; charset=utf-8": the archive serves sites, and a
// site's text is UTF-8.
var mimeTypes = map[string]string{
	// documents and text
	".html":        "text/html; charset=utf-8",
	".htm":         "text/html; charset=utf-8",
	".xhtml":       "application/xhtml+xml; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".cjs":         "text/javascript; charset=utf-8",
	".json":        "application/json; charset=utf-8",
	".jsonld":      "application/ld+json; charset=utf-8",
	".map":         "application/json; charset=utf-8",
	".webmanifest": "application/manifest+json; charset=utf-8",
	".xml":         "application/xml; charset=utf-8",
	".rss":         "application/rss+xml; charset=utf-8",
	".atom":        "application/atom+xml; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".text":        "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".markdown":    "text/markdown; charset=utf-8",
	".csv":         "text/csv; charset=utf-8",
	".tsv":         "text/tab-separated-values; charset=utf-8",
	".ics":         "text/calendar; charset=utf-8",
	".vtt":         "text/vtt; charset=utf-8",
	".yaml":        "application/yaml; charset=utf-8",
	".yml":         "application/yaml; charset=utf-8",
	".toml":        "application/toml; charset=utf-8",
	".wasm":        "application/wasm",
	".pdf":         "application/pdf",
	".rtf":         "application/rtf",
	// images
	".svg":  "image/svg+xml; charset=utf-8",
	".png":  "image/png",
	".apng": "image/apng",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
	".avif": "image/avif",
	".ico":  "image/x-icon",
	".bmp":  "image/bmp",
	".tif":  "image/tiff",
	".tiff": "image/tiff",
	".jxl":  "image/jxl",
	// fonts
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".ttf":   "font/ttf",
	".otf":   "font/otf",
	".eot":   "application/vnd.ms-fontobject",
	// audio and video
	".mp4":  "video/mp4",
	".m4v":  "video/mp4",
	".webm": "video/webm",
	".ogv":  "video/ogg",
	".mov":  "video/quicktime",
	".mp3":  "audio/mpeg",
	".m4a":  "audio/mp4",
	".aac":  "audio/aac",
	".ogg":  "audio/ogg",
	".oga":  "audio/ogg",
	".opus": "audio/ogg",
	".wav":  "audio/wav",
	".flac": "audio/flac",
	// archives and binaries
	".zip": "application/zip",
	".gz":  "application/gzip",
	".tgz": "application/gzip",
	".tar": "application/x-tar",
	".br":  "application/octet-stream",
	".zst": "application/zstd",
	".7z":  "application/x-7z-compressed",
	".bin": "application/octet-stream",
	".exe": "application/octet-stream",
	".dmg": "application/octet-stream",
	".iso": "application/octet-stream",
	".apk": "application/vnd.android.package-archive",
	".deb": "application/vnd.debian.binary-package",
	".rpm": "application/x-rpm",
	// well-known site files
	".appcache": "text/cache-manifest; charset=utf-8",
	".pem":      "application/x-pem-file",
	".crt":      "application/x-x509-ca-cert",
	".asc":      "text/plain; charset=utf-8",
	".sig":      "application/pgp-signature",
}

// DefaultContentType is the type of a file whose extension is unknown.
const DefaultContentType = "application/octet-stream"

// ContentType returns the media type for a file name from its extension
// (case-insensitive), or DefaultContentType. The result never allocates for
// lower-case extensions.
func ContentType(name string) string {
	ext := path.Ext(name)
	if ext == "" {
		return DefaultContentType
	}
	if t, ok := mimeTypes[ext]; ok {
		return t
	}
	if t, ok := mimeTypes[strings.ToLower(ext)]; ok {
		return t
	}
	return DefaultContentType
}

// Compressible reports whether content of this media type usually shrinks
// under brotli, zstd or gzip: text, scripts, markup, JSON, SVG, WebAssembly
// and uncompressed fonts. Already-compressed formats (images, woff2, media,
// archives) are not.
func Compressible(contentType string) bool {
	t, _, _ := strings.Cut(contentType, ";")
	t = strings.TrimSpace(t)
	if strings.HasPrefix(t, "text/") {
		return true
	}
	if strings.HasSuffix(t, "+json") || strings.HasSuffix(t, "+xml") {
		return true
	}
	switch t {
	case "application/json", "application/xml", "application/wasm",
		"application/yaml", "application/toml", "application/rtf",
		"application/x-pem-file", "application/vnd.ms-fontobject",
		"image/x-icon", "image/bmp", "image/tiff",
		"font/ttf", "font/otf", "application/x-tar":
		return true
	}
	return false
}
