package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// procStat is the part of /proc/PID/stat the harness uses.
type procStat struct {
	PID   int
	Comm  string
	State byte
	PPID  int
	// UTime and STime are the process's user and system CPU time in clock
	// ticks, all its threads included (fields 14 and 15).
	UTime, STime int64
}

// parseProcStat parses the contents of /proc/PID/stat. The command name is
// in parentheses and may itself contain spaces and parentheses, so the
// fields are split after the last ')'.
func parseProcStat(b []byte) (procStat, error) {
	var st procStat
	open := bytes.IndexByte(b, '(')
	closing := bytes.LastIndexByte(b, ')')
	if open < 1 || closing < open {
		return st, errors.New("proc stat: no (comm)")
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil {
		return st, fmt.Errorf("proc stat: pid: %w", err)
	}
	st.PID = pid
	st.Comm = string(b[open+1 : closing])
	f := strings.Fields(string(b[closing+1:]))
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 13 || len(f[0]) != 1 {
		return st, fmt.Errorf("proc stat: %d fields after comm, want at least 13", len(f))
	}
	st.State = f[0][0]
	if st.PPID, err = strconv.Atoi(f[1]); err != nil {
		return st, fmt.Errorf("proc stat: ppid: %w", err)
	}
	if st.UTime, err = strconv.ParseInt(f[11], 10, 64); err != nil || st.UTime < 0 {
		return st, fmt.Errorf("proc stat: utime %q", f[11])
	}
	if st.STime, err = strconv.ParseInt(f[12], 10, 64); err != nil || st.STime < 0 {
		return st, fmt.Errorf("proc stat: stime %q", f[12])
	}
	return st, nil
}

// parseVmHWM returns the peak resident set size in KiB from the contents of
// /proc/PID/status.
func parseVmHWM(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("proc status: malformed %q", line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return 0, fmt.Errorf("proc status: malformed %q", line)
		}
		return kb, nil
	}
	return 0, errors.New("proc status: no VmHWM line")
}

// processTree returns pid and all its descendants, found by scanning the
// ppid of every process in /proc (nginx runs a master and a worker).
func processTree(pid int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		st, err := parseProcStat(b)
		if err != nil {
			continue
		}
		children[st.PPID] = append(children[st.PPID], p)
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	return tree, nil
}

// treeCPU returns the user+system CPU time in clock ticks summed over pids.
func treeCPU(pids []int) (int64, error) {
	var sum int64
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			return 0, err
		}
		st, err := parseProcStat(b)
		if err != nil {
			return 0, err
		}
		sum += st.UTime + st.STime
	}
	return sum, nil
}

// treeHWM returns the sum of the peak RSS (KiB) over pids. Pages shared
// between an nginx master and its worker are counted twice, which slightly
// overstates nginx; the table notes it.
func treeHWM(pids []int) (int64, error) {
	var sum int64
	for _, p := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			return 0, err
		}
		kb, err := parseVmHWM(b)
		if err != nil {
			return 0, err
		}
		sum += kb
	}
	return sum, nil
}
