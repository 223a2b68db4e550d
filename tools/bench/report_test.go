package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in          []float64
		med, lo, hi float64
	}{
		{nil, 0, 0, 0},
		{[]float64{5}, 5, 5, 5},
		{[]float64{3, 1, 2}, 2, 1, 3},
		{[]float64{4, 1, 3, 2}, 2.5, 1, 4},
	}
	for _, tt := range tests {
		med, lo, hi := median(tt.in)
		if med != tt.med || lo != tt.lo || hi != tt.hi {
			t.Errorf("median(%v) = %v %v %v, want %v %v %v", tt.in, med, lo, hi, tt.med, tt.lo, tt.hi)
		}
	}
}

// tableRows is a run as the harness would produce it: three servers on a
// load workload (zeroserve not yet), one load workload with zeroserve,
// and cold start.
func tableRows() []summary {
	all := allWorkloads()
	byID := map[string]workload{}
	for _, w := range all {
		byID[w.ID] = w
	}
	load := func(id, server string, rps []float64, cpu float64, rss int64) summary {
		var runs []runRecord
		for _, r := range rps {
			runs = append(runs, runRecord{RPS: r, P50us: 500, P99us: 2100, ServerCPUus: cpu, ServerCPUPct: 95, GenCPUPercent: 60})
		}
		return summarize(byID[id], server, runs, rss)
	}
	cold := func(server string, ms ...float64) summary {
		var runs []runRecord
		for _, m := range ms {
			runs = append(runs, runRecord{ColdMs: m})
		}
		return summarize(byID["cold-start"], server, runs, 10240)
	}
	rows := []summary{
		load("h1-tls-small", nginxName, []float64{70000, 72000, 71000}, 12.5, 19660),
		load("h1-tls-small", caddyName, []float64{13000, 14000, 13500}, 67.1, 43418),
		{Type: "summary", Workload: "h1-tls-small", Title: byID["h1-tls-small"].Title, Server: zeroserveName, Status: statusNotYet, Reason: "no TLS listener | yet"},
		load("h1-plain-small", nginxName, []float64{100000, 105000, 98000}, 9.5, 14233),
		load("h1-plain-small", caddyName, []float64{30000, 31000, 29000}, 31.2, 41984),
		load("dyn-json", nginxName, []float64{7000, 50000, 6000}, 9.5, 14233),
		load("h1-plain-small", zeroserveName, []float64{140000, 150000, 145000}, 6.6, 10444),
		cold(nginxName, 36, 35, 40),
		{Type: "summary", Workload: "cold-start", Title: byID["cold-start"].Title, Server: caddyName, Status: statusFailed, Reason: "caddy not installed"},
		cold(zeroserveName, 54.5, 50, 60),
	}
	setRatios(rows)
	rows[5].ServerCPUPct, rows[5].GenCPUPercent = 7, 6 // the busy-machine mark
	return rows
}

func TestRenderTableGolden(t *testing.T) {
	var b bytes.Buffer
	renderTable(&b, tableRows())
	golden(t, "table.md.golden", b.Bytes())
}

func TestSetRatios(t *testing.T) {
	rows := tableRows()
	zs := rows[6]
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if !near(zs.RPSvsNginx, 1.45) || !near(zs.CPUvsNginx, 6.6/9.5) {
		t.Errorf("zeroserve ratios %v %v, want 1.45 and %v", zs.RPSvsNginx, zs.CPUvsNginx, 6.6/9.5)
	}
	if rows[2].RPSvsNginx != 0 {
		t.Errorf("a not-yet row got a ratio")
	}
	if got := rows[9].ColdVsNginx; !near(got, 54.5/36) {
		t.Errorf("cold ratio %v, want %v", got, 54.5/36)
	}
}

func TestJSONLines(t *testing.T) {
	var b bytes.Buffer
	rows := tableRows()
	for _, r := range rows {
		if err := writeJSONLines(&b, r); err != nil {
			t.Fatal(err)
		}
	}
	lines := bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != len(rows) {
		t.Fatalf("%d lines for %d rows", len(lines), len(rows))
	}
	var back summary
	if err := json.Unmarshal(lines[6], &back); err != nil {
		t.Fatal(err)
	}
	if back != rows[6] {
		t.Errorf("round trip: got %+v, want %+v", back, rows[6])
	}
}

func TestFailures(t *testing.T) {
	rows := []summary{
		{Workload: "1", Server: "nginx", Status: statusOK},
		{Workload: "5", Server: "zeroserve", Status: statusNotYet, Reason: "no proxy"},
	}
	if err := failures(rows); err != nil {
		t.Fatalf("ok and not-yet rows: %v", err)
	}
	rows = append(rows, summary{Workload: "2", Server: "caddy", Status: statusFailed, Reason: "exit 1"})
	if err := failures(rows); err == nil || !strings.Contains(err.Error(), "2/caddy: exit 1") {
		t.Fatalf("failed row: %v", err)
	}
}
