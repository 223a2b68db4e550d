// Package httpfield parses and formats the pieces of HTTP field values that
// HTTP/1.1, HTTP/2 and static serving share: comma-separated lists with
// optional white space (RFC 9110 §5.6.1), HTTP-dates (RFC 9110 §5.6.7) and
// hexadecimal digits (chunk sizes, percent-encoding).
// Everything works on byte slices without allocating.
package httpfield
