package dev

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"zeroserve.dev/zeroserve/pkg/server"
)

// Paths of the live-reload endpoints, answered by Hub through
// server.Config.Endpoint. They are under server.EndpointPrefix, which the
// archive never serves, so no site file can collide with them.
const (
	Prefix     = server.EndpointPrefix + "dev/"
	EventsPath = Prefix + "events"    // the Server-Sent Events stream
	ClientPath = Prefix + "client.js" // the injected client
)

// OverlayID is the id of the element the client shows a build error in.
const OverlayID = "zeroserve-dev-overlay"

// Snippet returns the script tag injected into HTML pages of build.
func Snippet(build uint64) []byte {
	return fmt.Appendf(nil, `<script src="%s" data-zeroserve-build="%d" defer></script>`, ClientPath, build)
}

// IsHTML reports whether the site path is an HTML page.
func IsHTML(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".html", ".htm", ".xhtml":
		return true
	}
	return false
}

// Inject returns a copy of page with tag inserted before the last
// "</body>" (any letter case), or appended when there is none.
func Inject(page, tag []byte) []byte {
	at := lastIndexFold(page, []byte("</body"))
	if at < 0 {
		at = len(page)
	}
	out := make([]byte, 0, len(page)+len(tag))
	out = append(out, page[:at]...)
	out = append(out, tag...)
	return append(out, page[at:]...)
}

// lastIndexFold is bytes.LastIndex for an ASCII needle, ignoring case.
func lastIndexFold(s, needle []byte) int {
	for i := len(s) - len(needle); i >= 0; i-- {
		if bytes.EqualFold(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}
