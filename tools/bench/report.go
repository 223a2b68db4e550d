package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Row statuses.
const (
	statusOK     = "ok"
	statusNotYet = "not yet" // zeroserve lacks the capability in this build
	statusFailed = "failed"  // a server that should work did not
)

// runRecord is one measured repetition, one JSON line.
type runRecord struct {
	Type          string  `json:"type"` // "run"
	Workload      string  `json:"workload"`
	Server        string  `json:"server"`
	Rep           int     `json:"rep"`
	Seconds       float64 `json:"seconds,omitempty"`
	Requests      int64   `json:"requests,omitempty"`
	Errors        int64   `json:"errors"`
	RPS           float64 `json:"rps,omitempty"`
	P50us         float64 `json:"p50_us,omitempty"`
	P99us         float64 `json:"p99_us,omitempty"`
	ServerCPUus   float64 `json:"server_cpu_us_per_req,omitempty"`
	ServerCPUPct  float64 `json:"server_cpu_percent,omitempty"` // server CPU time ÷ wall time
	GenCPUPercent float64 `json:"generator_cpu_percent,omitempty"`
	ColdMs        float64 `json:"cold_start_ms,omitempty"`
	PeakRSSKiB    int64   `json:"peak_rss_kib,omitempty"`
}

// summary is one row of the table, one JSON line.
type summary struct {
	Type          string  `json:"type"` // "summary"
	Workload      string  `json:"workload"`
	Title         string  `json:"title"`
	Server        string  `json:"server"`
	Status        string  `json:"status"`
	Reason        string  `json:"reason,omitempty"`
	Reps          int     `json:"reps"`
	Errors        int64   `json:"errors"`
	RPS           float64 `json:"rps_median,omitempty"`
	RPSMin        float64 `json:"rps_min,omitempty"`
	RPSMax        float64 `json:"rps_max,omitempty"`
	P50us         float64 `json:"p50_us_median,omitempty"`
	P99us         float64 `json:"p99_us_median,omitempty"`
	ServerCPUus   float64 `json:"server_cpu_us_per_req_median,omitempty"`
	ServerCPUPct  float64 `json:"server_cpu_percent_median,omitempty"`
	GenCPUPercent float64 `json:"generator_cpu_percent_median,omitempty"`
	ColdMs        float64 `json:"cold_start_ms_median,omitempty"`
	ColdMsMin     float64 `json:"cold_start_ms_min,omitempty"`
	ColdMsMax     float64 `json:"cold_start_ms_max,omitempty"`
	PeakRSSKiB    int64   `json:"peak_rss_kib,omitempty"`
	// Ratios against nginx in the same run; 0 when either side has no number.
	RPSvsNginx  float64 `json:"rps_vs_nginx,omitempty"`
	CPUvsNginx  float64 `json:"cpu_vs_nginx,omitempty"`
	ColdVsNginx float64 `json:"cold_start_vs_nginx,omitempty"`
}

// median returns the median of xs (the mean of the middle two for an even
// count) and its min and max; zeros for none.
func median(xs []float64) (med, lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		med = s[n/2]
	} else {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

// summarize folds the runs of one workload and server into a row.
func summarize(w workload, server string, runs []runRecord, rss int64) summary {
	s := summary{Type: "summary", Workload: w.ID, Title: w.Title, Server: server, Status: statusOK, Reps: len(runs), PeakRSSKiB: rss}
	var rps, p50, p99, cpu, cpuPct, gen, cold []float64
	for _, r := range runs {
		s.Errors += r.Errors
		if w.Gen == genCold {
			cold = append(cold, r.ColdMs)
			continue
		}
		rps = append(rps, r.RPS)
		p50 = append(p50, r.P50us)
		p99 = append(p99, r.P99us)
		cpu = append(cpu, r.ServerCPUus)
		cpuPct = append(cpuPct, r.ServerCPUPct)
		gen = append(gen, r.GenCPUPercent)
	}
	s.RPS, s.RPSMin, s.RPSMax = median(rps)
	s.P50us, _, _ = median(p50)
	s.P99us, _, _ = median(p99)
	s.ServerCPUus, _, _ = median(cpu)
	s.ServerCPUPct, _, _ = median(cpuPct)
	s.GenCPUPercent, _, _ = median(gen)
	s.ColdMs, s.ColdMsMin, s.ColdMsMax = median(cold)
	return s
}

// setRatios fills the ratios of each workload's rows against its nginx row.
func setRatios(rows []summary) {
	base := map[string]summary{}
	for _, r := range rows {
		if r.Server == nginxName && r.Status == statusOK {
			base[r.Workload] = r
		}
	}
	ratio := func(a, b float64) float64 {
		if a == 0 || b == 0 {
			return 0
		}
		return a / b
	}
	for i := range rows {
		r := &rows[i]
		b, ok := base[r.Workload]
		if !ok || r.Status != statusOK {
			continue
		}
		r.RPSvsNginx = ratio(r.RPS, b.RPS)
		r.CPUvsNginx = ratio(r.ServerCPUus, b.ServerCPUus)
		r.ColdVsNginx = ratio(r.ColdMs, b.ColdMs)
	}
}

// writeJSONLines writes one JSON object per line.
func writeJSONLines(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// renderTable writes the Markdown tables: throughput workloads, then cold
// start. Ratios are against nginx in the same run: for req/s higher is
// better, for CPU per request and cold start lower is better.
func renderTable(w io.Writer, rows []summary) {
	var load, cold []summary
	for _, r := range rows {
		if r.Workload == "cold-start" {
			cold = append(cold, r)
		} else {
			load = append(load, r)
		}
	}
	dagger := false
	if len(load) > 0 {
		fmt.Fprintln(w, "| workload | server | req/s median (min–max) | req/s vs nginx | p50 | p99 | server CPU µs/req | CPU vs nginx | server CPU | generator CPU | peak RSS | errors |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, r := range load {
			if r.Status != statusOK {
				fmt.Fprintf(w, "| %s | %s | **%s**: %s | | | | | | | | | |\n", r.Title, r.Server, r.Status, mdEscape(r.Reason))
				continue
			}
			mark := ""
			if unsaturated(r) {
				mark, dagger = " †", true
			}
			fmt.Fprintf(w, "| %s | %s | %s%s (%s–%s) | %s | %s | %s | %.1f | %s | %.0f%% | %.0f%% | %s | %d |\n",
				r.Title, r.Server, fmtRate(r.RPS), mark, fmtRate(r.RPSMin), fmtRate(r.RPSMax), fmtRatio(r.RPSvsNginx),
				fmtMicros(r.P50us), fmtMicros(r.P99us), r.ServerCPUus, fmtRatio(r.CPUvsNginx),
				r.ServerCPUPct, r.GenCPUPercent, fmtKiB(r.PeakRSSKiB), r.Errors)
		}
	}
	if dagger {
		fmt.Fprintln(w, "\n† Neither the server nor the load generator was near 100% of its CPU: the run was latency-bound or the machine was busy with other work. Trust CPU µs/req over req/s for these rows.")
	}
	if len(cold) > 0 {
		if len(load) > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w, "| cold start (exec → first 200, 20,000 files) | median (min–max) | vs nginx | peak RSS after first 200 |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, r := range cold {
			if r.Status != statusOK {
				fmt.Fprintf(w, "| %s | **%s**: %s | | |\n", r.Server, r.Status, mdEscape(r.Reason))
				continue
			}
			fmt.Fprintf(w, "| %s | %.1f ms (%.1f–%.1f) | %s | %s |\n", r.Server, r.ColdMs, r.ColdMsMin, r.ColdMsMax, fmtRatio(r.ColdVsNginx), fmtKiB(r.PeakRSSKiB))
		}
	}
}

// unsaturated reports whether neither side of a row used most of its CPU,
// so its req/s measures waiting rather than capacity.
func unsaturated(r summary) bool {
	return r.ServerCPUPct < 80 && r.GenCPUPercent < 80
}

func fmtRate(v float64) string {
	if v >= 10000 {
		return fmt.Sprintf("%.1fk", v/1000)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtRatio(v float64) string {
	if v == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", v)
}

func fmtMicros(us float64) string {
	if us >= 1000 {
		return fmt.Sprintf("%.2f ms", us/1000)
	}
	return fmt.Sprintf("%.0f µs", us)
}

func fmtKiB(k int64) string {
	if k == 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f MiB", float64(k)/1024)
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
