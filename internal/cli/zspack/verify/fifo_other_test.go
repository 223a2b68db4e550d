//go:build !unix

package verify

import "errors"

func mkfifo(path string) error { return errors.ErrUnsupported }
