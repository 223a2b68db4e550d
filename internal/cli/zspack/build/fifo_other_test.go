//go:build !unix

package build

import "errors"

func mkfifo(path string) error { return errors.ErrUnsupported }
