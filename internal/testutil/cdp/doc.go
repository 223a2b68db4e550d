// Package cdp is a small Chrome DevTools Protocol client for tests: it
// starts a headless Chromium, opens pages, and evaluates JavaScript in them
// over the DevTools websocket (golang.org/x/net/websocket). It speaks just
// enough of the protocol for end-to-end tests of what a browser sees.
package cdp
