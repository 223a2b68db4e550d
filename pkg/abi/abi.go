package abi

import "strings"

// Entry sections. A script function placed in one of these ELF sections is an
// entry point the runtime calls; everything else is reached only by calls.
const (
	// SectionRequest holds the per-request entry (the SDK's ZS_ENTRY). It is
	// called with no arguments; its return value is reserved (scripts return 0).
	SectionRequest = "zeroserve.request"
	// SectionCallPrefix starts the section of a callable entry (the SDK's
	// ZS_CALL_ENTRY(name, input)): "zeroserve.call.<name>". It is called with
	// r1 pointing to the input JSON handle (8 bytes, little-endian: the
	// engine's input buffer) and returns a JSON handle, or a negative value on
	// failure.
	SectionCallPrefix = "zeroserve.call."
)

// CallSection returns the section name of the callable entry name.
func CallSection(name string) string { return SectionCallPrefix + name }

// IsEntrySection reports whether section marks an entry point the runtime
// knows: the request entry or a callable entry with a non-empty name.
func IsEntrySection(section string) bool {
	if section == SectionRequest {
		return true
	}
	name, ok := strings.CutPrefix(section, SectionCallPrefix)
	return ok && name != ""
}

// Return conventions shared by the helpers (each helper's doc says which
// apply). String-out helpers return the full length of the value (not
// counting the NUL) and write min(len, out_len-1) bytes plus a NUL; with
// out_len 0 they write nothing and only return the length.
const (
	// OK is the result of a helper that succeeded and has nothing to return.
	OK = 0
	// Error is the result of a helper that failed: invalid argument, bad or
	// freed handle, missing value where one is required, parse failure.
	Error = -1
	// True and False are the results of predicate helpers.
	True  = 1
	False = 0
)

// Limits scripts can rely on.
const (
	// MaxJSONHandles is the number of JSON handles a script run may hold at
	// once; creating one more fails with Error until a handle is freed.
	MaxJSONHandles = 32
	// SHA256Size is the length of a SHA-256 digest or HMAC-SHA256 tag.
	SHA256Size = 32
	// EnvPrefix is the prefix of the environment variables zs_env_get may
	// read when the operator allow-lists nothing else.
	EnvPrefix = "ZEROSERVE_ENV_"
)

// Encodings for zs_base64_encode and zs_base64_decode_in_place.
const (
	Base64Standard      = 0 // RFC 4648 §4, with '=' padding
	Base64StandardNoPad = 1 // RFC 4648 §4, no padding
	Base64URL           = 2 // RFC 4648 §5, with '=' padding
	Base64URLNoPad      = 3 // RFC 4648 §5, no padding
)

// Case flags for zs_hex_encode.
const (
	HexLowercase = 0
	HexUppercase = 1
)

// JSON node types returned by zs_json_type.
const (
	JSONNull   = 0
	JSONBool   = 1
	JSONNumber = 2
	JSONString = 3
	JSONArray  = 4
	JSONObject = 5
)

// Constant is a named integer the C header defines as a macro.
type Constant struct {
	Name  string // C macro name
	Value int64
	Doc   string // one line
	Group string // heading the header and docs list it under
}

// Constants lists the C macros of the SDK, grouped, in header order.
func Constants() []Constant { return constants }

var constants = []Constant{
	{"ZS_BASE64_STANDARD", Base64Standard, "standard alphabet, padded", "base64 encodings"},
	{"ZS_BASE64_STANDARD_NO_PAD", Base64StandardNoPad, "standard alphabet, no padding", "base64 encodings"},
	{"ZS_BASE64_URL", Base64URL, "URL-safe alphabet, padded", "base64 encodings"},
	{"ZS_BASE64_URL_NO_PAD", Base64URLNoPad, "URL-safe alphabet, no padding", "base64 encodings"},
	{"ZS_HEX_LOWERCASE", HexLowercase, "digits a-f", "hex case"},
	{"ZS_HEX_UPPERCASE", HexUppercase, "digits A-F", "hex case"},
	{"ZS_JSON_NULL", JSONNull, "null", "JSON node types"},
	{"ZS_JSON_BOOL", JSONBool, "true or false", "JSON node types"},
	{"ZS_JSON_NUMBER", JSONNumber, "number", "JSON node types"},
	{"ZS_JSON_STRING", JSONString, "string", "JSON node types"},
	{"ZS_JSON_ARRAY", JSONArray, "array", "JSON node types"},
	{"ZS_JSON_OBJECT", JSONObject, "object", "JSON node types"},
	{"ZS_OK", OK, "success with nothing to return", "return codes"},
	{"ZS_ERROR", Error, "failure (bad argument, bad handle, parse error)", "return codes"},
	{"ZS_MAX_JSON_HANDLES", MaxJSONHandles, "JSON handles one script run may hold at once", "limits"},
	{"ZS_SHA256_SIZE", SHA256Size, "bytes in a SHA-256 digest or HMAC-SHA256 tag", "limits"},
}
