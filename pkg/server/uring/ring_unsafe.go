//go:build linux

package uring

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

func loadAcquire(p *uint32) uint32     { return atomic.LoadUint32(p) }
func storeRelease(p *uint32, v uint32) { atomic.StoreUint32(p, v) }

func setup(entries uint32, p *params) (int, error) {
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0)
	if errno != 0 {
		return -1, errno
	}
	return int(fd), nil
}

func (r *Ring) enter(toSubmit, minComplete, flags uint32, timed bool) (int, error) {
	var arg unsafe.Pointer
	var argSz uintptr
	if r.features&FeatExtArg != 0 {
		flags |= enterExtArg
		r.arg = getEventsArg{sigmaskSz: 8}
		if timed {
			r.arg.ts = uint64(uintptr(unsafe.Pointer(&r.ts)))
		}
		arg, argSz = unsafe.Pointer(&r.arg), unsafe.Sizeof(r.arg)
	}
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit),
		uintptr(minComplete), uintptr(flags), uintptr(arg), argSz)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func (r *Ring) register(op uintptr, arg unsafe.Pointer, n uintptr) error {
	for {
		_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), op, uintptr(arg), n, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		return nil
	}
}

func (p *probeRaw) ptr() unsafe.Pointer { return unsafe.Pointer(p) }

// mapRing maps the rings of a freshly set up ring fd.
func mapRing(fd int, p *params) (*Ring, error) {
	r := &Ring{fd: fd, flags: p.flags, features: p.features}
	sqSize := int(p.sqOff.array + p.sqEntries*4)
	cqSize := int(p.cqOff.cqes + p.cqEntries*cqeSize)
	single := p.features&FeatSingleMmap != 0
	if single && cqSize > sqSize {
		sqSize = cqSize
	}
	var err error
	prot, flags := unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE
	if r.sqMem, err = unix.Mmap(fd, offSQRing, sqSize, prot, flags); err != nil {
		return nil, fmt.Errorf("mmap sq ring: %w", err)
	}
	cqMem := r.sqMem
	if !single {
		if r.cqMem, err = unix.Mmap(fd, offCQRing, cqSize, prot, flags); err != nil {
			r.closeMaps()
			return nil, fmt.Errorf("mmap cq ring: %w", err)
		}
		cqMem = r.cqMem
	}
	if r.sqeMem, err = unix.Mmap(fd, offSQEs, int(p.sqEntries)*sqeSize, prot, flags); err != nil {
		r.closeMaps()
		return nil, fmt.Errorf("mmap sqes: %w", err)
	}
	u32 := func(m []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&m[off])) }
	r.sqHead, r.sqTail, r.sqFlags = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail), u32(r.sqMem, p.sqOff.flags)
	r.sqMask, r.sqEntries = *u32(r.sqMem, p.sqOff.ringMask), *u32(r.sqMem, p.sqOff.ringEntries)
	r.cqHead, r.cqTail = u32(cqMem, p.cqOff.head), u32(cqMem, p.cqOff.tail)
	r.cqMask = *u32(cqMem, p.cqOff.ringMask)
	cqEntries := *u32(cqMem, p.cqOff.ringEntries)
	r.sqes = unsafe.Slice((*SQE)(unsafe.Pointer(&r.sqeMem[0])), r.sqEntries)
	r.cqes = unsafe.Slice((*CQE)(unsafe.Pointer(&cqMem[p.cqOff.cqes])), cqEntries)
	if p.flags&SetupNoSQArray == 0 {
		// Identity map: SQE i sits at array slot i for ever.
		arr := unsafe.Slice(u32(r.sqMem, p.sqOff.array), r.sqEntries)
		for i := range arr {
			arr[i] = uint32(i)
		}
	}
	r.sqeTail = *r.sqTail
	return r, nil
}

func (r *Ring) closeMaps() {
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.sqMem} {
		if m != nil {
			unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
}

func init() {
	if unsafe.Sizeof(SQE{}) != sqeSize || unsafe.Sizeof(CQE{}) != cqeSize ||
		unsafe.Sizeof(params{}) != 120 || unsafe.Sizeof(getEventsArg{}) != 24 ||
		unsafe.Sizeof(probeRaw{}) != 16+8*probeOps {
		panic("BUG: io_uring struct layout mismatch")
	}
}
