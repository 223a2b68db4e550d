package loop

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"zeroserve.dev/zeroserve/pkg/server/transport"
	"zeroserve.dev/zeroserve/pkg/server/uring"
)

const (
	maxIov    = 64   // iovecs per sendmsg
	cqeBatch  = 256  // completions reaped per PeekCQEs
	wheelSize = 1024 // timer wheel buckets
)

// Connection state bits.
const (
	fRecv    uint16 = 1 << iota // multishot recv armed
	fSend                       // sendmsg in flight
	fCancel                     // recv cancel requested (read back-pressure)
	fClosing                    // close started; waiting for recv/send to end
	fPaused                     // Conn asked for PauseRead; input is staged
	fEOF                        // peer closed its side
	fHeld                       // Conn announced off-loop work (Holder)
	fDrained                    // Conn.Drain called (shutdown, or after the peer's EOF)
	fLinger                     // lingering close: Conn closed, write side shut, input discarded
)

type listener struct {
	fd      int
	own     bool // created by Start: closed by the worker on exit
	armed   bool // multishot accept outstanding
	factory transport.Factory
}

// conn is one slot of the connection table. Slots are allocated once and
// reused; gen tells connections in the same slot apart.
type conn struct {
	fd    int
	gen   uint32
	flags uint16
	c     transport.Conn
	st    transport.Status
	err   error // reason passed to Close
	in    []byte
	iov   [maxIov]unix.Iovec
	msg   unix.Msghdr
	asked int // bytes in the send in flight
	eaten int // bytes discarded while lingering
}

type workerStats struct {
	accepted, rejected, closed, timeouts, enobufs, partial, sends, forced atomic.Uint64
}

type worker struct {
	id    int
	srv   *Server
	cfg   *Config
	ring  *uring.Ring
	br    *uring.BufRing
	lns   []listener
	conns []*conn
	free  []uint32
	live  int
	held  int
	sends int // sendmsgs submitted whose completion has not been reaped
	wheel *wheel
	start time.Time
	now   time.Duration

	cqes    [cqeBatch]uring.CQE
	pend    [][]byte
	inFree  [][]byte // empty staging buffers for reuse (getIn, putIn)
	expired []int32
	wakeBuf []uint64

	efd    int     // the wake eventfd; -1 once closed (under wakeMu)
	efRead [8]byte // eventfd read target; the kernel writes here
	efArm  bool

	wakeMu   sync.Mutex // guards wakeQ, and efd against kick after teardown
	wakeQ    []uint64
	wakeFlag atomic.Bool

	drainReq  atomic.Bool
	deadline  atomic.Int64 // drain deadline, UnixNano
	draining  bool
	forced    bool
	acceptErr time.Duration // re-arm failed accepts after this time (0: none)

	// broken is the error of a submit sqe needed room from; the ring's
	// state no longer matches the loop's (requests it prepared went to
	// scratch), so run ends and teardown closes the ring first.
	broken  error
	scratch uring.SQE

	stats workerStats
}

var eventfdOne = [8]byte{1}

func newWorker(s *Server, id int, lns []listener) *worker {
	return &worker{id: id, srv: s, cfg: &s.cfg, lns: lns, efd: -1, wheel: newWheel(wheelSize, s.cfg.TimerTick)}
}

// main runs the worker on a locked OS thread: set up, report on ready, loop,
// tear down.
func (w *worker) main(ready chan<- error) {
	lockThread()
	defer runtime.UnlockOSThread()
	err := w.setup()
	ready <- err
	if err == nil {
		if err = w.run(); err != nil {
			err = fmt.Errorf("worker %d: %w", w.id, err)
			w.srv.fail(err)
		}
	}
	w.teardown(err)
}

func (w *worker) setup() error {
	var err error
	w.ring, err = uring.New(uring.Options{
		Entries:   w.cfg.RingEntries,
		CQEntries: 4 * w.cfg.RingEntries,
		Flags:     uring.SetupSingleIssuer | uring.SetupDeferTaskrun | uring.SetupSubmitAll | uring.SetupCoopTaskrun,
		Fallback:  true,
	})
	if err != nil {
		return fmt.Errorf("worker %d: %w", w.id, err)
	}
	w.br, err = w.ring.NewBufRing(uring.BufRingOptions{Group: 0, Entries: uint32(w.cfg.RecvBufs), Size: w.cfg.RecvBufSize})
	if err != nil {
		return fmt.Errorf("worker %d: %w", w.id, err)
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return fmt.Errorf("worker %d: eventfd: %w", w.id, err)
	}
	w.wakeMu.Lock()
	w.efd = efd
	w.wakeMu.Unlock()
	w.start = time.Now()
	w.pend = make([][]byte, 0, maxIov)
	w.expired = make([]int32, 0, 64)
	w.armWake()
	for i := range w.lns {
		w.armAccept(i)
	}
	return nil
}

// quiesceWait bounds how long teardown waits for the kernel to finish the
// requests it cancelled.
const quiesceWait = time.Second

// teardown releases everything once the loop has ended (err: why, if it
// failed). The kernel may still use memory of requests in flight: a
// sendmsg reads the Conn's output (an archive mapping that Conn.Close may
// unmap), a recv writes into the buffer ring, the wake read into efRead.
// So the ring is quiesced first (everything cancelled, completions reaped
// until none is outstanding); if it cannot be, it is closed first, which
// makes the kernel cancel its requests, before Conns and buffers go.
func (w *worker) teardown(err error) {
	for i := range w.lns {
		if w.lns[i].own && w.lns[i].fd >= 0 {
			// An accept in flight keeps the socket open past close(2), and
			// listening, in the SO_REUSEPORT group: the kernel would queue
			// connections there that nobody accepts, then reset them.
			// shutdown(SHUT_RD) stops the listening now.
			unix.Shutdown(w.lns[i].fd, unix.SHUT_RD)
			unix.Close(w.lns[i].fd)
			w.lns[i].fd = -1
		}
	}
	if w.ring != nil && (w.broken != nil || !w.quiesce()) {
		w.ring.Close()
	}
	// Connections left open by a fatal error.
	for slot, c := range w.conns {
		if c.fd >= 0 {
			if c.err == nil {
				c.err = err
			}
			w.finish(uint32(slot), c, true)
		}
	}
	if w.br != nil {
		w.br.Close()
	}
	if w.ring != nil {
		w.ring.Close()
	}
	// Wakers and Drain may still kick the worker from other goroutines:
	// once the descriptor is closed its number may belong to anything
	// (another worker's connection), so kick must see -1.
	w.wakeMu.Lock()
	if w.efd >= 0 {
		unix.Close(w.efd)
		w.efd = -1
	}
	w.wakeMu.Unlock()
}

// quiesce submits what is queued (closes of finished connections among
// it), cancels every request in flight (IORING_ASYNC_CANCEL_ANY|ALL) and
// reaps completions, without calling into Conns, until none of the loop's
// requests is outstanding. False if the ring fails or quiesceWait passes
// first.
func (w *worker) quiesce() bool {
	s := w.ring.GetSQE()
	if s == nil {
		if _, err := w.enter(0, 0); err != nil {
			return false
		}
		if s = w.ring.GetSQE(); s == nil {
			return false
		}
	}
	s.PrepCancel(0, uring.CancelAny|uring.CancelAll, pack(opCancel, 0, 0))
	end := time.Now().Add(quiesceWait)
	wait := uint32(0) // the first enter only submits
	for {
		if _, err := w.enter(wait, max(time.Until(end), time.Microsecond)); err != nil {
			return false
		}
		for {
			n := w.ring.PeekCQEs(w.cqes[:])
			for i := range n {
				w.settle(&w.cqes[i])
			}
			if n < len(w.cqes) {
				break
			}
		}
		if w.outstanding() == 0 && w.ring.Pending() == 0 {
			return true
		}
		if !time.Now().Before(end) {
			return false
		}
		wait = 1
	}
}

// settle books a completion reaped by quiesce: what it ended, if anything.
func (w *worker) settle(cqe *uring.CQE) {
	o, gen, slot := unpack(cqe.UserData)
	switch o {
	case opAccept:
		if !cqe.More() && int(slot) < len(w.lns) {
			w.lns[slot].armed = false
		}
	case opRecv:
		if bid, ok := cqe.Buffer(); ok {
			w.br.Recycle(bid)
		}
		if c := w.lookup(slot, gen); c != nil && !cqe.More() {
			c.flags &^= fRecv
		}
	case opSend:
		w.sends--
		if c := w.lookup(slot, gen); c != nil {
			c.flags &^= fSend
		}
	case opWake:
		w.efArm = false
	}
}

// outstanding counts the loop's requests whose last completion has not
// been reaped: accepts, recvs, sends and the wake read.
func (w *worker) outstanding() int {
	n := w.sends
	if w.efArm {
		n++
	}
	for i := range w.lns {
		if w.lns[i].armed {
			n++
		}
	}
	for _, c := range w.conns {
		if c.fd >= 0 && c.flags&fRecv != 0 {
			n++
		}
	}
	return n
}

// clock returns the loop's monotonic time.
func (w *worker) clock() time.Duration {
	if w.cfg.now != nil {
		return w.cfg.now()
	}
	return time.Since(w.start)
}

// run is the event loop: submit and wait, reap, fire timers, repeat.
func (w *worker) run() error {
	for {
		if w.broken != nil {
			return w.broken
		}
		if w.drainReq.Load() && !w.draining {
			w.startDrain()
		}
		if w.draining {
			if !w.forced && time.Now().UnixNano() >= w.deadline.Load() {
				w.forceClose()
			}
			if w.live == 0 && !w.accepting() {
				return nil // teardown submits what is queued (the last closes)
			}
		}
		if w.acceptErr > 0 && w.now >= w.acceptErr && !w.draining {
			w.acceptErr = 0
			for i := range w.lns {
				w.armAccept(i)
			}
		}
		w.br.Commit()
		if _, err := w.enter(1, w.waitTimeout()); err != nil {
			return err
		}
		w.now = w.clock()
		for {
			n := w.ring.PeekCQEs(w.cqes[:])
			for i := range n {
				w.handle(&w.cqes[i])
			}
			if n < len(w.cqes) {
				break
			}
		}
		w.expired = w.wheel.advance(w.now, w.expired[:0])
		for _, id := range w.expired {
			w.onTimer(uint32(id))
		}
	}
}

// enter submits the queued SQEs and waits for minComplete completions or
// timeout (uring.Ring.SubmitAndWait), unless Config.fault fails it.
func (w *worker) enter(minComplete uint32, timeout time.Duration) (int, error) {
	if f := w.cfg.fault; f != nil {
		if err := f(w.id); err != nil {
			return 0, err
		}
	}
	return w.ring.SubmitAndWait(minComplete, timeout)
}

// waitTimeout is how long io_uring_enter may block: until the next timer,
// the drain deadline or the yield bound (0: no limit).
func (w *worker) waitTimeout() time.Duration {
	var d time.Duration
	if at, ok := w.wheel.nextDue(); ok {
		d = max(at-w.clock(), time.Microsecond)
	}
	if w.draining && !w.forced {
		d = minPositive(d, max(time.Until(time.Unix(0, w.deadline.Load())), time.Microsecond))
	}
	if w.acceptErr > 0 {
		d = minPositive(d, max(w.acceptErr-w.clock(), time.Microsecond))
	}
	if w.held > 0 {
		runtime.Gosched()
		d = minPositive(d, w.cfg.YieldWait)
	}
	return d
}

func minPositive(a, b time.Duration) time.Duration {
	if a <= 0 || b < a {
		return b
	}
	return a
}

// sqe returns a free SQE, submitting queued ones first if the queue is full.
// If that submit fails the ring is broken: the worker records the error,
// which ends run, and hands out a scratch SQE that is never submitted, so
// callers need no error path.
func (w *worker) sqe() *uring.SQE {
	for w.broken == nil {
		if s := w.ring.GetSQE(); s != nil {
			return s
		}
		if _, err := w.enter(0, 0); err != nil {
			w.broken = err
		}
	}
	w.scratch = uring.SQE{}
	return &w.scratch
}

func (w *worker) handle(cqe *uring.CQE) {
	o, gen, slot := unpack(cqe.UserData)
	switch o {
	case opAccept:
		w.onAccept(int(slot), cqe)
	case opRecv:
		bid, hasBuf := cqe.Buffer()
		if c := w.lookup(slot, gen); c != nil {
			w.onRecv(slot, c, cqe, bid, hasBuf)
		}
		if hasBuf {
			w.br.Recycle(bid)
		}
	case opSend:
		w.sends--
		if c := w.lookup(slot, gen); c != nil {
			w.onSend(slot, c, cqe.Res)
		}
	case opWake:
		w.onWake()
	}
}

// lookup returns the open connection in slot with generation gen (its
// Conn is nil once it lingers), or nil for a stale completion.
func (w *worker) lookup(slot, gen uint32) *conn {
	if int(slot) >= len(w.conns) {
		return nil
	}
	c := w.conns[slot]
	if c.fd < 0 || c.gen != gen {
		return nil
	}
	return c
}

func (w *worker) armAccept(i int) {
	if w.lns[i].armed {
		return
	}
	w.lns[i].armed = true
	w.sqe().PrepMultishotAccept(w.lns[i].fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, pack(opAccept, 0, uint32(i)))
}

func (w *worker) accepting() bool {
	for i := range w.lns {
		if w.lns[i].armed {
			return true
		}
	}
	return false
}

func (w *worker) onAccept(i int, cqe *uring.CQE) {
	if !cqe.More() {
		w.lns[i].armed = false
		if w.draining && w.lns[i].own && w.lns[i].fd >= 0 {
			unix.Close(w.lns[i].fd) // refuse new connections from now on
			w.lns[i].fd = -1
		}
	}
	if cqe.Res < 0 {
		errno := unix.Errno(-cqe.Res)
		if w.draining {
			return
		}
		// Not draining, so not our cancel: the kernel ended the accept
		// (ECANCELED), or it failed (EMFILE and friends). Either way arm
		// it again after a tick; at once could spin on a lasting error.
		if errno != unix.ECANCELED {
			w.logf("worker %d: accept: %v", w.id, errno)
		}
		if !w.lns[i].armed && w.acceptErr == 0 {
			w.acceptErr = w.clock() + w.cfg.TimerTick // EMFILE and friends: back off
		}
		return
	}
	if !w.lns[i].armed && !w.draining {
		w.armAccept(i)
	}
	fd := int(cqe.Res)
	if w.live >= w.cfg.MaxConns {
		w.stats.rejected.Add(1)
		w.sqe().PrepClose(fd, pack(opClose, 0, 0))
		return
	}
	w.open(fd, w.lns[i].factory)
}

func (w *worker) open(fd int, factory transport.Factory) {
	slot := w.alloc()
	c := w.conns[slot]
	c.fd, c.flags, c.err, c.asked, c.eaten = fd, 0, nil, 0, 0
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	info := transport.Info{
		Local:  localAddr(fd),
		Remote: remoteAddr(fd),
		Worker: w.id,
		Waker:  &waker{w: w, key: pack(opNone, c.gen, slot)},
	}
	c.c = factory(info)
	w.live++
	w.stats.accepted.Add(1)
	w.armRecv(slot, c)
	if w.draining {
		c.flags |= fDrained
		c.c.Drain()
	}
	w.after(slot, c)
}

func (w *worker) alloc() uint32 {
	if n := len(w.free); n > 0 {
		slot := w.free[n-1]
		w.free = w.free[:n-1]
		return slot
	}
	slot := uint32(len(w.conns))
	w.conns = append(w.conns, &conn{fd: -1})
	w.wheel.grow(len(w.conns))
	return slot
}

func (w *worker) armRecv(slot uint32, c *conn) {
	c.flags |= fRecv
	c.flags &^= fCancel
	w.sqe().PrepMultishotRecv(c.fd, w.br.Group(), pack(opRecv, c.gen, slot))
}

func (w *worker) onRecv(slot uint32, c *conn, cqe *uring.CQE, bid uint16, hasBuf bool) {
	if !cqe.More() {
		c.flags &^= fRecv
	}
	if c.flags&fLinger != 0 {
		w.onLingerRecv(slot, c, cqe.Res)
		return
	}
	if c.flags&fClosing != 0 {
		w.maybeFinish(slot, c)
		return
	}
	switch res := cqe.Res; {
	case res > 0 && hasBuf:
		if !c.st.Close { // a closing Conn takes no more input
			w.deliver(slot, c, w.br.Buf(bid)[:res])
		}
	case res == 0:
		c.flags |= fEOF
	case res == -int32(unix.ENOBUFS):
		w.stats.enobufs.Add(1)
	case res == -int32(unix.ECANCELED):
	default:
		w.beginClose(slot, c, unix.Errno(-res))
		return
	}
	if c.c != nil && c.flags&fClosing == 0 {
		w.after(slot, c)
	}
}

// deliver hands received bytes to the Conn, through the staging buffer when
// earlier bytes are still unconsumed or input is paused.
func (w *worker) deliver(slot uint32, c *conn, p []byte) {
	if c.flags&fPaused != 0 || len(c.in) > 0 {
		w.stage(c, p)
		if c.flags&fPaused == 0 {
			w.present(slot, c)
		}
	} else {
		n := clamp(c.c.Recv(p), len(p))
		if n < len(p) {
			w.stage(c, p[n:])
		}
	}
	if len(c.in) > w.cfg.MaxInput {
		w.beginClose(slot, c, ErrInputOverflow)
	}
}

// present offers the staged bytes to the Conn again.
func (w *worker) present(slot uint32, c *conn) {
	n := clamp(c.c.Recv(c.in), len(c.in))
	c.in = c.in[:copy(c.in, c.in[n:])]
	if len(c.in) == 0 {
		w.putIn(c)
	}
}

// Staging buffers are taken from the worker's free list when a connection
// leaves input unconsumed and go back as soon as they are empty, so idle
// connections hold none; the list keeps at most maxInFree buffers of at
// most 4 × RecvBufSize.
const maxInFree = 64

// stage appends p to the connection's staging buffer.
func (w *worker) stage(c *conn, p []byte) {
	if c.in == nil {
		if n := len(w.inFree); n > 0 {
			c.in = w.inFree[n-1]
			w.inFree[n-1] = nil
			w.inFree = w.inFree[:n-1]
		} else {
			c.in = make([]byte, 0, max(w.cfg.RecvBufSize, len(p)))
		}
	}
	c.in = append(c.in, p...)
}

// putIn takes the connection's (empty) staging buffer back.
func (w *worker) putIn(c *conn) {
	if c.in != nil && cap(c.in) <= 4*w.cfg.RecvBufSize && len(w.inFree) < maxInFree {
		w.inFree = append(w.inFree, c.in[:0])
	}
	c.in = nil
}

func clamp(n, limit int) int { return min(max(n, 0), limit) }

func (w *worker) onSend(slot uint32, c *conn, res int32) {
	c.flags &^= fSend
	w.stats.sends.Add(1)
	if c.flags&fClosing != 0 {
		w.maybeFinish(slot, c)
		return
	}
	switch {
	case res < 0:
		w.beginClose(slot, c, unix.Errno(-res))
		return
	case res == 0:
		w.beginClose(slot, c, io.ErrShortWrite)
		return
	case int(res) < c.asked:
		w.stats.partial.Add(1)
	}
	c.c.Written(int(res))
	w.after(slot, c)
}

func (w *worker) onTimer(slot uint32) {
	c := w.conns[slot]
	if c.flags&fLinger != 0 {
		w.endLinger(slot, c)
		return
	}
	if c.c == nil || c.flags&fClosing != 0 {
		return
	}
	w.stats.timeouts.Add(1)
	c.c.Timeout()
	if c.flags&fSend != 0 && c.c.Status().Close {
		// The write itself made no progress: abandon it.
		w.beginClose(slot, c, errWriteTimeout)
		return
	}
	w.after(slot, c)
}

var errWriteTimeout = errors.New("write timed out")

// after applies the Conn's Status after any call into it: timer, read
// side, output, close.
func (w *worker) after(slot uint32, c *conn) {
	for {
		st := c.c.Status()
		c.st = st
		if st.Timeout > 0 {
			w.wheel.set(int32(slot), w.now+st.Timeout)
		} else {
			w.wheel.stop(int32(slot))
		}
		if st.PauseRead {
			c.flags |= fPaused
			if len(c.in) > w.cfg.MaxInput/4 && c.flags&(fRecv|fCancel) == fRecv {
				c.flags |= fCancel
				w.sqe().PrepCancel(pack(opRecv, c.gen, slot), 0, pack(opCancel, 0, 0))
			}
		} else if c.flags&fPaused != 0 {
			c.flags &^= fPaused
			if len(c.in) > 0 && !st.Close {
				w.present(slot, c)
				continue // new Status after the Recv
			}
		}
		break
	}
	st := c.st
	if c.flags&(fRecv|fEOF|fPaused) == 0 && !st.Close {
		w.armRecv(slot, c)
	}
	if c.flags&fSend == 0 {
		if w.send(slot, c) {
			return
		}
		if st.Close {
			w.beginClose(slot, c, nil)
		} else if c.flags&fEOF != 0 {
			w.atEOF(slot, c, st)
		}
	}
}

// atEOF decides what a connection whose peer has closed its side (no
// more requests will come) does when it has nothing to send and does not
// ask to close: while the Conn pauses reading it is busy (a yielded
// script, a full pipe) and its Resume or timer comes later; input it
// leaves unconsumed (a truncated request) closes it with
// io.ErrUnexpectedEOF; otherwise it is asked once to Drain, to finish what
// it has received and then close (its timers bound the wait).
func (w *worker) atEOF(slot uint32, c *conn, st transport.Status) {
	switch {
	case st.PauseRead:
	case len(c.in) > 0:
		n := len(c.in)
		w.present(slot, c)
		if len(c.in) < n {
			w.after(slot, c) // progress: look again
			return
		}
		w.beginClose(slot, c, io.ErrUnexpectedEOF)
	case c.flags&fDrained == 0:
		c.flags |= fDrained
		c.c.Drain()
		if c.c != nil && c.flags&fClosing == 0 {
			w.after(slot, c)
		}
	}
}

// send starts a sendmsg of the Conn's pending output; false if none.
func (w *worker) send(slot uint32, c *conn) bool {
	pend := c.c.Pending(w.pend[:0])
	n, total := 0, 0
	for _, p := range pend {
		if len(p) == 0 {
			continue
		}
		if n == maxIov {
			break
		}
		c.iov[n].Base = &p[0]
		c.iov[n].SetLen(len(p))
		n++
		total += len(p)
	}
	clear(pend)
	if cap(pend) > cap(w.pend) {
		w.pend = pend[:0]
	}
	if total == 0 {
		return false
	}
	c.msg = unix.Msghdr{Iov: &c.iov[0]}
	c.msg.SetIovlen(n)
	c.asked = total
	c.flags |= fSend
	w.sends++
	w.sqe().PrepSendmsg(c.fd, &c.msg, unix.MSG_NOSIGNAL, pack(opSend, c.gen, slot))
	return true
}

// beginClose starts closing: cancel what is in flight, then finish. An
// orderly close of a connection whose peer may still be sending lingers
// first (linger).
func (w *worker) beginClose(slot uint32, c *conn, err error) {
	if c.flags&fClosing != 0 {
		return
	}
	if err == nil && c.flags&(fEOF|fSend) == 0 && w.cfg.Linger > 0 && !w.forced {
		w.linger(slot, c)
		return
	}
	c.flags |= fClosing
	c.err = err
	w.wheel.stop(int32(slot))
	if c.flags&(fRecv|fSend) != 0 {
		w.sqe().PrepCancelFD(c.fd, pack(opCancel, 0, 0))
	}
	w.maybeFinish(slot, c)
}

// linger starts a lingering close (nginx's lingering_close): closing a
// socket with unread input makes the kernel answer with a reset, which
// can destroy our last response before the peer has read it. So the Conn
// is closed now (no send is in flight), the write side is shut down (the
// peer sees EOF after our last byte), and input is read and discarded
// until the peer's EOF, an error, Config.LingerBytes or Config.Linger;
// then the socket is closed.
func (w *worker) linger(slot uint32, c *conn) {
	c.flags |= fClosing | fLinger
	if c.flags&fHeld != 0 {
		c.flags &^= fHeld
		w.held--
	}
	cc := c.c
	c.c = nil
	c.in = c.in[:0]
	w.putIn(c)
	w.stats.closed.Add(1)
	cc.Close(nil)
	// A direct shutdown(2), not IORING_OP_SHUTDOWN: the kernel always
	// punts that op to an io-wq thread, which looks the descriptor up
	// late; if the lingering ended and the socket was closed meanwhile, it
	// could shut down a new connection that reused the number (seen in
	// tests), and the handoff costs more than the syscall.
	if err := unix.Shutdown(c.fd, unix.SHUT_WR); err != nil {
		c.flags &^= fLinger // the peer is gone: close now
		if c.flags&fRecv != 0 {
			w.sqe().PrepCancelFD(c.fd, pack(opCancel, 0, 0))
		}
		w.maybeFinish(slot, c)
		return
	}
	if c.flags&fRecv == 0 {
		w.armRecv(slot, c)
	}
	w.wheel.set(int32(slot), w.now+w.cfg.Linger)
}

// onLingerRecv discards input of a lingering connection; EOF, an error
// or the byte limit end the lingering, a cancelled recv is armed again.
func (w *worker) onLingerRecv(slot uint32, c *conn, res int32) {
	switch {
	case res > 0:
		c.eaten += int(res)
		if c.eaten >= w.cfg.LingerBytes {
			w.endLinger(slot, c)
			return
		}
	case res == -int32(unix.ENOBUFS):
	case res == -int32(unix.ECANCELED):
		// A back-pressure cancel (after) still in flight when the
		// lingering started: read on. Cancels that end the lingering
		// (endLinger) clear fLinger first and do not come here.
	default: // EOF or an error
		if f := w.cfg.lingerEnd; f != nil {
			f(res)
		}
		w.endLinger(slot, c)
		return
	}
	if c.flags&fRecv == 0 {
		w.armRecv(slot, c)
	}
}

// endLinger closes a lingering connection once its recv has ended.
func (w *worker) endLinger(slot uint32, c *conn) {
	c.flags &^= fLinger
	w.wheel.stop(int32(slot))
	if c.flags&fRecv != 0 {
		w.sqe().PrepCancelFD(c.fd, pack(opCancel, 0, 0))
	}
	w.maybeFinish(slot, c)
}

// maybeFinish completes a close once no recv or send is in flight.
func (w *worker) maybeFinish(slot uint32, c *conn) {
	if c.flags&(fRecv|fSend) == 0 {
		w.finish(slot, c, false)
	}
}

// finish closes the socket, calls Conn.Close and frees the slot.
func (w *worker) finish(slot uint32, c *conn, direct bool) {
	if direct {
		unix.Close(c.fd)
	} else {
		w.sqe().PrepClose(c.fd, pack(opClose, 0, 0))
	}
	if c.flags&fHeld != 0 {
		w.held--
	}
	cc, err := c.c, c.err
	c.c, c.err, c.fd, c.flags = nil, nil, -1, 0
	c.gen = (c.gen + 1) & genMask
	c.msg = unix.Msghdr{}
	clear(c.iov[:])
	c.in = c.in[:0]
	w.putIn(c)
	w.wheel.stop(int32(slot))
	w.free = append(w.free, slot)
	w.live--
	if cc != nil { // nil: closed when lingering started
		w.stats.closed.Add(1)
		cc.Close(err)
	}
}

// Wakes and control.

type waker struct {
	w   *worker
	key uint64 // generation and slot of the connection
}

// Wake schedules Conn.Resume on the connection's loop.
func (k *waker) Wake() { k.w.enqueueWake(k.key) }

// Hold is called on the loop by a Conn that started off-loop work.
func (k *waker) Hold() {
	_, gen, slot := unpack(k.key)
	if c := k.w.lookup(slot, gen); c != nil && c.c != nil && c.flags&fHeld == 0 {
		c.flags |= fHeld
		k.w.held++
	}
}

func (w *worker) enqueueWake(key uint64) {
	w.wakeMu.Lock()
	w.wakeQ = append(w.wakeQ, key)
	w.wakeMu.Unlock()
	if w.wakeFlag.CompareAndSwap(false, true) {
		w.kick()
	}
}

// kick makes the worker's ring see its eventfd; after teardown it does
// nothing.
func (w *worker) kick() {
	w.wakeMu.Lock()
	if w.efd >= 0 {
		unix.Write(w.efd, eventfdOne[:])
	}
	w.wakeMu.Unlock()
}

func (w *worker) requestDrain(deadline time.Time) {
	d := deadline.UnixNano()
	for {
		old := w.deadline.Load()
		if w.drainReq.Load() && old <= d {
			break
		}
		if w.deadline.CompareAndSwap(old, d) {
			break
		}
	}
	w.drainReq.Store(true)
	w.kick()
}

func (w *worker) armWake() {
	w.efArm = true
	w.sqe().PrepRead(w.efd, w.efRead[:], pack(opWake, 0, 0))
}

func (w *worker) onWake() {
	w.efArm = false
	w.armWake()
	w.wakeFlag.Store(false)
	w.wakeMu.Lock()
	w.wakeQ, w.wakeBuf = w.wakeBuf[:0], w.wakeQ
	w.wakeMu.Unlock()
	for _, key := range w.wakeBuf {
		_, gen, slot := unpack(key)
		c := w.lookup(slot, gen)
		if c == nil || c.flags&fClosing != 0 {
			continue
		}
		if c.flags&fHeld != 0 {
			c.flags &^= fHeld
			w.held--
		}
		c.c.Resume()
		if c.c != nil && c.flags&fClosing == 0 {
			w.after(slot, c)
		}
	}
}

func (w *worker) startDrain() {
	w.draining = true
	// An accept backing off (EMFILE) stays unarmed: its retry time must
	// not bound the waits any more (the loop would spin once it passed),
	// and its socket refuses new connections from now on, as those of
	// the cancelled accepts will.
	w.acceptErr = 0
	for i := range w.lns {
		switch ln := &w.lns[i]; {
		case ln.armed:
			w.sqe().PrepCancel(pack(opAccept, 0, uint32(i)), 0, pack(opCancel, 0, 0))
		case ln.own && ln.fd >= 0:
			unix.Close(ln.fd)
			ln.fd = -1
		}
	}
	for slot, c := range w.conns {
		if c.c != nil && c.flags&(fClosing|fDrained) == 0 {
			c.flags |= fDrained
			c.c.Drain()
			if c.c != nil && c.flags&fClosing == 0 {
				w.after(uint32(slot), c)
			}
		}
	}
}

func (w *worker) forceClose() {
	w.forced = true
	for slot, c := range w.conns {
		switch {
		case c.flags&fLinger != 0:
			w.stats.forced.Add(1)
			w.endLinger(uint32(slot), c)
		case c.c != nil && c.flags&fClosing == 0:
			w.stats.forced.Add(1)
			w.beginClose(uint32(slot), c, ErrDrainTimeout)
		}
	}
}

func (w *worker) logf(format string, args ...any) {
	if w.cfg.Logf != nil {
		w.cfg.Logf(format, args...)
	}
}
