package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// The files every server serves.
const (
	smallPath = "/hello.txt" // 174 bytes
	largePath = "/100k.bin"  // 100 KiB
	dynPath   = "/dyn/hello" // answered by a script: {"path":"/dyn/hello","ok":true}
	// proxyPrefix is stripped before the request goes upstream, so
	// proxyPrefix+smallPath is the upstream's smallPath.
	proxyPrefix = "/proxy"
	// coldFiles is the number of files in the cold-start site; coldPath is
	// the last of them, the one the cold-start probe asks for.
	coldFiles = 20000
	coldPath  = "/f/19/999.txt"
)

// smallBody is the 174-byte file of workloads 1, 2, 5 and 6.
var smallBody = strings.Repeat("hello world\n", 14) + "123456"

// largeBody returns the 100 KiB file: deterministic pseudo-random bytes, so
// no server can serve a compressed variant of it.
func largeBody() []byte {
	b := make([]byte, 100<<10)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// dynScript is the zeroserve script of the dynamic workload: requests
// under /dyn/ get {"path":"<path>","ok":true}; others fall through to
// static serving.
const dynScript = `/* Dynamic JSON for tools/bench: {"path":"<path>","ok":true} under /dyn/. */
#include "zeroserve.h"

ZS_ENTRY
zs_u64 entry(void) {
  char path[256];
  zs_s64 n = zs_req_path(path, sizeof path);
  if (n < 5 || n >= (zs_s64)sizeof path || zs_memcmp(path, "/dyn/", 5) != 0)
    return 0;
  zs_s64 body = zs_json_new_object();
  zs_s64 v = zs_json_new_object();
  if (body < 0 || v < 0) {
    zs_respond(500, ZS_STR("out of JSON handles\n"));
    return 0;
  }
  zs_json_set_string(v, path, (zs_u64)n);
  zs_json_set(body, ZS_STR("path"), v);
  zs_json_set_bool(v, 1);
  zs_json_set(body, ZS_STR("ok"), v);
  zs_json_respond(200, body);
  return 0;
}
`

// writeSite writes the static files into dir (served by nginx, Caddy and
// the upstream, and packed for zeroserve).
func writeSite(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte(smallBody), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "100k.bin"), largeBody(), 0o644)
}

// writeDynSite writes the static files plus the JSON script into dir, the
// source of zeroserve's archive for the dynamic workload.
func writeDynSite(dir string) error {
	if err := writeSite(dir); err != nil {
		return err
	}
	sd := filepath.Join(dir, ".zeroserve", "scripts")
	if err := os.MkdirAll(sd, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(sd, "10-json.c"), []byte(dynScript), 0o644)
}

// writeColdSite writes coldFiles small files as f/DD/NNN.txt.
func writeColdSite(dir string) error {
	for i := range coldFiles {
		d := filepath.Join(dir, "f", fmt.Sprintf("%02d", i/1000))
		if i%1000 == 0 {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
		}
		name := filepath.Join(d, fmt.Sprintf("%03d.txt", i%1000))
		if err := os.WriteFile(name, fmt.Appendf(nil, "file %d\n", i), 0o644); err != nil {
			return err
		}
	}
	return nil
}
