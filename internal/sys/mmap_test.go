package sys

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestMapFile(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"small", []byte("hello")},
		{"pages", bytes.Repeat([]byte("0123456789abcdef"), 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b, err := MapFile(f)
			if err != nil {
				t.Fatalf("MapFile: %v", err)
			}
			if !bytes.Equal(b, tt.data) {
				t.Errorf("mapping = %d bytes, want %d bytes equal to the file", len(b), len(tt.data))
			}
			if err := Unmap(b); err != nil {
				t.Errorf("Unmap: %v", err)
			}
		})
	}
}
