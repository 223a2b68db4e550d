package sdk

import _ "embed"

// HeaderName is the file name scripts include: #include "zeroserve.h".
const HeaderName = "zeroserve.h"

//go:embed include/zeroserve.h
var header []byte

// Header returns the content of zeroserve.h. Callers must not modify it.
func Header() []byte { return header }
