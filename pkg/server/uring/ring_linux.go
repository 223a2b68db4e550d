package uring

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// io_uring_register opcodes.
const (
	registerProbe             = 8
	registerPbufRing          = 22
	unregisterPbufRing        = 23
	enterGetEvents            = 1 << 0
	enterExtArg               = 1 << 3
	offSQRing                 = 0
	offCQRing                 = 0x8000000
	offSQEs                   = 0x10000000
	sqeSize                   = 64
	cqeSize                   = 16
	probeOps                  = 256
	ioURingOpSupported        = 1 << 0
	sqNeedWakeup              = 1 << 0
	sqCQOverflow              = 1 << 1
	sqTaskrun                 = 1 << 2
	minKernelMajor            = 6
	minKernelMinor            = 0
	requiredFeatures          = FeatNoDrop | FeatExtArg | FeatFastPoll | FeatSubmitStable
	defaultEntries     uint32 = 256
)

// Ring is one io_uring instance with its mappings. It is not safe for
// concurrent use.
type Ring struct {
	fd       int
	flags    uint32
	features uint32
	sqMem    []byte // SQ ring (and CQ ring with FeatSingleMmap)
	cqMem    []byte // CQ ring when mapped separately
	sqeMem   []byte

	sqHead, sqTail, sqFlags *uint32
	sqMask, sqEntries       uint32
	sqeTail                 uint32 // next SQE to hand out; published on submit
	sqes                    []SQE

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []CQE

	arg getEventsArg // stable memory for EXT_ARG waits
	ts  unix.Timespec
}

// getEventsArg is struct io_uring_getevents_arg.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// params is struct io_uring_params.
type params struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqOffsets
	cqOff                                                                  cqOffsets
}

type sqOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

type cqOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// New sets up a ring. See Options for the flag fallback.
func New(o Options) (*Ring, error) {
	if o.Entries == 0 {
		o.Entries = defaultEntries
	}
	flags := o.Flags
	if o.CQEntries != 0 {
		flags |= SetupCQSize
	}
	drop := []uint32{SetupDeferTaskrun, SetupSingleIssuer, SetupCoopTaskrun, SetupSubmitAll}
	for {
		p := params{flags: flags, cqEntries: o.CQEntries}
		fd, err := setup(o.Entries, &p)
		if err == nil {
			r, err := mapRing(fd, &p)
			if err != nil {
				unix.Close(fd)
				return nil, err
			}
			return r, nil
		}
		if err != unix.EINVAL || !o.Fallback || len(drop) == 0 {
			return nil, fmt.Errorf("io_uring_setup (flags %#x): %w", flags, explain(err))
		}
		for len(drop) > 0 && flags&drop[0] == 0 {
			drop = drop[1:] // not asked for: nothing to drop
		}
		if len(drop) == 0 {
			return nil, fmt.Errorf("io_uring_setup (flags %#x): %w", flags, explain(err))
		}
		flags &^= drop[0] // DEFER_TASKRUN goes first: it needs SINGLE_ISSUER
		drop = drop[1:]
	}
}

// Close unmaps the rings and closes the ring fd. Outstanding requests are
// cancelled by the kernel.
func (r *Ring) Close() error {
	if r.fd < 0 {
		return nil
	}
	var errs []error
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.sqMem} {
		if m != nil {
			errs = append(errs, unix.Munmap(m))
		}
	}
	r.sqeMem, r.cqMem, r.sqMem, r.sqes, r.cqes = nil, nil, nil, nil, nil
	errs = append(errs, unix.Close(r.fd))
	r.fd = -1
	return errors.Join(errs...)
}

// Fd returns the ring's file descriptor.
func (r *Ring) Fd() int { return r.fd }

// Flags returns the IORING_SETUP_* flags the ring was created with.
func (r *Ring) Flags() uint32 { return r.flags }

// Features returns the IORING_FEAT_* bits the kernel reported.
func (r *Ring) Features() uint32 { return r.features }

// SQEntries returns the size of the submission queue.
func (r *Ring) SQEntries() uint32 { return r.sqEntries }

// GetSQE returns the next free SQE, zeroed, or nil when the submission queue
// is full (Submit, then retry). The SQE belongs to the caller until the next
// Submit.
func (r *Ring) GetSQE() *SQE {
	if r.sqeTail-loadAcquire(r.sqHead) >= r.sqEntries {
		return nil
	}
	s := &r.sqes[r.sqeTail&r.sqMask]
	*s = SQE{}
	r.sqeTail++
	return s
}

// Pending returns the number of SQEs handed out and not yet consumed by the
// kernel.
func (r *Ring) Pending() uint32 { return r.sqeTail - loadAcquire(r.sqHead) }

// Submit publishes the SQEs handed out so far and submits them without
// waiting. It returns the number the kernel consumed.
func (r *Ring) Submit() (int, error) { return r.SubmitAndWait(0, 0) }

// SubmitAndWait submits pending SQEs and waits until at least minComplete
// completions are available or timeout passes (timeout <= 0 waits without a
// time limit; minComplete 0 does not wait, but still runs deferred task work
// so completions get posted). A timeout is not an error. EINTR is retried.
func (r *Ring) SubmitAndWait(minComplete uint32, timeout time.Duration) (int, error) {
	storeRelease(r.sqTail, r.sqeTail)
	flags := uint32(0)
	if minComplete > 0 || r.flags&SetupDeferTaskrun != 0 || loadAcquire(r.sqFlags)&(sqCQOverflow|sqTaskrun) != 0 {
		flags |= enterGetEvents
	}
	r.ts = unix.Timespec{}
	if timeout > 0 {
		r.ts = unix.NsecToTimespec(int64(timeout))
	}
	for {
		n, err := r.enter(r.sqeTail-loadAcquire(r.sqHead), minComplete, flags, timeout > 0)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.ETIME:
			return 0, nil
		case unix.EBUSY, unix.EAGAIN:
			// CQ overflow backlog or no memory for requests: the caller
			// reaps completions and comes back.
			return 0, nil
		default:
			return n, fmt.Errorf("io_uring_enter: %w", err)
		}
	}
}

// PeekCQEs copies up to len(dst) available completions into dst, marks them
// consumed and returns how many it copied.
func (r *Ring) PeekCQEs(dst []CQE) int {
	head := *r.cqHead
	avail := loadAcquire(r.cqTail) - head
	n := uint32(len(dst))
	if avail < n {
		n = avail
	}
	for i := uint32(0); i < n; i++ {
		dst[i] = r.cqes[(head+i)&r.cqMask]
	}
	if n > 0 {
		storeRelease(r.cqHead, head+n)
	}
	return int(n)
}

// Probe reports which opcodes the kernel supports.
type Probe struct {
	LastOp Op
	ops    [probeOps]bool
}

// Supports reports whether op is supported.
func (p *Probe) Supports(op Op) bool { return p.ops[op] }

// Probe asks the kernel which opcodes it supports (IORING_REGISTER_PROBE).
func (r *Ring) Probe() (*Probe, error) {
	var raw probeRaw
	if err := r.register(registerProbe, raw.ptr(), probeOps); err != nil {
		return nil, fmt.Errorf("register probe: %w", err)
	}
	p := &Probe{LastOp: Op(raw.lastOp)}
	for i := 0; i < int(raw.opsLen) && i < probeOps; i++ {
		if raw.ops[i].flags&ioURingOpSupported != 0 {
			p.ops[raw.ops[i].op] = true
		}
	}
	return p, nil
}

type probeRaw struct {
	lastOp, opsLen uint8
	resv           uint16
	resv2          [3]uint32
	ops            [probeOps]struct {
		op, resv uint8
		flags    uint16
		resv2    uint32
	}
}

var supported struct {
	once sync.Once
	err  error
}

// Supported reports whether this process can run the io_uring loop: the
// io_uring syscalls are allowed, the kernel has the features and ops the loop
// uses (multishot accept and recv, provided buffer rings, EXT_ARG waits), and
// if not, why. The result is computed once.
func Supported() error {
	supported.once.Do(func() { supported.err = check() })
	return supported.err
}

// requiredOps are the opcodes the loop issues.
var requiredOps = []Op{OpNop, OpAccept, OpRecv, OpSendmsg, OpClose, OpAsyncCancel, OpRead, OpShutdown}

func check() error {
	r, err := New(Options{Entries: 4})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotSupported, err)
	}
	defer r.Close()
	if missing := requiredFeatures &^ r.features; missing != 0 {
		return fmt.Errorf("%w: kernel lacks io_uring features %#x (need Linux %d.%d or later; %s)",
			ErrNotSupported, missing, minKernelMajor, minKernelMinor, kernelRelease())
	}
	p, err := r.Probe()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotSupported, err)
	}
	for _, op := range requiredOps {
		if !p.Supports(op) {
			return fmt.Errorf("%w: kernel lacks io_uring op %d (%s)", ErrNotSupported, op, kernelRelease())
		}
	}
	// Multishot recv with a provided buffer ring arrived in Linux 6.0; the op
	// table cannot tell, so check the release.
	if !kernelAtLeast(minKernelMajor, minKernelMinor) {
		return fmt.Errorf("%w: need Linux %d.%d or later for multishot recv, have %s",
			ErrNotSupported, minKernelMajor, minKernelMinor, kernelRelease())
	}
	b, err := r.NewBufRing(BufRingOptions{Group: 0, Entries: 2, Size: 64})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotSupported, err)
	}
	return b.Close()
}

// explain turns a setup error into a reason a user can act on.
func explain(err error) error {
	switch err {
	case unix.EPERM, unix.EACCES:
		switch v := readSysctl("kernel/io_uring_disabled"); v {
		case "2":
			return fmt.Errorf("%w: disabled by sysctl kernel.io_uring_disabled=2", err)
		case "1":
			return fmt.Errorf("%w: sysctl kernel.io_uring_disabled=1 allows only CAP_SYS_ADMIN or members of kernel.io_uring_group", err)
		}
		return fmt.Errorf("%w: blocked, probably by a seccomp filter (e.g. Docker's default profile)", err)
	case unix.ENOSYS:
		return fmt.Errorf("%w: no io_uring in this kernel (%s; too old, CONFIG_IO_URING off, or filtered by seccomp)", err, kernelRelease())
	case unix.ENOMEM:
		return fmt.Errorf("%w: cannot lock ring memory (RLIMIT_MEMLOCK, kernels before 5.12)", err)
	}
	return err
}

func readSysctl(name string) string {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown kernel"
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}

func kernelAtLeast(major, minor int) bool {
	rel := strings.TrimPrefix(kernelRelease(), "Linux ")
	parts := strings.SplitN(rel, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || ma == major && mi >= minor
}
