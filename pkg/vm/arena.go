package vm

import (
	"errors"
	"fmt"
	"math/bits"
)

// Arena sizing.
const (
	// DefaultScratch is the minimum scratch space (between the image and the
	// stack) of an arena sized automatically.
	DefaultScratch = 64 << 10
	// MaxArenaSize bounds the arena of one instance.
	MaxArenaSize = 1 << 30
	// ArenaPad is the number of zero bytes after the arena, so that a masked
	// 8-byte load at the last address stays inside the mapping.
	ArenaPad = 16
	// DirtyShift is log2 of the granule of dirty tracking: a store at writable
	// offset o sets bit (o>>DirtyShift)&63 of Dirty()[o>>(DirtyShift+6)].
	DirtyShift = 9
	dirtyChunk = 1 << DirtyShift
)

// ErrClosed is returned when an arena or instance is used after Close.
var ErrClosed = errors.New("vm: arena closed")

// Arena is the guest memory of one instance: a power-of-two region outside
// the Go heap (mmap on Linux). Guest pointers are offsets into it. The layout
// is described at ImageBase: a zero guard page, the read-only image, the
// writable window [WritableBase, Size) holding .data, .bss, scratch and the
// stack (whose top, Size, is the initial r10).
//
// Reads by the guest are masked into [0, Size); stores must fall in the
// writable window (engines check). Every write into the window is recorded in
// a dirty bitmap so that Reset restores only what changed: the initial .data
// and .bss bytes, zeros elsewhere.
//
// An Arena is not safe for concurrent use. Close releases the mapping;
// slices returned by Mem and WritableMem must not be used after that.
type Arena struct {
	mem      []byte // Size()+ArenaPad bytes
	size     uint64
	wbase    uint64
	scratch  uint64
	pristine []byte // initial bytes of the writable window (.data, .bss)
	dirty    []uint64
	release  func() error
}

// MinArenaSize returns the smallest power-of-two arena holding p's image,
// scratch bytes of scratch space and the stack.
func MinArenaSize(p *Program, scratch uint64) uint64 {
	need := alignUp(ImageBase+uint64(len(p.Image)), 8) + scratch + StackSize
	if need <= 1<<16 {
		return 1 << 16
	}
	return 1 << bits.Len64(need-1)
}

func alignUp(v, a uint64) uint64 { return (v + a - 1) &^ (a - 1) }

// NewArena maps an arena of size bytes (0: MinArenaSize(p, DefaultScratch))
// and loads p's image into it.
func NewArena(p *Program, size uint64) (*Arena, error) {
	if size == 0 {
		size = MinArenaSize(p, DefaultScratch)
	}
	wb := p.WritableBase
	end := ImageBase + uint64(len(p.Image))
	switch {
	case size&(size-1) != 0 || size > MaxArenaSize:
		return nil, fmt.Errorf("new arena: size %#x is not a power of two up to %#x", size, MaxArenaSize)
	case wb < ImageBase || wb%PageSize != 0:
		return nil, fmt.Errorf("new arena: writable base %#x is not a page boundary at or above %#x", wb, ImageBase)
	case max(wb, alignUp(end, 8))+StackSize > size:
		return nil, fmt.Errorf("new arena: image (%d bytes) and stack do not fit in %#x bytes", len(p.Image), size)
	}
	mem, release, err := mapArena(int(size + ArenaPad))
	if err != nil {
		return nil, fmt.Errorf("new arena: %w", err)
	}
	a := &Arena{
		mem:     mem[:size+ArenaPad],
		size:    size,
		wbase:   wb,
		scratch: max(wb, alignUp(end, 8)),
		dirty:   make([]uint64, ((size-wb)>>(DirtyShift+6))+1),
		release: release,
	}
	copy(a.mem[ImageBase:], p.Image)
	if wb < end {
		a.pristine = p.Image[wb-ImageBase:]
	}
	return a, nil
}

// Size returns the arena size (a power of two); Size() is the initial r10.
func (a *Arena) Size() uint64 { return a.size }

// WritableBase returns the first writable guest address.
func (a *Arena) WritableBase() uint64 { return a.wbase }

// Scratch returns the guest address and length of the scratch area between
// the image and the stack.
func (a *Arena) Scratch() (addr, n uint64) { return a.scratch, a.size - StackSize - a.scratch }

// Mem returns the n bytes of guest memory at addr for reading, without
// copying. The range must lie in [ImageBase, Size); otherwise the error is
// ErrBadArg, which a helper may return as is. The slice must not be written.
func (a *Arena) Mem(addr, n uint64) ([]byte, error) {
	if addr < ImageBase || addr > a.size || n > a.size-addr {
		return nil, ErrBadArg
	}
	return a.mem[addr : addr+n : addr+n], nil
}

// WritableMem returns the n bytes of guest memory at addr for writing,
// without copying. The range must lie in the writable window; otherwise the
// error is ErrBadArg. The range is recorded for Reset.
func (a *Arena) WritableMem(addr, n uint64) ([]byte, error) {
	if addr < a.wbase || addr > a.size || n > a.size-addr {
		return nil, ErrBadArg
	}
	a.MarkDirty(addr, n)
	return a.mem[addr : addr+n : addr+n], nil
}

// PutInput copies b to the start of the scratch area and returns its guest
// address.
func (a *Arena) PutInput(b []byte) (uint64, error) {
	addr, n := a.Scratch()
	if uint64(len(b)) > n {
		return 0, fmt.Errorf("vm: input of %d bytes exceeds scratch space (%d bytes)", len(b), n)
	}
	w, err := a.WritableMem(addr, uint64(len(b)))
	if err != nil {
		return 0, err
	}
	copy(w, b)
	return addr, nil
}

// MarkDirty records a write of n bytes at guest address addr, which must be
// in the writable window.
func (a *Arena) MarkDirty(addr, n uint64) {
	if n == 0 || addr < a.wbase {
		return
	}
	first, last := (addr-a.wbase)>>DirtyShift, (addr-a.wbase+n-1)>>DirtyShift
	for c := first; c <= last && c>>6 < uint64(len(a.dirty)); c++ {
		a.dirty[c>>6] |= 1 << (c & 63)
	}
}

// Reset restores the writable window to its initial content: .data bytes
// and zeros, for the chunks written since the last Reset.
func (a *Arena) Reset() {
	for w, bitsSet := range a.dirty {
		for bitsSet != 0 {
			b := uint64(bits.TrailingZeros64(bitsSet))
			bitsSet &= bitsSet - 1
			a.restore(uint64(w)<<6 | b)
		}
		a.dirty[w] = 0
	}
}

// restore rewrites chunk c of the writable window, plus the 8 bytes after it
// (a store straddling the chunk end is recorded only in chunk c).
func (a *Arena) restore(c uint64) {
	lo := c << DirtyShift
	hi := min(lo+dirtyChunk+8, a.size-a.wbase)
	if lo >= hi {
		return
	}
	dst := a.mem[a.wbase+lo : a.wbase+hi]
	n := 0
	if lo < uint64(len(a.pristine)) {
		n = copy(dst, a.pristine[lo:])
	}
	clear(dst[n:])
}

// Bytes returns the whole arena plus ArenaPad zero bytes. It is meant for
// engines: any write through it must be inside the writable window and be
// recorded in the Dirty bitmap (or with MarkDirty).
func (a *Arena) Bytes() []byte { return a.mem }

// Dirty returns the dirty bitmap (see DirtyShift), for engines.
func (a *Arena) Dirty() []uint64 { return a.dirty }

// Close releases the memory. The arena must not be used afterwards.
func (a *Arena) Close() error {
	if a.release == nil {
		return nil
	}
	err := a.release()
	a.release, a.mem, a.pristine, a.size, a.dirty = nil, nil, nil, 0, nil
	return err
}
