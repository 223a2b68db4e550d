// Package verify is `zspack verify FILE`: a full integrity check of an
// archive. It exits 0 only when the index, the tar and every hash agree.
package verify
