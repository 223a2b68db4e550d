//go:build !unix

package inspect

import "errors"

func mkfifo(path string) error { return errors.ErrUnsupported }
