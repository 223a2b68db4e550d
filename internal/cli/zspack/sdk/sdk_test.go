package sdk

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"zeroserve.dev/zeroserve/internal/cli"
	zsdk "zeroserve.dev/zeroserve/sdk"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args    []string
		output  string
		wantErr bool
	}{
		{nil, "", false},
		{[]string{"-o", "x.h"}, "x.h", false},
		{[]string{"--output=y.h"}, "y.h", false},
		{[]string{"extra"}, "", true},
	}
	for _, tt := range tests {
		var got *Options
		cmd := NewCmdSDK(cli.IO{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if (err != nil) != tt.wantErr {
			t.Errorf("%v: err = %v, wantErr %v", tt.args, err, tt.wantErr)
			continue
		}
		if err == nil && got.Output != tt.output {
			t.Errorf("%v: Output = %q, want %q", tt.args, got.Output, tt.output)
		}
	}
}

func TestRunPrintsHeader(t *testing.T) {
	var out bytes.Buffer
	if err := sdkRun(&Options{IO: cli.IO{Out: &out}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), zsdk.Header()) || !bytes.Contains(out.Bytes(), []byte("#define ZS_ENTRY")) {
		t.Fatal("stdout is not the SDK header")
	}
	path := filepath.Join(t.TempDir(), "zeroserve.h")
	if err := sdkRun(&Options{Output: path}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, zsdk.Header()) {
		t.Fatal("file is not the SDK header")
	}
	if err := sdkRun(&Options{Output: filepath.Join(path, "no", "dir")}); err == nil {
		t.Fatal("writing under a file succeeded")
	}
}
