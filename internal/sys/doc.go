// Package sys is the only importer of golang.org/x/sys/unix. It holds the
// thin platform layer the rest of zeroserve builds on: read-only file mappings
// (MapFile/Unmap; a portable read-into-memory fallback off unix) and, later,
// the io_uring system calls.
package sys
