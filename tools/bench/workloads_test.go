package main

import (
	"strings"
	"testing"
)

func TestSelectWorkloads(t *testing.T) {
	tests := []struct {
		only string
		want string
		ok   bool
	}{
		{"", "h1-tls-small h2-tls-small h1-tls-100k dyn-json proxy-small proxy-100k h1-plain-small cold-start", true},
		{"5", "proxy-small proxy-100k", true},
		{"cold-start, 1", "h1-tls-small cold-start", true},
		{"h1-plain-small,h1-plain-small", "h1-plain-small", true},
		{"8", "", false},
		{"nope", "", false},
	}
	for _, tt := range tests {
		ws, err := selectWorkloads(tt.only)
		if (err == nil) != tt.ok {
			t.Errorf("selectWorkloads(%q): err %v, want ok=%v", tt.only, err, tt.ok)
			continue
		}
		var ids []string
		for _, w := range ws {
			ids = append(ids, w.ID)
		}
		if got := strings.Join(ids, " "); got != tt.want {
			t.Errorf("selectWorkloads(%q) = %s, want %s", tt.only, got, tt.want)
		}
	}
}

func TestWorkloadCheck(t *testing.T) {
	var dyn, small workload
	for _, w := range allWorkloads() {
		switch w.ID {
		case "dyn-json":
			dyn = w
		case "h1-tls-small":
			small = w
		}
	}
	if len(small.Want) != 174 || len(largeBody()) != 100<<10 {
		t.Fatalf("file sizes %d and %d, want 174 and 102400", len(small.Want), len(largeBody()))
	}
	tests := []struct {
		w    workload
		body string
		ok   bool
	}{
		{dyn, `{"path":"/dyn/hello","ok":true}`, true},
		{dyn, `{ "ok": true, "path": "/dyn/hello" }`, true},
		{dyn, `{"path":"/dyn/other","ok":true}`, false},
		{dyn, `404 Not Found`, false},
		{small, smallBody, true},
		{small, smallBody + "x", false},
	}
	for _, tt := range tests {
		if err := tt.w.check([]byte(tt.body)); (err == nil) != tt.ok {
			t.Errorf("%s check(%q) = %v, want ok=%v", tt.w.ID, tt.body, err, tt.ok)
		}
	}
}
