//go:build !unix

package build

// openFlags: this platform has no O_NOFOLLOW; the Fstat after the open
// still refuses anything but a regular file.
const openFlags = 0
