package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// Generators.
const (
	genWrk    = "wrk"
	genH2load = "h2load"
	genCold   = "cold" // exec to first 200, no generator
)

// workload is one row group of the table.
type workload struct {
	ID     string // --only name
	Num    int    // the numbering (5 has two rows)
	Title  string
	Gen    string // genWrk, genH2load or genCold
	Scheme string // http or https
	HTTP2  bool
	Path   string
	Want   []byte // expected body
	JSON   bool   // compare bodies as JSON values, not bytes
	Dyn    bool   // zeroserve needs its script archive
	Proxy  bool   // needs the upstream
}

// check compares a probe's body with the expected one.
func (w workload) check(body []byte) error {
	if w.JSON {
		var got, want any
		if err := json.Unmarshal(body, &got); err != nil {
			return fmt.Errorf("body %q is not JSON: %v", clip(body), err)
		}
		if err := json.Unmarshal(w.Want, &want); err != nil {
			return err
		}
		if !reflect.DeepEqual(got, want) {
			return fmt.Errorf("body %q, want %q", clip(body), w.Want)
		}
		return nil
	}
	if !bytes.Equal(body, w.Want) {
		return fmt.Errorf("body of %d bytes differs from the %d-byte file", len(body), len(w.Want))
	}
	return nil
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}

// allWorkloads returns the workloads in table order.
func allWorkloads() []workload {
	large := largeBody()
	return []workload{
		{ID: "h1-tls-small", Num: 1, Title: "HTTPS HTTP/1.1 keep-alive, 174 B", Gen: genWrk, Scheme: "https", Path: smallPath, Want: []byte(smallBody)},
		{ID: "h2-tls-small", Num: 2, Title: "HTTPS HTTP/2 (16 conns × 10 streams), 174 B", Gen: genH2load, Scheme: "https", HTTP2: true, Path: smallPath, Want: []byte(smallBody)},
		{ID: "h1-tls-100k", Num: 3, Title: "HTTPS HTTP/1.1 keep-alive, 100 KiB", Gen: genWrk, Scheme: "https", Path: largePath, Want: large},
		{ID: "dyn-json", Num: 4, Title: "dynamic JSON over HTTP/1.1 (script / Lua / respond)", Gen: genWrk, Scheme: "http", Path: dynPath, Want: []byte(`{"path":"` + dynPath + `","ok":true}`), JSON: true, Dyn: true},
		{ID: "proxy-small", Num: 5, Title: "HTTPS reverse proxy to plain upstream, 174 B", Gen: genWrk, Scheme: "https", Path: proxyPrefix + smallPath, Want: []byte(smallBody), Proxy: true},
		{ID: "proxy-100k", Num: 5, Title: "HTTPS reverse proxy to plain upstream, 100 KiB", Gen: genWrk, Scheme: "https", Path: proxyPrefix + largePath, Want: large, Proxy: true},
		{ID: "h1-plain-small", Num: 6, Title: "plain HTTP/1.1 keep-alive, 174 B", Gen: genWrk, Scheme: "http", Path: smallPath, Want: []byte(smallBody)},
		{ID: "cold-start", Num: 7, Title: "cold start: exec to first 200, 20,000 files", Gen: genCold, Scheme: "http", Path: coldPath},
	}
}

// selectWorkloads picks the workloads named in only (IDs or issue numbers,
// comma-separated); empty selects all.
func selectWorkloads(only string) ([]workload, error) {
	all := allWorkloads()
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	pick := map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		s = strings.TrimSpace(s)
		found := false
		for _, w := range all {
			if s == w.ID || s == fmt.Sprint(w.Num) {
				pick[w.ID], found = true, true
			}
		}
		if !found {
			var ids []string
			for _, w := range all {
				ids = append(ids, w.ID)
			}
			return nil, fmt.Errorf("--only: unknown workload %q (have %s, or 1-7)", s, strings.Join(ids, ", "))
		}
	}
	var out []workload
	for _, w := range all {
		if pick[w.ID] {
			out = append(out, w)
		}
	}
	return out, nil
}
