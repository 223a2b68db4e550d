package sdk

import (
	"bytes"
	"os"
	"testing"
)

func TestHeaderIsTheCommittedFile(t *testing.T) {
	want, err := os.ReadFile("include/" + HeaderName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(Header(), want) || len(want) == 0 {
		t.Fatal("embedded header differs from include/zeroserve.h")
	}
}
