package vm_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"zeroserve.dev/zeroserve/pkg/vm"
)

// imageProgram: 8 read-only bytes, then at 0x2000 .data "DATA" and 4 bss zeros.
func imageProgram() *vm.Program {
	img := make([]byte, 0x1000+8)
	copy(img, "RODATA!!")
	copy(img[0x1000:], "DATA")
	return &vm.Program{Image: img, WritableBase: 0x2000}
}

func TestArenaLayoutAndAccess(t *testing.T) {
	a, err := vm.NewArena(imageProgram(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	const size = 1 << 18 // the smallest power of two holding image, scratch and stack
	if a.Size() != size || a.WritableBase() != 0x2000 {
		t.Fatalf("size %#x base %#x", a.Size(), a.WritableBase())
	}
	if addr, n := a.Scratch(); addr != 0x2008 || addr+n != a.Size()-vm.StackSize {
		t.Fatalf("scratch %#x+%#x", addr, n)
	}
	tests := []struct {
		name     string
		addr, n  uint64
		writable bool
		ok       bool
	}{
		{"rodata read", vm.ImageBase, 8, false, true},
		{"null read", 0, 1, false, false},
		{"guard read", vm.ImageBase - 1, 2, false, false},
		{"last byte", size - 1, 1, false, true},
		{"past end", size - 1, 2, false, false},
		{"huge length", vm.ImageBase, 1 << 63, false, false},
		{"wrapping", 1<<64 - 1, 2, false, false},
		{"empty at end", size, 0, false, true},
		{"rodata write", vm.ImageBase, 1, true, false},
		{"data write", 0x2000, 4, true, true},
		{"stack write", size - 8, 8, true, true},
		{"write past end", size - 4, 8, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			var err error
			if tt.writable {
				b, err = a.WritableMem(tt.addr, tt.n)
			} else {
				b, err = a.Mem(tt.addr, tt.n)
			}
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, vm.ErrBadArg) {
				t.Fatalf("err = %v, want ErrBadArg", err)
			}
			if err == nil && (uint64(len(b)) != tt.n || cap(b) != len(b)) {
				t.Fatalf("len %d cap %d, want %d", len(b), cap(b), tt.n)
			}
		})
	}
	if b, _ := a.Mem(vm.ImageBase, 8); string(b) != "RODATA!!" {
		t.Errorf("rodata = %q", b)
	}
}

func TestArenaReset(t *testing.T) {
	a, err := vm.NewArena(imageProgram(), 1<<17)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	mem := a.Bytes()
	pristine := bytes.Clone(mem)
	// Dirty .data, a chunk boundary straddle, scratch via PutInput and the
	// stack top.
	w, _ := a.WritableMem(0x2000, 8)
	copy(w, "XXXXXXXX")
	w, _ = a.WritableMem(0x2000+2<<vm.DirtyShift-2, 8) // straddles chunks 1 and 2 of the window
	copy(w, "straddle")
	if _, err := a.PutInput([]byte("input")); err != nil {
		t.Fatal(err)
	}
	w, _ = a.WritableMem(a.Size()-8, 8)
	copy(w, "stacktop")
	a.Reset()
	if !bytes.Equal(mem, pristine) {
		for i := range mem {
			if mem[i] != pristine[i] {
				t.Fatalf("byte %#x = %#x after Reset, want %#x", i, mem[i], pristine[i])
			}
		}
	}
}

func TestNewArenaRejectsBadLayout(t *testing.T) {
	tests := []struct {
		name string
		p    *vm.Program
		size uint64
	}{
		{"size not power of two", &vm.Program{WritableBase: vm.ImageBase}, 3 << 16},
		{"size too large", &vm.Program{WritableBase: vm.ImageBase}, vm.MaxArenaSize * 2},
		{"unaligned base", &vm.Program{WritableBase: vm.ImageBase + 8}, 1 << 16},
		{"base in guard", &vm.Program{WritableBase: 0}, 1 << 16},
		{"image too large", &vm.Program{WritableBase: vm.ImageBase, Image: make([]byte, 1<<16)}, 1 << 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, err := vm.NewArena(tt.p, tt.size); err == nil {
				a.Close()
				t.Fatal("accepted")
			}
		})
	}
}

func TestTrapIsAndFormat(t *testing.T) {
	host := errors.New("boom")
	p := &vm.Program{Lines: []vm.Line{{PC: 0, File: "a.c", Line: 9}}}
	tr := vm.TrapAt(fmt.Errorf("wrapped: %w", host), 3, p)
	if !errors.Is(tr, vm.ErrHelper) || !errors.Is(tr, host) || tr.PC != 3 {
		t.Fatalf("TrapAt(host error) = %+v", tr)
	}
	if got := tr.Error(); got != "vm: trap at insn 3: helper failed (a.c:9): wrapped: boom" {
		t.Errorf("Error() = %q", got)
	}
	bad := vm.TrapAt(vm.BadArg("len > 64"), 1, nil)
	if !errors.Is(bad, vm.ErrBadArg) || errors.Is(bad, vm.ErrStore) || bad.Reason != "len > 64" {
		t.Errorf("BadArg trap = %+v", bad)
	}
	wrapped := vm.TrapAt(fmt.Errorf("header %q: %w", "x", vm.BadArg("too long")), 2, nil)
	if !errors.Is(wrapped, vm.ErrBadArg) || wrapped.Reason != "too long" || wrapped.PC != 2 ||
		wrapped.Error() != `vm: trap at insn 2: too long: header "x": vm: trap: too long` {
		t.Errorf("wrapped BadArg trap = %+v (%q)", wrapped, wrapped.Error())
	}
	if vm.ErrBudget.PC != -1 {
		t.Error("package-level trap was mutated")
	}
}
