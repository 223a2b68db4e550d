package dev

import "testing"

func TestIgnored(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"site/index.html", false},
		{"site/css/site.css", false},
		{"site/.zeroserve/scripts/10-auth.c", false},
		{"site/.index.html.swp", true},
		{"site/.index.html.swx", true},
		{"site/4913", true},
		{"site/index.html~", true},
		{"site/.#index.html", true},
		{"site/#index.html#", true},
		{"site/#", false},
		{"site/index.html___jb_tmp___", true},
		{"site/.DS_Store", true},
		{"site/a.tmp", true},
		{"site/a.crswap", true},
		{"site/49130", false},
		{"site/notes.swift", false},
	}
	for _, tt := range tests {
		if got := Ignored(tt.path); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}
