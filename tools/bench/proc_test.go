package main

import (
	"os"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	// testdata/proc-stat.txt is /proc/PID/stat of a shell after a busy loop.
	st, err := parseProcStat(readTestdata(t, "proc-stat.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := procStat{PID: 13800, Comm: "sh", State: 'S', PPID: 13798, UTime: 39, STime: 0}
	if st != want {
		t.Errorf("got %+v, want %+v", st, want)
	}
	tests := []struct {
		name string
		in   string
		want procStat
		ok   bool
	}{
		{"comm with spaces and parens", "42 (a) (b c) R 7 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 5 0 0\n",
			procStat{PID: 42, Comm: "a) (b c", State: 'R', PPID: 7, UTime: 11, STime: 22}, true},
		{"empty", "", procStat{}, false},
		{"no comm", "42 R 7 1 1 0 -1 0 0 0 0 0 11 22", procStat{}, false},
		{"truncated", "42 (x) R 7 1 1 0 -1 0 0 0 0 0 11", procStat{}, false},
		{"bad pid", "x (x) R 7 1 1 0 -1 0 0 0 0 0 11 22", procStat{}, false},
		{"bad utime", "42 (x) R 7 1 1 0 -1 0 0 0 0 0 u 22", procStat{}, false},
		{"negative stime", "42 (x) R 7 1 1 0 -1 0 0 0 0 0 1 -2", procStat{}, false},
		{"paren before pid", ") 42 (x", procStat{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if tt.ok && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	kb, err := parseVmHWM(readTestdata(t, "proc-status.txt"))
	if err != nil || kb != 1688 {
		t.Errorf("got %d, %v; want 1688", kb, err)
	}
	for _, in := range []string{"", "Name: x\n", "VmHWM:\t12\n", "VmHWM:\t12 MB\n", "VmHWM:\tx kB\n"} {
		if kb, err := parseVmHWM([]byte(in)); err == nil {
			t.Errorf("parseVmHWM(%q) = %d, want an error", in, kb)
		}
	}
}

// TestOwnProcess reads this test process's own /proc entries: the tree is
// at least itself and the peak RSS is positive.
func TestOwnProcess(t *testing.T) {
	pids, err := processTree(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) == 0 || pids[0] != os.Getpid() {
		t.Fatalf("tree %v does not start with %d", pids, os.Getpid())
	}
	if _, err := treeCPU(pids[:1]); err != nil {
		t.Error(err)
	}
	if kb, err := treeHWM(pids[:1]); err != nil || kb <= 0 {
		t.Errorf("peak RSS %d, %v", kb, err)
	}
}

func FuzzParseProcStat(f *testing.F) {
	f.Add(readTestdata(f, "proc-stat.txt"))
	f.Add([]byte("42 (a) (b c) R 7 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 5 0 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseProcStat(b)
		if err == nil && (st.UTime < 0 || st.STime < 0) {
			t.Errorf("accepted %+v", st)
		}
	})
}

func FuzzParseVmHWM(f *testing.F) {
	f.Add(readTestdata(f, "proc-status.txt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parseVmHWM(b)
	})
}
