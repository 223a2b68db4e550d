package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// harness holds everything one run shares: binaries, certificate, sites,
// archives, the upstream, and what the built zeroserve can do.
type harness struct {
	o        options
	tmp      string
	machine  machineInfo
	out      io.Writer // JSON lines
	clients  *clients
	runs     int // launched servers, for directory names
	zs, zsp  string
	cert     string
	key      string
	siteDir  string
	coldDir  string
	lua      []string
	upstream *process

	staticTar, dynTar, coldTar string
	dynErr                     error // why the script archive did not build
	zsTLS                      bool  // zeroserve --help lists --tls-addr, --cert, --key
	zsProxy                    bool  // the SDK declares zs_reverse_proxy
}

func prepare(o options, tmp string, ws []workload) (*harness, error) {
	h := &harness{o: o, tmp: tmp, machine: describeMachine(), lua: luaModules()}
	need := func(f func(workload) bool) bool {
		for _, w := range ws {
			if f(w) {
				return true
			}
		}
		return false
	}

	h.zs, h.zsp = o.zeroserve, o.zspack
	if h.zs == "" || h.zsp == "" {
		root, err := repoRoot()
		if err != nil {
			return nil, err
		}
		logf("building zeroserve and zspack")
		bin := filepath.Join(tmp, "bin")
		cmd := exec.Command("go", "build", "-o", bin+"/", "./cmd/zeroserve", "./cmd/zspack")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build: %v\n%s", err, out)
		}
		if h.zs == "" {
			h.zs = filepath.Join(bin, "zeroserve")
		}
		if h.zsp == "" {
			h.zsp = filepath.Join(bin, "zspack")
		}
	}
	help, _ := exec.Command(h.zs, "--help").CombinedOutput()
	h.zsTLS = bytes.Contains(help, []byte("--tls-addr")) && bytes.Contains(help, []byte("--cert")) && bytes.Contains(help, []byte("--key"))
	sdk, _ := exec.Command(h.zsp, "sdk").Output()
	h.zsProxy = bytes.Contains(sdk, []byte("zs_reverse_proxy("))

	h.cert, h.key = filepath.Join(tmp, "cert.pem"), filepath.Join(tmp, "key.pem")
	if err := writeCert(h.cert, h.key); err != nil {
		return nil, err
	}
	certPEM, err := os.ReadFile(h.cert)
	if err != nil {
		return nil, err
	}
	if h.clients, err = newClients(certPEM); err != nil {
		return nil, err
	}

	h.siteDir = filepath.Join(tmp, "site")
	if err := writeSite(h.siteDir); err != nil {
		return nil, err
	}
	h.staticTar = filepath.Join(tmp, "site.zs.tar")
	if err := h.pack(h.siteDir, h.staticTar); err != nil {
		return nil, err
	}
	if need(func(w workload) bool { return w.Dyn }) {
		dir := filepath.Join(tmp, "dynsite")
		if err := writeDynSite(dir); err != nil {
			return nil, err
		}
		h.dynTar = filepath.Join(tmp, "dyn.zs.tar")
		h.dynErr = h.pack(dir, h.dynTar)
	}
	if need(func(w workload) bool { return w.Gen == genCold }) {
		logf("writing and packing the %d-file cold-start site", coldFiles)
		h.coldDir = filepath.Join(tmp, "cold")
		if err := writeColdSite(h.coldDir); err != nil {
			return nil, err
		}
		h.coldTar = filepath.Join(tmp, "cold.zs.tar")
		if err := h.pack(h.coldDir, h.coldTar); err != nil {
			return nil, err
		}
	}
	if need(func(w workload) bool { return w.Proxy }) {
		if err := h.startUpstream(); err != nil {
			h.close()
			return nil, err
		}
	}
	return h, nil
}

func (h *harness) pack(dir, out string) error {
	b, err := exec.Command(h.zsp, "build", dir, "-o", out, "--quiet").CombinedOutput()
	if err != nil {
		return fmt.Errorf("zspack build %s: %v: %s", filepath.Base(dir), err, firstLine(b))
	}
	return nil
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

func (h *harness) close() {
	if h.upstream != nil {
		h.upstream.stop()
		h.upstream = nil
	}
}

// startUpstream runs the proxy workloads' upstream: a plain-HTTP nginx
// serving the same site, on CPU 1 with the load generator, so CPU 0 holds
// only the proxy under test.
func (h *harness) startUpstream() error {
	dir := filepath.Join(h.tmp, "upstream")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	conf, err := upstreamConf(serverConfig{Dir: dir, Root: h.siteDir, Plain: port})
	if err != nil {
		return err
	}
	cf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(cf, conf, 0o644); err != nil {
		return err
	}
	p, err := start("upstream", dir, exec.Command("taskset", "-c", "1", "nginx", "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", cf))
	if err != nil {
		return err
	}
	p.plain = port
	if _, err := waitReady(p, port, smallPath, time.Now(), 20*time.Second); err != nil {
		p.stop()
		return fmt.Errorf("upstream: %w", err)
	}
	h.upstream = p
	return nil
}

// unsupported returns why zeroserve cannot run w in this build, or "".
func (h *harness) unsupported(w workload) string {
	switch {
	case w.Scheme == "https" && !h.zsTLS:
		return "no TLS listener in this build (zeroserve --help has no --tls-addr/--cert/--key)"
	case w.Proxy && !h.zsProxy:
		return "no zs_reverse_proxy in the SDK yet"
	case w.Proxy:
		return "the SDK declares zs_reverse_proxy; the harness has no proxy script for it yet (tools/bench/site.go)"
	case w.Dyn && h.dynErr != nil:
		return "script archive did not build: " + h.dynErr.Error()
	}
	return ""
}

// launch starts server for workload w, pinned to CPU 0, and waits until it
// answers 200 on its plain port; ready is the time from just before the
// exec to that first 200.
func (h *harness) launch(server string, w workload) (p *process, ready time.Duration, err error) {
	var t0 time.Time
	h.runs++
	dir := filepath.Join(h.tmp, fmt.Sprintf("run%03d-%s", h.runs, server))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	plain, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	tlsPort, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	root := h.siteDir
	if w.Gen == genCold {
		root = h.coldDir
	}
	c := serverConfig{Dir: dir, Root: root, Plain: plain, TLS: tlsPort, Cert: h.cert, Key: h.key}
	if w.Dyn {
		c.LuaModules = h.lua
	}
	if w.Proxy && h.upstream != nil {
		c.Upstream = h.upstream.plain
	}
	var cmd *exec.Cmd
	switch server {
	case nginxName:
		if w.Dyn && h.lua == nil {
			return nil, 0, errors.New("libnginx-mod-http-lua is not installed")
		}
		conf, err := nginxConf(c)
		if err != nil {
			return nil, 0, err
		}
		cf := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(cf, conf, 0o644); err != nil {
			return nil, 0, err
		}
		cmd = exec.Command("taskset", "-c", "0", "nginx", "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", cf)
	case caddyName:
		conf, err := caddyfile(c)
		if err != nil {
			return nil, 0, err
		}
		cf := filepath.Join(dir, "Caddyfile")
		if err := os.WriteFile(cf, conf, 0o644); err != nil {
			return nil, 0, err
		}
		cmd = exec.Command("taskset", "-c", "0", "caddy", "run", "--config", cf, "--adapter", "caddyfile")
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1", "HOME="+dir,
			"XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(dir, "config"))
	case zeroserveName:
		archive := h.staticTar
		switch {
		case w.Gen == genCold:
			archive = h.coldTar
		case w.Dyn:
			archive = h.dynTar
		}
		args := []string{"-c", "0", h.zs, archive, "--addr", "127.0.0.1:" + strconv.Itoa(plain),
			"--workers", "1", "--access-log", "off", "--transport", h.o.transport}
		if h.zsTLS {
			args = append(args, "--tls-addr", "127.0.0.1:"+strconv.Itoa(tlsPort), "--cert", h.cert, "--key", h.key)
		}
		cmd = exec.Command("taskset", args...)
		cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	default:
		return nil, 0, fmt.Errorf("unknown server %q", server)
	}
	readyPath := smallPath
	if w.Gen == genCold {
		readyPath = coldPath
	}
	t0 = time.Now()
	p, err = start(server, dir, cmd)
	if err != nil {
		return nil, 0, err
	}
	p.plain, p.tls = plain, tlsPort
	if ready, err = waitReady(p, plain, readyPath, t0, 30*time.Second); err != nil {
		p.stop()
		return nil, 0, err
	}
	return p, ready, nil
}

var serverOrder = []string{nginxName, caddyName, zeroserveName}

// runWorkload measures w on every server: start all three, probe each,
// warm each up, then the repetitions interleaved, then peak RSS and stop.
func (h *harness) runWorkload(w workload) ([]summary, error) {
	if w.Gen == genCold {
		return h.runCold(w)
	}
	procs := map[string]*process{}
	rows := map[string]*summary{}
	defer func() {
		for _, p := range procs {
			p.stop()
		}
	}()
	fail := func(server, status, reason string) {
		rows[server] = &summary{Type: "summary", Workload: w.ID, Title: w.Title, Server: server, Status: status, Reason: reason}
		logf("  %s: %s: %s", server, status, reason)
	}
	for _, s := range serverOrder {
		status := statusFailed
		if s == zeroserveName {
			status = statusNotYet
			if why := h.unsupported(w); why != "" {
				fail(s, status, why)
				continue
			}
		}
		p, _, err := h.launch(s, w)
		if err != nil {
			fail(s, status, err.Error())
			continue
		}
		procs[s] = p
		port := p.plain
		if w.Scheme == "https" {
			port = p.tls
		}
		if err := h.clients.probe(w, port); err != nil {
			// A probe failure is a missing capability only where the
			// probe is what detects it: HTTP/2 and scripts.
			if s == zeroserveName && !w.HTTP2 && !w.Dyn {
				status = statusFailed
			}
			fail(s, status, err.Error())
			p.stop()
			delete(procs, s)
		}
	}
	for _, s := range serverOrder {
		if p := procs[s]; p != nil {
			if _, err := h.generate(w, p, h.o.warmup); err != nil {
				fail(s, statusFailed, "warm-up: "+err.Error())
				p.stop()
				delete(procs, s)
			}
		}
	}
	runs := map[string][]runRecord{}
	for rep := 1; rep <= h.o.reps; rep++ {
		for _, s := range serverOrder {
			p := procs[s]
			if p == nil {
				continue
			}
			r, err := h.generate(w, p, h.o.duration)
			if err != nil {
				fail(s, statusFailed, fmt.Sprintf("rep %d: %v", rep, err))
				p.stop()
				delete(procs, s)
				continue
			}
			r.Workload, r.Server, r.Rep = w.ID, s, rep
			logf("  %-9s rep %d: %8.0f req/s, p99 %s, %.1f µs CPU/req, server %.0f%% CPU, generator %.0f%% CPU, %d errors",
				s, rep, r.RPS, fmtMicros(r.P99us), r.ServerCPUus, r.ServerCPUPct, r.GenCPUPercent, r.Errors)
			if err := writeJSONLines(h.out, r); err != nil {
				return nil, err
			}
			runs[s] = append(runs[s], r)
		}
	}
	var out []summary
	for _, s := range serverOrder {
		if r, ok := rows[s]; ok {
			out = append(out, *r)
			continue
		}
		p := procs[s]
		var rss int64
		if pids, err := processTree(p.pid()); err == nil {
			rss, _ = treeHWM(pids)
		}
		out = append(out, summarize(w, s, runs[s], rss))
	}
	return out, nil
}

// generate runs the workload's load generator on CPU 1 against p for d
// and measures the server's CPU time over the run.
func (h *harness) generate(w workload, p *process, d time.Duration) (runRecord, error) {
	var r runRecord
	r.Type = "run"
	port := p.plain
	if w.Scheme == "https" {
		port = p.tls
	}
	url := fmt.Sprintf("%s://127.0.0.1:%d%s", w.Scheme, port, w.Path)
	secs := max(1, int(d.Round(time.Second)/time.Second))
	var cmd *exec.Cmd
	logPath := filepath.Join(p.dir, "h2load.log")
	switch w.Gen {
	case genWrk:
		cmd = exec.Command("taskset", "-c", "1", "wrk", "-t1", fmt.Sprintf("-c%d", h.o.connections),
			fmt.Sprintf("-d%ds", secs), "--latency", url)
	case genH2load:
		cmd = exec.Command("taskset", "-c", "1", "h2load", "-t1", "-c16", "-m10",
			fmt.Sprintf("-D%d", secs), "--log-file="+logPath, url)
	default:
		return r, fmt.Errorf("workload %s has no load generator", w.ID)
	}
	pids, err := processTree(p.pid())
	if err != nil {
		return r, err
	}
	before, err := treeCPU(pids)
	if err != nil {
		return r, err
	}
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(t0)
	after, cpuErr := treeCPU(pids)
	if err != nil {
		return r, fmt.Errorf("%s: %v: %s", w.Gen, err, tail(out))
	}
	if cpuErr != nil {
		return r, fmt.Errorf("server CPU time: %v (%v)", cpuErr, p.exited())
	}
	var lr loadResult
	if w.Gen == genWrk {
		lr, err = parseWrk(out)
	} else {
		lr, err = parseH2load(out)
		if err == nil {
			var lb []byte
			if lb, err = os.ReadFile(logPath); err == nil {
				lr.P50, lr.P99, err = parseH2loadLog(lb)
			}
			os.Remove(logPath)
		}
	}
	if err != nil {
		return r, fmt.Errorf("%v\n%s", err, tail(out))
	}
	if lr.Requests == 0 {
		return r, fmt.Errorf("%s completed no requests: %s", w.Gen, tail(out))
	}
	r.Seconds = lr.Elapsed.Seconds()
	r.Requests, r.Errors, r.RPS = lr.Requests, lr.Errors, lr.RPS
	r.P50us = float64(lr.P50) / float64(time.Microsecond)
	r.P99us = float64(lr.P99) / float64(time.Microsecond)
	r.ServerCPUus = float64(after-before) * 1e6 / clockTicks / float64(lr.Requests)
	r.ServerCPUPct = 100 * float64(after-before) / clockTicks / wall.Seconds()
	gen := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	r.GenCPUPercent = 100 * gen.Seconds() / wall.Seconds()
	return r, nil
}

// runCold measures exec → first 200 for each server, interleaved, each
// start a fresh process.
func (h *harness) runCold(w workload) ([]summary, error) {
	failed := map[string]*summary{}
	runs := map[string][]runRecord{}
	var rss = map[string]int64{}
	for rep := 1; rep <= h.o.reps; rep++ {
		for _, s := range serverOrder {
			if failed[s] != nil {
				continue
			}
			p, elapsed, err := h.launch(s, w)
			if err != nil {
				status := statusFailed
				failed[s] = &summary{Type: "summary", Workload: w.ID, Title: w.Title, Server: s, Status: status, Reason: err.Error()}
				logf("  %s: %s: %v", s, status, err)
				continue
			}
			var kb int64
			if pids, err := processTree(p.pid()); err == nil {
				kb, _ = treeHWM(pids)
			}
			p.stop()
			r := runRecord{Type: "run", Workload: w.ID, Server: s, Rep: rep,
				ColdMs: float64(elapsed) / float64(time.Millisecond), PeakRSSKiB: kb}
			logf("  %-9s rep %d: %.1f ms to first 200", s, rep, r.ColdMs)
			if err := writeJSONLines(h.out, r); err != nil {
				return nil, err
			}
			runs[s] = append(runs[s], r)
			rss[s] = max(rss[s], kb)
		}
	}
	var out []summary
	for _, s := range serverOrder {
		if f := failed[s]; f != nil {
			out = append(out, *f)
			continue
		}
		out = append(out, summarize(w, s, runs[s], rss[s]))
	}
	return out, nil
}
