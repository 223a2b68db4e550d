package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	quick       bool
	only        string
	duration    time.Duration
	warmup      time.Duration
	reps        int
	connections int
	jsonPath    string
	mdPath      string
	keep        bool
	noInstall   bool
	zeroserve   string
	zspack      string
	transport   string // zeroserve --transport
}

func main() {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "smoke run of about a minute: --duration 2s --warmup 1s --reps 1 unless given")
	flag.StringVar(&o.only, "only", "", "comma-separated workloads to run (IDs or issue numbers 1-7; default all)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of one measured run (whole seconds)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured load on each server before its first repetition")
	flag.IntVar(&o.reps, "reps", 3, "repetitions per server, interleaved across servers")
	flag.IntVar(&o.connections, "connections", 50, "wrk connections (HTTP/1.1 workloads)")
	flag.StringVar(&o.transport, "transport", "auto", "zeroserve's transport: uring, netpoll or auto")
	flag.StringVar(&o.jsonPath, "json", "", "JSON lines output (default: a file in the temp directory, printed at the end)")
	flag.StringVar(&o.mdPath, "md", "", "also write the Markdown table to this file")
	flag.BoolVar(&o.keep, "keep", false, "keep the temp directory (configs, archives, server logs)")
	flag.BoolVar(&o.noInstall, "no-install", false, "do not apt-get install missing tools")
	flag.StringVar(&o.zeroserve, "zeroserve", "", "use this zeroserve binary instead of building one")
	flag.StringVar(&o.zspack, "zspack", "", "use this zspack binary instead of building one")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: bench [flags]\n\nRuns zeroserve, nginx and Caddy side by side; see docs/benchmarks.md.\nWorkloads:\n")
		for _, w := range allWorkloads() {
			fmt.Fprintf(flag.CommandLine.Output(), "  %d %-15s %s\n", w.Num, w.ID, w.Title)
		}
		fmt.Fprintln(flag.CommandLine.Output(), "\nFlags:")
		flag.PrintDefaults()
	}
	flag.Parse()
	if o.quick {
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["duration"] {
			o.duration = 2 * time.Second
		}
		if !set["warmup"] {
			o.warmup = time.Second
		}
		if !set["reps"] {
			o.reps = 1
		}
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// pinSelf re-executes the harness under `taskset -c 1` so that it and every
// load generator it starts share CPU 1, leaving CPU 0 to the server.
func pinSelf() error {
	if os.Getenv("ZEROSERVE_BENCH_PINNED") == "1" {
		return nil
	}
	if runtime.NumCPU() < 2 {
		return fmt.Errorf("needs at least 2 CPUs (server on CPU 0, load generator on CPU 1), have %d", runtime.NumCPU())
	}
	taskset, err := exec.LookPath("taskset")
	if err != nil {
		return errors.New("taskset not found (util-linux)")
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), "ZEROSERVE_BENCH_PINNED=1")
	return syscall.Exec(taskset, append([]string{"taskset", "-c", "1", exe}, os.Args[1:]...), env)
}

func run(o options) error {
	if o.reps < 1 {
		return errors.New("--reps must be at least 1")
	}
	if o.duration < time.Second {
		return errors.New("--duration must be at least 1s")
	}
	workloads, err := selectWorkloads(o.only)
	if err != nil {
		return err
	}
	if err := pinSelf(); err != nil {
		return err
	}
	logf("installing what is missing")
	ensureDeps(o.noInstall)

	tmp, err := os.MkdirTemp("", "zeroserve-bench-")
	if err != nil {
		return err
	}
	// nginx workers run as nobody when the master is root: they must be
	// able to read the site.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if o.keep {
		logf("keeping %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	h, err := prepare(o, tmp, workloads)
	if err != nil {
		return err
	}
	defer h.close()

	if o.jsonPath == "" {
		o.jsonPath = filepath.Join(os.TempDir(), "zeroserve-bench-"+time.Now().Format("20060102-150405")+".jsonl")
	}
	jf, err := os.Create(o.jsonPath)
	if err != nil {
		return err
	}
	defer jf.Close()
	h.out = jf
	if err := writeJSONLines(jf, h.machine); err != nil {
		return err
	}

	var rows []summary
	for _, w := range workloads {
		logf("workload %s: %s", w.ID, w.Title)
		rs, err := h.runWorkload(w)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	setRatios(rows)
	for _, r := range rows {
		if err := writeJSONLines(jf, r); err != nil {
			return err
		}
	}
	var md bytes.Buffer
	fmt.Fprintf(&md, "Machine: %s, %d CPUs, Linux %s, load average %s at the start; %s; --duration %v --reps %d --warmup %v --connections %d.\n\n",
		h.machine.CPU, h.machine.NumCPU, h.machine.Kernel, h.machine.LoadAvg, h.machine.Versions, o.duration, o.reps, o.warmup, o.connections)
	renderTable(&md, rows)
	os.Stdout.Write(md.Bytes())
	if o.mdPath != "" {
		if err := os.WriteFile(o.mdPath, md.Bytes(), 0o644); err != nil {
			return err
		}
	}
	logf("JSON lines: %s", o.jsonPath)
	return failures(rows)
}

// failures is an error naming every workload a server should have run and
// did not, so that a smoke run (CI's --quick) fails loudly; "not yet" rows
// are capabilities zeroserve does not have and do not count.
func failures(rows []summary) error {
	var failed []string
	for _, r := range rows {
		if r.Status == statusFailed {
			failed = append(failed, r.Workload+"/"+r.Server+": "+r.Reason)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d runs failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...)
}

// machineInfo is the first JSON line: where the numbers come from.
type machineInfo struct {
	Type     string `json:"type"` // "machine"
	CPU      string `json:"cpu"`
	NumCPU   int    `json:"nproc"`
	Kernel   string `json:"kernel"`
	Versions string `json:"versions"`
	LoadAvg  string `json:"loadavg"` // /proc/loadavg at the start: others using the machine show here
	Date     string `json:"date"`
}

func describeMachine() machineInfo {
	m := machineInfo{Type: "machine", NumCPU: numCPUOnline(), Date: time.Now().UTC().Format(time.RFC3339)}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	var vs []string
	for _, c := range [][]string{{"nginx", "-v"}, {"caddy", "version"}, {"wrk", "--version"}, {"h2load", "--version"}} {
		out, _ := exec.Command(c[0], c[1:]...).CombinedOutput()
		line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
		switch c[0] {
		case "nginx":
			line = strings.TrimPrefix(line, "nginx version: ")
		case "caddy":
			line, _, _ = strings.Cut(line, " ")
			line = "caddy " + line
		case "wrk":
			f := strings.Fields(line)
			if len(f) >= 2 {
				line = f[0] + " " + f[1]
			}
		}
		if line != "" {
			vs = append(vs, line)
		}
	}
	m.Versions = strings.Join(vs, ", ")
	return m
}

// numCPUOnline counts the online CPUs (nproc ignores the harness's own
// affinity only through sysfs).
func numCPUOnline() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	n := 0
	for _, r := range strings.Split(strings.TrimSpace(string(b)), ",") {
		lo, hi, found := strings.Cut(r, "-")
		a, err1 := strconv.Atoi(lo)
		c := a
		var err2 error
		if found {
			c, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return runtime.NumCPU()
		}
		n += c - a + 1
	}
	return n
}

// Tools the harness runs, and the Debian packages that provide them.
var debianTools = []struct{ bin, pkg string }{
	{"nginx", "nginx"},
	{"caddy", "caddy"},
	{"wrk", "wrk"},
	{"h2load", "nghttp2-client"},
	{"taskset", "util-linux"},
	{"clang-19", "clang-19"},
}

// luaModuleDirs are where Debian's libnginx-mod-http-lua puts its modules.
var luaModuleDirs = []string{"/usr/lib/nginx/modules", "/usr/share/nginx/modules"}

// luaModules returns the nginx modules content_by_lua_block needs, in load
// order (the NDK first), or nil when they are not installed.
func luaModules() []string {
	for _, d := range luaModuleDirs {
		ndk, lua := filepath.Join(d, "ndk_http_module.so"), filepath.Join(d, "ngx_http_lua_module.so")
		if fileExists(ndk) && fileExists(lua) {
			return []string{ndk, lua}
		}
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// ensureDeps apt-get installs the Debian packages of missing tools. A
// failure is reported and the run goes on: what cannot run shows as failed.
func ensureDeps(noInstall bool) {
	var pkgs []string
	for _, t := range debianTools {
		if _, err := exec.LookPath(t.bin); err != nil {
			pkgs = append(pkgs, t.pkg)
		}
	}
	if luaModules() == nil {
		pkgs = append(pkgs, "libnginx-mod-http-lua")
	}
	if len(pkgs) == 0 {
		return
	}
	if noInstall {
		logf("missing (not installing, --no-install): %s", strings.Join(pkgs, " "))
		return
	}
	apt := func(args ...string) error {
		if os.Geteuid() != 0 {
			args = append([]string{"-n", "apt-get"}, args...)
			return runQuiet("sudo", args...)
		}
		return runQuiet("apt-get", args...)
	}
	install := append([]string{"install", "-y", "--no-install-recommends"}, pkgs...)
	logf("apt-get %s", strings.Join(install, " "))
	if err := apt(install...); err != nil {
		if err := apt("update"); err == nil {
			err = apt(install...)
		}
		if err != nil {
			logf("apt-get failed (%v); continuing without %s", err, strings.Join(pkgs, " "))
		}
	}
}

func runQuiet(name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, tail(out))
	}
	return nil
}

func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 10 {
		lines = lines[len(lines)-10:]
	}
	return strings.Join(lines, "\n")
}

// repoRoot finds the zeroserve module root from the working directory up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module zeroserve.dev/zeroserve\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the zeroserve repository (run from its root, or pass --zeroserve and --zspack)")
		}
		dir = parent
	}
}
