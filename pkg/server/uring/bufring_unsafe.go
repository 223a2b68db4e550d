//go:build linux

package uring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BufRingOptions configures a provided buffer ring.
type BufRingOptions struct {
	Group   uint16 // buffer group id, used in SQE.BufIndex with SQEBufferSelect
	Entries uint32 // number of buffers, a power of two ≤ 32768
	Size    int    // bytes per buffer
}

// BufRing is a provided buffer ring registered with IORING_REGISTER_PBUF_RING.
// The ring and the buffers are anonymous mappings outside the Go heap. The
// kernel picks a buffer for each receive; the completion names it
// (CQE.Buffer) and the caller hands it back with Recycle, then Commit.
type BufRing struct {
	r       *Ring
	group   uint16
	mask    uint16
	size    int
	tail    uint16 // next entry the kernel will see after Commit
	ringMem []byte
	data    []byte
	bufs    []ringBuf
	tailW   *uint32 // 32-bit word holding bufs[0].bid and the ring tail
}

// ringBuf is struct io_uring_buf; the ring tail overlays bufs[0].resv.
type ringBuf struct {
	addr uint64
	len  uint32
	bid  uint16
	resv uint16
}

// bufReg is struct io_uring_buf_reg.
type bufReg struct {
	ringAddr    uint64
	ringEntries uint32
	bgid        uint16
	flags       uint16
	resv        [3]uint64
}

// NewBufRing creates and registers a buffer ring with all buffers available.
func (r *Ring) NewBufRing(o BufRingOptions) (*BufRing, error) {
	if o.Entries == 0 || o.Entries&(o.Entries-1) != 0 || o.Entries > 1<<15 || o.Size <= 0 {
		return nil, fmt.Errorf("buffer ring: bad size %d×%d", o.Entries, o.Size)
	}
	b := &BufRing{r: r, group: o.Group, mask: uint16(o.Entries - 1), size: o.Size}
	var err error
	anon := unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	if b.ringMem, err = unix.Mmap(-1, 0, int(o.Entries)*16, unix.PROT_READ|unix.PROT_WRITE, anon); err != nil {
		return nil, fmt.Errorf("mmap buffer ring: %w", err)
	}
	if b.data, err = unix.Mmap(-1, 0, int(o.Entries)*o.Size, unix.PROT_READ|unix.PROT_WRITE, anon); err != nil {
		unix.Munmap(b.ringMem)
		return nil, fmt.Errorf("mmap buffers: %w", err)
	}
	b.bufs = unsafe.Slice((*ringBuf)(unsafe.Pointer(&b.ringMem[0])), o.Entries)
	b.tailW = (*uint32)(unsafe.Pointer(&b.ringMem[12]))
	reg := bufReg{ringAddr: uint64(uintptr(unsafe.Pointer(&b.ringMem[0]))), ringEntries: o.Entries, bgid: o.Group}
	if err := r.register(registerPbufRing, unsafe.Pointer(&reg), 1); err != nil {
		b.unmap()
		return nil, fmt.Errorf("register buffer ring: %w", err)
	}
	for i := uint32(0); i < o.Entries; i++ {
		b.Recycle(uint16(i))
	}
	b.Commit()
	return b, nil
}

// Group returns the buffer group id.
func (b *BufRing) Group() uint16 { return b.group }

// Size returns the size of each buffer.
func (b *BufRing) Size() int { return b.size }

// Buf returns buffer bid (its full length; slice it to the CQE's Res).
func (b *BufRing) Buf(bid uint16) []byte {
	off := int(bid&b.mask) * b.size
	return b.data[off : off+b.size : off+b.size]
}

// Recycle queues buffer bid for the kernel; it becomes visible at Commit.
// At most Entries buffers may be queued between commits.
func (b *BufRing) Recycle(bid uint16) {
	bid &= b.mask
	e := &b.bufs[b.tail&b.mask]
	e.addr = uint64(uintptr(unsafe.Pointer(&b.data[int(bid)*b.size])))
	e.len = uint32(b.size)
	e.bid = bid
	b.tail++
}

// Commit publishes the recycled buffers to the kernel (release store of the
// 16-bit ring tail, done as a 32-bit store of the word it shares with
// bufs[0].bid, which only this side writes).
func (b *BufRing) Commit() {
	w := uint32(b.bufs[0].bid)
	if littleEndian {
		w |= uint32(b.tail) << 16
	} else {
		w = w<<16 | uint32(b.tail)
	}
	atomic.StoreUint32(b.tailW, w)
}

// Close unregisters the ring and releases its memory. The caller must make
// sure no receive that selects from it is still armed.
func (b *BufRing) Close() error {
	if b.ringMem == nil {
		return nil
	}
	reg := bufReg{bgid: b.group}
	var err error
	if b.r.fd >= 0 {
		err = b.r.register(unregisterPbufRing, unsafe.Pointer(&reg), 1)
		if err != nil {
			err = fmt.Errorf("unregister buffer ring: %w", err)
		}
	}
	return errors.Join(err, b.unmap())
}

func (b *BufRing) unmap() error {
	err := errors.Join(unix.Munmap(b.data), unix.Munmap(b.ringMem))
	b.data, b.ringMem, b.bufs, b.tailW = nil, nil, nil, nil
	return err
}

var littleEndian = func() bool { x := uint16(1); return *(*byte)(unsafe.Pointer(&x)) == 1 }()
