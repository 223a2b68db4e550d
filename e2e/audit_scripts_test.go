package e2e

import (
	"bufio"
	"strings"
	"testing"
)

// TestAuditScriptMetaHeadersEveryResponse: issue 5 says zs.response.header.*
// metadata sets headers on every kind of response. TestScriptChain covers
// 200 (static and script), 202 and the 404 page; this covers the other
// kinds static serving produces behind the chain — 304, 206, 416, 412,
// HEAD, 405 and OPTIONS' 204 — and pipelined requests
// each getting their own chain's headers.
func TestAuditScriptMetaHeadersEveryResponse(t *testing.T) {
	tar := buildSite(t, "testdata/scripts-site")
	forEachTransport(t, func(t *testing.T, tr string) {
		s := startServer(t, tr, tar)
		etag := do(t, "HEAD", s.url+"/hello.txt").header.Get("ETag")
		if etag == "" {
			t.Fatal("no ETag on /hello.txt")
		}
		for _, tt := range []struct {
			name, method, path string
			headers            []string
			status             int
		}{
			{"304", "GET", "/hello.txt", []string{"If-None-Match: " + etag}, 304},
			{"206", "GET", "/hello.txt", []string{"Range: bytes=0-4"}, 206},
			{"multipart 206", "GET", "/hello.txt", []string{"Range: bytes=0-1,3-4"}, 206},
			{"416", "GET", "/hello.txt", []string{"Range: bytes=900-"}, 416},
			{"412", "GET", "/hello.txt", []string{`If-Match: "nope"`}, 412},
			{"HEAD", "HEAD", "/hello.txt", nil, 200},
			{"405", "DELETE", "/hello.txt", nil, 405},
			{"OPTIONS", "OPTIONS", "/hello.txt", nil, 204},
		} {
			t.Run(tt.name, func(t *testing.T) {
				r := do(t, tt.method, s.url+tt.path, tt.headers...)
				if r.status != tt.status {
					t.Fatalf("status %d, want %d; %v %q", r.status, tt.status, r.header, r.body)
				}
				if r.header.Get("X-First") != "1" || r.header.Get("X-Order") != "first,second" {
					t.Fatalf("metadata headers missing on %d: %v", r.status, r.header)
				}
			})
		}
		t.Run("pipelined", func(t *testing.T) {
			out := rawExchange(t, s.addr, "GET /early HTTP/1.1\r\nHost: x\r\n\r\n"+
				"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n"+
				"GET /order HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			rs := readResponses(t, bufio.NewReader(strings.NewReader(out)), "GET", "GET", "GET")
			if rs[0].StatusCode != 202 || rs[0].Header.Get("X-Order") != "" {
				t.Fatalf("early: %d %v", rs[0].StatusCode, rs[0].Header)
			}
			for i, want := range []string{1: hello174, 2: "first,second"} {
				if i == 0 {
					continue
				}
				if rs[i].StatusCode != 200 || rs[i].Header.Get("X-Order") != "first,second" || bodyOf(rs[i]) != want {
					t.Fatalf("response %d: %d %v", i, rs[i].StatusCode, rs[i].Header)
				}
			}
		})
	})
}
