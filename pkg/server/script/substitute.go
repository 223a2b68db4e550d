package script

import "bytes"

var (
	metaOpen  = []byte("<zs-meta>")
	metaClose = []byte("</zs-meta>")
)

// Substitute appends body to dst with every <zs-meta>key</zs-meta> replaced
// by the HTML-escaped value of metadata key (an unknown key gives the empty
// string; surrounding ASCII spaces in key are ignored). An opening tag
// without a closing one is copied as it is. Call it for HTML and XML files
// (archive.FlagTemplate) when m is non-empty; with an empty m the body is
// served unchanged. The result's length is the Content-Length to send; the
// file's ETag no longer describes it.
func Substitute(dst, body []byte, m *Meta) []byte {
	for {
		i := bytes.Index(body, metaOpen)
		if i < 0 {
			return append(dst, body...)
		}
		rest := body[i+len(metaOpen):]
		j := bytes.Index(rest, metaClose)
		if j < 0 {
			return append(dst, body...)
		}
		dst = append(dst, body[:i]...)
		v, _ := m.Get(trimSpace(rest[:j]))
		dst = appendEscaped(dst, v)
		body = rest[j+len(metaClose):]
	}
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// appendEscaped appends v with & < > " ' escaped for HTML text and
// attribute values (and XML).
func appendEscaped(dst, v []byte) []byte {
	for _, c := range v {
		switch c {
		case '&':
			dst = append(dst, "&amp;"...)
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '"':
			dst = append(dst, "&#34;"...)
		case '\'':
			dst = append(dst, "&#39;"...)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
