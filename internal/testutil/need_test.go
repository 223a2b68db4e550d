package testutil

import "testing"

func TestCI(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{{"", false}, {"false", false}, {"0", false}, {"true", true}, {"1", true}} {
		t.Setenv("CI", tt.v)
		if got := CI(); got != tt.want {
			t.Errorf("CI=%q: CI() = %v, want %v", tt.v, got, tt.want)
		}
	}
}

func TestToolFound(t *testing.T) {
	if p := Tool(t, "sh", "Debian package dash"); p == "" {
		t.Fatal("sh not found")
	}
}
