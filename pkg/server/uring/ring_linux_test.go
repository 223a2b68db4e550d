package uring

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"

	"zeroserve.dev/zeroserve/internal/testutil"

	"golang.org/x/sys/unix"
)

func newRing(t *testing.T, o Options) *Ring {
	t.Helper()
	if err := Supported(); err != nil {
		testutil.Missing(t, err.Error())
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// resources counts open fds and mappings of this process.
func resources(t *testing.T) (fds, maps int) {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	// Only the ring mappings are counted: the Go runtime (and the race
	// detector's shadow memory) map memory of their own at any time.
	return len(ents), bytes.Count(b, []byte("io_uring"))
}

func TestSetupTeardownNoLeak(t *testing.T) {
	if err := Supported(); err != nil {
		testutil.Missing(t, err.Error())
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tests := []struct {
		name string
		o    Options
	}{
		{"plain", Options{Entries: 8}},
		{"cqsize", Options{Entries: 8, CQEntries: 64}},
		{"modern", Options{Entries: 64, CQEntries: 256, Flags: SetupSingleIssuer | SetupDeferTaskrun | SetupSubmitAll | SetupCoopTaskrun, Fallback: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Warm up once so lazily created runtime mappings do not count.
			r, err := New(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			fds0, maps0 := resources(t)
			for range 20 {
				r, err := New(tt.o)
				if err != nil {
					t.Fatal(err)
				}
				b, err := r.NewBufRing(BufRingOptions{Entries: 8, Size: 4096})
				if err != nil {
					t.Fatal(err)
				}
				if err := b.Close(); err != nil {
					t.Fatal(err)
				}
				if err := r.Close(); err != nil {
					t.Fatal(err)
				}
			}
			if fds, maps := resources(t); fds != fds0 || maps > maps0 {
				t.Errorf("leak: fds %d→%d, maps %d→%d", fds0, fds, maps0, maps)
			}
		})
	}
}

func TestNopRoundTrip(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newRing(t, Options{Entries: 4, Flags: SetupSingleIssuer | SetupDeferTaskrun, Fallback: true})
	const n = 10 // more than the SQ: exercises the full-queue path
	got := map[uint64]bool{}
	for i := uint64(0); i < n; {
		s := r.GetSQE()
		if s == nil {
			if _, err := r.Submit(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		s.PrepNop(1000 + i)
		i++
	}
	var cqes [4]CQE
	for len(got) < n {
		if _, err := r.SubmitAndWait(1, 0); err != nil {
			t.Fatal(err)
		}
		for _, c := range cqes[:r.PeekCQEs(cqes[:])] {
			if c.Res != 0 || got[c.UserData] {
				t.Fatalf("cqe %+v", c)
			}
			got[c.UserData] = true
		}
	}
	for i := uint64(0); i < n; i++ {
		if !got[1000+i] {
			t.Errorf("missing completion %d", 1000+i)
		}
	}
}

func TestProbe(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	p, err := r.Probe()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range requiredOps {
		if !p.Supports(op) {
			t.Errorf("op %d not supported", op)
		}
	}
	if p.LastOp < OpSendZC {
		t.Errorf("last op %d", p.LastOp)
	}
	if p.Supports(Op(255)) {
		t.Error("op 255 reported supported")
	}
}

func TestSupportedExplains(t *testing.T) {
	err := Supported()
	if err == nil {
		return
	}
	if !strings.Contains(err.Error(), ErrNotSupported.Error()) {
		t.Errorf("reason %q does not wrap ErrNotSupported", err)
	}
}

func TestExplain(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{unix.EPERM, "operation not permitted"},
		{unix.ENOSYS, "no io_uring in this kernel"},
		{unix.ENOMEM, "RLIMIT_MEMLOCK"},
	}
	for _, tt := range tests {
		if got := explain(tt.err).Error(); !strings.Contains(got, tt.want) {
			t.Errorf("explain(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestTimeoutWait(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	// Nothing is pending: the wait ends by its timeout, which is not an error.
	if _, err := r.SubmitAndWait(1, 1000); err != nil {
		t.Fatal(err)
	}
	ts := unix.Timespec{Nsec: 1000}
	r.GetSQE().PrepTimeout(&ts, 0, 7)
	var c [1]CQE
	for r.PeekCQEs(c[:]) == 0 {
		if _, err := r.SubmitAndWait(1, 0); err != nil {
			t.Fatal(err)
		}
	}
	if c[0].UserData != 7 || c[0].Res != -int32(unix.ETIME) {
		t.Fatalf("timeout cqe %+v", c[0])
	}
}

// TestAcceptRecvSend drives a loopback connection with a multishot accept,
// a multishot recv on a buffer ring (down to ENOBUFS) and a sendmsg.
func TestAcceptRecvSend(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := newRing(t, Options{Entries: 16, CQEntries: 64, Flags: SetupSingleIssuer | SetupDeferTaskrun, Fallback: true})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lf, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	br, err := r.NewBufRing(BufRingOptions{Group: 3, Entries: 2, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()

	r.GetSQE().PrepMultishotAccept(int(lf.Fd()), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 1)
	var clients []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	var cqes [16]CQE
	wait := func() []CQE {
		t.Helper()
		for {
			if _, err := r.SubmitAndWait(1, 0); err != nil {
				t.Fatal(err)
			}
			if n := r.PeekCQEs(cqes[:]); n > 0 {
				return cqes[:n]
			}
		}
	}
	var fds []int
	for len(fds) < 2 {
		for _, c := range wait() {
			if c.UserData != 1 || c.Res < 0 || !c.More() {
				t.Fatalf("accept cqe %+v", c)
			}
			fds = append(fds, int(c.Res))
		}
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])

	// 100 bytes into two 16-byte buffers: the kernel fills both, then ends
	// the multishot with ENOBUFS; recycling and re-arming gets the rest.
	msg := bytes.Repeat([]byte("0123456789"), 10)
	if _, err := clients[0].Write(msg); err != nil {
		t.Fatal(err)
	}
	var got []byte
	enobufs, armed := 0, false
	for len(got) < len(msg) {
		if !armed {
			r.GetSQE().PrepMultishotRecv(fds[0], br.Group(), 2)
			armed = true
		}
		for _, c := range wait() {
			if bid, ok := c.Buffer(); ok {
				got = append(got, br.Buf(bid)[:c.Res]...)
				br.Recycle(bid)
			}
			switch {
			case c.Res == -int32(unix.ENOBUFS):
				enobufs++
			case c.Res <= 0:
				t.Fatalf("recv cqe %+v", c)
			}
			if !c.More() {
				armed = false
			}
		}
		br.Commit()
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("got %q", got)
	}
	if enobufs == 0 {
		t.Error("no ENOBUFS seen with 2 buffers for 100 bytes")
	}

	// sendmsg with two iovecs.
	a, b := []byte("hello, "), []byte("world")
	iov := []unix.Iovec{{Base: &a[0]}, {Base: &b[0]}}
	iov[0].SetLen(len(a))
	iov[1].SetLen(len(b))
	var mh unix.Msghdr
	mh.Iov = &iov[0]
	mh.SetIovlen(len(iov))
	r.GetSQE().PrepSendmsg(fds[1], &mh, unix.MSG_NOSIGNAL, 3)
	if c := wait()[0]; c.UserData != 3 || c.Res != 12 {
		t.Fatalf("send cqe %+v", c)
	}
	buf := make([]byte, 12)
	if _, err := clients[1].Read(buf); err != nil || string(buf) != "hello, world" {
		t.Fatalf("read %q %v", buf, err)
	}
	runtime.KeepAlive(&mh)
	runtime.KeepAlive(iov)

	// Cancel the accept: it ends without CQEFMore.
	r.GetSQE().PrepCancel(1, 0, 4)
	seen := map[uint64]CQE{}
	for len(seen) < 2 {
		for _, c := range wait() {
			seen[c.UserData] = c
		}
	}
	if c := seen[1]; c.Res != -int32(unix.ECANCELED) || c.More() {
		t.Errorf("cancelled accept %+v", c)
	}
	if c := seen[4]; c.Res != 0 {
		t.Errorf("cancel %+v", c)
	}
}
