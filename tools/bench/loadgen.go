package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// loadResult is what one load generator run reports.
type loadResult struct {
	Requests int64         // completed requests
	Errors   int64         // socket errors, failed requests and non-2xx/3xx responses
	Elapsed  time.Duration // measured duration
	RPS      float64       // completed requests per second as the generator computed it
	P50, P99 time.Duration // latency percentiles; zero when unknown
}

var (
	wrkRequestsRe = regexp.MustCompile(`(?m)^\s*(\d+) requests in ([0-9.]+[a-z]+),`)
	wrkRPSRe      = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkSocketRe   = regexp.MustCompile(`(?m)^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNon2xxRe   = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: (\d+)`)
	wrkPctRe      = regexp.MustCompile(`(?m)^\s*(50|75|90|99)%\s+([0-9.]+[a-z]+)\s*$`)
)

// parseWrk parses the output of `wrk --latency`.
func parseWrk(out []byte) (loadResult, error) {
	var r loadResult
	m := wrkRequestsRe.FindSubmatch(out)
	if m == nil {
		return r, errors.New("wrk: no \"N requests in\" line")
	}
	var err error
	if r.Requests, err = strconv.ParseInt(string(m[1]), 10, 64); err != nil {
		return r, fmt.Errorf("wrk: requests: %w", err)
	}
	if r.Elapsed, err = parseLoadDuration(string(m[2])); err != nil {
		return r, fmt.Errorf("wrk: elapsed: %w", err)
	}
	m = wrkRPSRe.FindSubmatch(out)
	if m == nil {
		return r, errors.New("wrk: no Requests/sec line")
	}
	if r.RPS, err = strconv.ParseFloat(string(m[1]), 64); err != nil {
		return r, fmt.Errorf("wrk: Requests/sec: %w", err)
	}
	if m := wrkSocketRe.FindSubmatch(out); m != nil {
		for _, n := range m[1:] {
			v, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return r, fmt.Errorf("wrk: socket errors: %w", err)
			}
			r.Errors += v
		}
	}
	if m := wrkNon2xxRe.FindSubmatch(out); m != nil {
		v, err := strconv.ParseInt(string(m[1]), 10, 64)
		if err != nil {
			return r, fmt.Errorf("wrk: non-2xx: %w", err)
		}
		r.Errors += v
	}
	for _, m := range wrkPctRe.FindAllSubmatch(out, -1) {
		d, err := parseLoadDuration(string(m[2]))
		if err != nil {
			return r, fmt.Errorf("wrk: latency %s%%: %w", m[1], err)
		}
		switch string(m[1]) {
		case "50":
			r.P50 = d
		case "99":
			r.P99 = d
		}
	}
	if r.P50 == 0 || r.P99 == 0 {
		return r, errors.New("wrk: no latency distribution (run with --latency)")
	}
	return r, nil
}

// parseLoadDuration parses the durations wrk and h2load print: 512.34us,
// 1.20ms, 2.00s, 1.50m, 1.00h.
func parseLoadDuration(s string) (time.Duration, error) {
	i := strings.IndexFunc(s, func(c rune) bool { return c >= 'a' && c <= 'z' })
	if i <= 0 {
		return 0, fmt.Errorf("duration %q has no number or no unit", s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("duration %q: bad number", s)
	}
	var unit time.Duration
	switch s[i:] {
	case "ns":
		unit = time.Nanosecond
	case "us":
		unit = time.Microsecond
	case "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	default:
		return 0, fmt.Errorf("duration %q: unknown unit", s)
	}
	// A float-to-int conversion out of range is implementation-defined in
	// Go (MinInt64 on amd64): reject what a time.Duration cannot hold
	// rather than return a negative duration.
	ns := math.Round(v * float64(unit))
	if ns >= math.MaxInt64 { // float64(MaxInt64) is 2^63, already out of range
		return 0, fmt.Errorf("duration %q: out of range", s)
	}
	return time.Duration(ns), nil
}

var (
	h2FinishedRe = regexp.MustCompile(`(?m)^finished in ([0-9.]+[a-z]+), ([0-9.]+) req/s`)
	h2RequestsRe = regexp.MustCompile(`(?m)^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout`)
	h2StatusRe   = regexp.MustCompile(`(?m)^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx`)
)

// parseH2load parses the summary h2load prints. h2load reports no
// percentiles; they come from its --log-file (parseH2loadLog).
func parseH2load(out []byte) (loadResult, error) {
	var r loadResult
	m := h2FinishedRe.FindSubmatch(out)
	if m == nil {
		return r, errors.New("h2load: no \"finished in\" line")
	}
	var err error
	if r.Elapsed, err = parseLoadDuration(string(m[1])); err != nil {
		return r, fmt.Errorf("h2load: elapsed: %w", err)
	}
	if r.RPS, err = strconv.ParseFloat(string(m[2]), 64); err != nil {
		return r, fmt.Errorf("h2load: req/s: %w", err)
	}
	m = h2RequestsRe.FindSubmatch(out)
	if m == nil {
		return r, errors.New("h2load: no \"requests:\" line")
	}
	n := make([]int64, len(m)-1)
	for i, s := range m[1:] {
		if n[i], err = strconv.ParseInt(string(s), 10, 64); err != nil {
			return r, fmt.Errorf("h2load: requests: %w", err)
		}
	}
	// total, started, done, succeeded, failed, errored, timeout. h2load
	// counts 4xx and 5xx answers as failed, so failed+errored+timeout are
	// this run's errors, like wrk's socket errors plus non-2xx/3xx.
	r.Requests = n[2]
	r.Errors = n[4] + n[5] + n[6]
	if h2StatusRe.Find(out) == nil {
		return r, errors.New("h2load: no \"status codes:\" line")
	}
	return r, nil
}

// parseH2loadLog reads the tab-separated per-request log h2load writes with
// --log-file (start time µs, status, µs to the end of the response) and
// returns the 50th and 99th latency percentiles.
func parseH2loadLog(b []byte) (p50, p99 time.Duration, err error) {
	var lat []int64
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return 0, 0, fmt.Errorf("h2load log: %q: want 3 tab-separated fields", line)
		}
		us, err := strconv.ParseInt(f[2], 10, 64)
		// A latency must fit a time.Duration once scaled to nanoseconds:
		// above MaxInt64/1000 µs the multiplication below would wrap to a
		// negative percentile.
		if err != nil || us < 0 || us > math.MaxInt64/int64(time.Microsecond) {
			return 0, 0, fmt.Errorf("h2load log: %q: bad duration", line)
		}
		lat = append(lat, us)
	}
	if err := sc.Err(); err != nil {
		return 0, 0, err
	}
	if len(lat) == 0 {
		return 0, 0, errors.New("h2load log: no requests")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.5) - 1
		i = max(0, min(i, len(lat)-1))
		return time.Duration(lat[i]) * time.Microsecond
	}
	return pct(0.50), pct(0.99), nil
}
