// Package sdk embeds the zeroserve C SDK, the generated header
// include/zeroserve.h, so that zspack can print it (`zspack sdk`) and put it
// on clang's include path without any file outside the binary.
package sdk
