package abi

// Parameter constructors for the table below.

// val is a scalar parameter.
func val(name, typ string) Param { return Param{Name: name, Type: typ} }

// u64 is a zs_u64 scalar parameter.
func u64(name string) Param { return Param{Name: name, Type: "zs_u64"} }

// ptr is a pointer parameter whose byte length is in parameter length.
func ptr(name, typ, length string) Param { return Param{Name: name, Type: typ, Len: length} }

// fixed is a pointer parameter of a fixed byte length.
func fixed(name, typ string, size int) Param { return Param{Name: name, Type: typ, Size: size} }

// str is a (const char *name, zs_u64 name_len) input pair.
func str(name string) []Param {
	return []Param{ptr(name, "const char *", name+"_len"), u64(name + "_len")}
}

// out is the (char *out, zs_u64 out_len) pair of a string-out helper.
func out() []Param { return []Param{ptr("out", "char *", "out_len"), u64("out_len")} }

func params(groups ...[]Param) []Param {
	var ps []Param
	for _, g := range groups {
		ps = append(ps, g...)
	}
	return ps
}

func one(ps ...Param) []Param { return ps }

const (
	s64 = "zs_s64"

	// stringOut is appended to the doc of every string-out helper.
	stringOut = " String-out: returns the value's full length (see the conventions)."
)

// reqString builds a request-inspection string-out helper.
func reqString(name, doc string) Helper {
	return Helper{Name: name, Return: s64, Params: out(), Family: FamilyRequest, Doc: doc + stringOut}
}

var helpers = []Helper{
	// Log, time and environment.
	{Name: "zs_log", Return: s64, Family: FamilyLog,
		Params: one(ptr("msg", "const char *", "len"), u64("len")),
		Doc:    "Writes msg to the server log, tagged with the request id and the script name. Control bytes, backslashes and invalid UTF-8 are escaped as in a C string literal (a newline is logged as backslash-n, a backslash is doubled); a message longer than 1024 bytes is cut there and marked with \"...\". Returns ZS_OK."},
	{Name: "zs_now_ms", Return: "zs_u64", Family: FamilyLog,
		Doc: "Returns the wall-clock time in milliseconds since the Unix epoch. It is not monotonic: it steps when the system clock is adjusted."},
	{Name: "zs_env_get", Return: s64, Family: FamilyLog,
		Params: params(str("name"), out()),
		Doc:    "Reads the environment variable name of the zeroserve process, as it was when the scripts were loaded (a reload reads it again). Only variables the operator allow-lists are visible: by default those whose name starts with ZEROSERVE_ENV_ (the server configuration can allow further names). Any other variable, and an unset one, reads as the empty string, so a script cannot tell a hidden variable from a missing one." + stringOut},

	// Memory.
	{Name: "zs_memcpy", Return: "void *", Family: FamilyMemory,
		Params: one(ptr("dst", "void *", "n"), ptr("src", "const void *", "n"), val("n", "size_t")),
		Doc:    "Copies n bytes from src to dst and returns dst. Overlapping ranges are copied as if through a temporary buffer (memmove semantics). Faster than a byte loop for large copies."},
	{Name: "zs_memcmp", Return: "int", Family: FamilyMemory,
		Params: one(ptr("a", "const void *", "n"), ptr("b", "const void *", "n"), val("n", "size_t")),
		Doc:    "Compares the first n bytes of a and b as unsigned bytes; returns a negative number, zero or a positive number as a sorts before, equal to or after b."},
	{Name: "zs_memset", Return: "void *", Family: FamilyMemory,
		Params: one(ptr("dst", "void *", "n"), val("c", "int"), val("n", "size_t")),
		Doc:    "Fills n bytes at dst with (unsigned char)c and returns dst."},

	// Request inspection.
	reqString("zs_req_method", "The request method, e.g. GET, as rewritten by earlier scripts."),
	reqString("zs_req_path", "The path of the request target as the client sent it (still percent-encoded), without the query, e.g. /a%20b/c."),
	reqString("zs_req_normalized_path", "The decoded, normalised path that static serving looks up: percent-decoded, dot segments resolved, repeated slashes collapsed, e.g. /a b/c for /x/../a%20b//c. Empty when the path cannot be normalised (\"..\" above the root, an encoded '/', a malformed escape, a control byte or invalid UTF-8): static serving answers such a request 400."),
	reqString("zs_req_uri", "The request target: path and query as sent (or as set by zs_req_set_uri), e.g. /search?q=a%20b."),
	reqString("zs_req_query", "The query string without the leading '?', still percent-encoded; empty when there is none."),
	reqString("zs_req_scheme", "The scheme the request arrived on: http or https."),
	reqString("zs_req_peer", "The address of the directly connected client as ip:port; IPv6 addresses are bracketed, e.g. [::1]:51000, and IPv4-mapped IPv6 addresses are shown as IPv4. Empty when the connection has no IP peer."),
	{Name: "zs_req_proto_major", Return: s64, Family: FamilyRequest,
		Doc: "Returns the major HTTP version of the request: 1, 2 or 3."},
	{Name: "zs_req_proto_minor", Return: s64, Family: FamilyRequest,
		Doc: "Returns the minor HTTP version of the request: 1 for HTTP/1.1, 0 for HTTP/1.0, HTTP/2 and HTTP/3."},
	{Name: "zs_req_is_tls", Return: s64, Family: FamilyRequest,
		Doc: "Returns 1 when the request arrived over TLS (HTTPS, HTTP/2 over TLS, HTTP/3), 0 otherwise."},
	{Name: "zs_req_header", Return: s64, Family: FamilyRequest,
		Params: params(str("name"), out()),
		Doc:    "The value of request header name, matched case-insensitively. Repeated fields are combined with \", \" (RFC 9110 §5.3), except Cookie, combined with \"; \". A missing header reads as the empty string." + stringOut},
	{Name: "zs_req_query_param", Return: s64, Family: FamilyRequest,
		Params: params(str("name"), out()),
		Doc:    "The first value of query parameter name, decoded as application/x-www-form-urlencoded ('+' is a space). A missing parameter reads as the empty string." + stringOut},
	{Name: "zs_req_query_param_matches", Return: s64, Family: FamilyRequest,
		Params: params(str("name"), str("value")),
		Doc:    "Returns 1 when any decoded value of query parameter name equals value, or when value is \"*\" and the parameter is present; 0 otherwise."},
	{Name: "zs_req_remote_ip_matches", Return: s64, Family: FamilyRequest,
		Params: str("ranges_json"),
		Doc:    "ranges_json is a JSON array of strings, each an IP address or a CIDR range, e.g. [\"10.0.0.0/8\",\"::1\"]. Returns 1 when the directly connected client's IP is in any of them, 0 when it is in none, ZS_ERROR when ranges_json is not such an array or a range does not parse."},

	// Request mutation.
	{Name: "zs_req_set_method", Return: s64, Family: FamilyMutation,
		Params: str("method"),
		Doc:    "Replaces the request method for the rest of the chain and for static serving (which answers 405 to methods other than GET and HEAD). Returns ZS_OK, or ZS_ERROR when method is empty or not an HTTP token."},
	{Name: "zs_req_set_uri", Return: s64, Family: FamilyMutation,
		Params: str("uri"),
		Doc:    "Replaces the request target with uri (origin form: a path starting with '/', optionally '?' and a query). Path, query, query parameters and the normalised path are recomputed, so later scripts and static serving see the new target. Returns ZS_OK, or ZS_ERROR (request unchanged) when uri is not a valid origin-form target: empty, not starting with '/', holding a '#', a space, a control byte or a non-ASCII byte, or longer than 8 KiB."},
	{Name: "zs_req_set_header", Return: s64, Family: FamilyMutation,
		Params: params(str("name"), str("value")),
		Doc:    "Replaces every request header field called name (case-insensitive) with one field of value; value_len 0 removes the header. Returns ZS_OK, or ZS_ERROR when name is not a valid field name, value contains CR, LF or NUL, or the request's header limits (200 fields, 64 KiB of names and values including earlier edits) are reached."},
	{Name: "zs_req_append_header", Return: s64, Family: FamilyMutation,
		Params: params(str("name"), str("value")),
		Doc:    "Adds a request header field name: value after any existing fields of that name. Returns ZS_OK, or ZS_ERROR on an invalid name or value (as for zs_req_set_header) or when the request's header limits are reached."},
	{Name: "zs_req_delete_header", Return: s64, Family: FamilyMutation,
		Params: str("pattern"),
		Doc:    "Removes request header fields whose name matches pattern, case-insensitively: an exact name, a prefix (X-Debug-*), a suffix (*-Token), a substring (*session*), or * for every header. Returns the number of fields removed."},

	// Metadata.
	{Name: "zs_meta_get", Return: s64, Family: FamilyMeta,
		Params: params(str("key"), out()),
		Doc:    "The value of metadata key. Metadata is a per-request string map shared by every script of the chain. A missing key reads as the empty string." + stringOut},
	{Name: "zs_meta_set", Return: s64, Family: FamilyMeta,
		Params: params(str("key"), str("value")),
		Doc:    "Sets metadata key to value; value_len 0 removes the key. A key zs.response.header.<name> sets response header <name> on whatever answers the request (static file, script response, error page), with surrounding spaces and tabs trimmed from value; such a header is not sent when <name> is not a field name, is one the server owns (Content-Length, Transfer-Encoding, Connection, Date, Server, ...) or value holds a control byte other than tab (CR and LF included). Any key can be substituted into HTML and XML files with <zs-meta>key</zs-meta>. Returns ZS_OK, or ZS_ERROR when key is empty or the request's metadata limits (128 keys, 64 KiB of keys and values) are reached."},

	// Responses.
	{Name: "zs_respond", Return: s64, Family: FamilyResponse,
		Params: one(u64("status"), ptr("body", "const void *", "len"), u64("len")),
		Doc:    "Sets the response: status (200-599; a 1xx is an interim response and cannot end a request) and body, copied. For 204 and 304 the body is dropped and no Content-Length is sent (RFC 9110 §15.3.5, §15.4.5). The script keeps running; when it returns the chain ends and this response is sent, with Content-Type text/plain; charset=utf-8 unless metadata zs.response.header.content-type says otherwise. A later call (or zs_json_respond, or zs_abort) replaces the earlier response. Returns ZS_OK, or ZS_ERROR (response unchanged) on a status out of range."},
	{Name: "zs_abort", Return: s64, Family: FamilyResponse,
		Doc: "Ends the request without any response: the connection is closed once the script returns (HTTP/2 and HTTP/3 reset only the stream). Returns ZS_OK."},
	{Name: "zs_response_pending", Return: s64, Family: FamilyResponse,
		Doc: "Returns 1 when this script has set a response (zs_respond, zs_json_respond, zs_abort) that is not cleared, 0 otherwise."},
	{Name: "zs_response_clear", Return: s64, Family: FamilyResponse,
		Doc: "Drops the response this script has set, so the chain continues when it returns. Returns ZS_OK."},

	// Crypto and encoding.
	{Name: "zs_getrandom", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("out", "void *", "len"), u64("len")),
		Doc:    "Fills len bytes at out from a cryptographically secure random source. Returns ZS_OK."},
	{Name: "zs_sha256", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("data", "const void *", "len"), u64("len"), ptr("out", "void *", "out_len"), u64("out_len")),
		Doc:    "Writes the 32-byte SHA-256 digest of data to out. Returns 32, or ZS_ERROR when out_len is less than 32."},
	{Name: "zs_hmac_sha256", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("key", "const void *", "key_len"), u64("key_len"), ptr("msg", "const void *", "msg_len"), u64("msg_len"), fixed("out", "void *", SHA256Size)),
		Doc:    "Writes the 32-byte HMAC-SHA256 (RFC 2104) of msg under key to out, which must have room for 32 bytes. Returns 32. Compare tags with a constant-time loop, not zs_memcmp, when timing matters."},
	{Name: "zs_base64_encode", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("data", "const void *", "len"), u64("len"), ptr("out", "char *", "out_len"), u64("out_len"), u64("encoding")),
		Doc:    "Encodes data as base64 with encoding ZS_BASE64_STANDARD, _STANDARD_NO_PAD, _URL or _URL_NO_PAD (RFC 4648 §4 and §5). Returns ZS_ERROR on an unknown encoding." + stringOut},
	{Name: "zs_base64_decode_in_place", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("buf", "void *", "len"), u64("len"), u64("encoding")),
		Doc:    "Decodes the len base64 characters at buf, in the given encoding, into the start of buf. Returns the decoded length, or ZS_ERROR (buf unchanged) on an unknown encoding or invalid input, including wrong padding for the encoding."},
	{Name: "zs_hex_encode", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("data", "const void *", "len"), u64("len"), ptr("out", "char *", "out_len"), u64("out_len"), u64("case_flag")),
		Doc:    "Encodes data as hexadecimal, two digits per byte, lowercase with ZS_HEX_LOWERCASE or uppercase with ZS_HEX_UPPERCASE. Returns ZS_ERROR on an unknown case_flag." + stringOut},
	{Name: "zs_hex_decode_in_place", Return: s64, Family: FamilyCrypto,
		Params: one(ptr("buf", "void *", "len"), u64("len")),
		Doc:    "Decodes the len hex digits at buf (either case) into the start of buf. Returns len/2, or ZS_ERROR (buf unchanged) on an odd length or a non-hex character."},

	// JSON trees.
	{Name: "zs_json_parse", Return: s64, Family: FamilyJSON,
		Params: one(ptr("data", "const void *", "len"), u64("len")),
		Doc:    "Parses len bytes of JSON into a new document and returns a handle to its root, or ZS_ERROR on invalid JSON (RFC 8259, nothing but whitespace after the value), when a value is nested inside more than 128 arrays and objects, or when the handle or memory limit is reached. Handles are positive integers private to the script run; at most ZS_MAX_JSON_HANDLES are live at once, and all are freed when the script returns."},
	{Name: "zs_json_get", Return: s64, Family: FamilyJSON,
		Params: params(one(u64("h")), str("key")),
		Doc:    "Returns a new handle to member key of object h, or ZS_ERROR when h is not an object, has no such member or the handle limit is reached. The new handle refers into the same document: changes through either handle are seen by both."},
	{Name: "zs_json_array_get", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), u64("i")),
		Doc:    "Returns a new handle to element i (from 0) of array h, or ZS_ERROR when h is not an array, i is out of range or the handle limit is reached. Like zs_json_get, it refers into the same document."},
	{Name: "zs_json_reset", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Makes h refer to the root of its document again. Returns ZS_OK, or ZS_ERROR on a bad handle."},
	{Name: "zs_json_read_string", Return: s64, Family: FamilyJSON,
		Params: params(one(u64("h")), out()),
		Doc:    "The string value of h, unescaped. Returns ZS_ERROR when h is not a string." + stringOut},
	{Name: "zs_json_read_i64", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), ptr("out", "void *", "out_len"), u64("out_len")),
		Doc:    "Writes the value of number h as a little-endian zs_s64 to out (out_len must be at least 8). Returns ZS_OK, or ZS_ERROR when h is not a number that is an integer in the zs_s64 range or out_len is less than 8."},
	{Name: "zs_json_read_bool", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), ptr("out", "void *", "out_len"), u64("out_len")),
		Doc:    "Writes 1 (true) or 0 (false) as one byte to out (out_len at least 1). Returns ZS_OK, or ZS_ERROR when h is not a boolean or out_len is 0."},
	{Name: "zs_json_new_object", Return: s64, Family: FamilyJSON,
		Doc: "Returns a handle to a new document holding the empty object {}, or ZS_ERROR at the handle or memory limit."},
	{Name: "zs_json_new_array", Return: s64, Family: FamilyJSON,
		Doc: "Returns a handle to a new document holding the empty array [], or ZS_ERROR at the handle or memory limit."},
	{Name: "zs_json_clone", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Returns a handle to a new, independent document holding a deep copy of the value of h, or ZS_ERROR on a bad handle or at the handle or memory limit."},
	{Name: "zs_json_len", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Returns the number of elements of an array, members of an object or bytes of a string; ZS_ERROR for other types and bad handles."},
	{Name: "zs_json_type", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Returns the type of the value of h: ZS_JSON_NULL, ZS_JSON_BOOL, ZS_JSON_NUMBER, ZS_JSON_STRING, ZS_JSON_ARRAY or ZS_JSON_OBJECT; ZS_ERROR on a bad handle."},
	{Name: "zs_json_set", Return: s64, Family: FamilyJSON,
		Params: params(one(u64("h")), str("key"), one(u64("v"))),
		Doc:    "Sets member key of object h to a deep copy of the value of v, replacing an existing member in place (a new member goes last). Returns ZS_OK, or ZS_ERROR when h is not an object, v is a bad handle, key is not valid UTF-8 or the memory limit is reached."},
	{Name: "zs_json_remove", Return: s64, Family: FamilyJSON,
		Params: params(one(u64("h")), str("key")),
		Doc:    "Removes member key from object h. Returns 1 when a member was removed, 0 when there was none, ZS_ERROR when h is not an object (or is a bad handle)."},
	{Name: "zs_json_array_push", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), u64("v")),
		Doc:    "Appends a deep copy of the value of v to array h. Returns ZS_OK, or ZS_ERROR when h is not an array, v is a bad handle or the memory limit is reached."},
	{Name: "zs_json_array_set", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), u64("i"), u64("v")),
		Doc:    "Replaces element i of array h with a deep copy of the value of v. Returns ZS_OK, or ZS_ERROR when h is not an array, i is out of range, v is a bad handle or the memory limit is reached."},
	{Name: "zs_json_set_string", Return: s64, Family: FamilyJSON,
		Params: params(one(u64("h")), str("s")),
		Doc:    "Replaces the value of h with the string s (UTF-8). Returns ZS_OK, or ZS_ERROR on a bad handle, invalid UTF-8 or at the memory limit."},
	{Name: "zs_json_set_i64", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), val("v", "zs_s64")),
		Doc:    "Replaces the value of h with the integer v. Returns ZS_OK, or ZS_ERROR on a bad handle or at the memory limit."},
	{Name: "zs_json_set_bool", Return: s64, Family: FamilyJSON,
		Params: one(u64("h"), u64("v")),
		Doc:    "Replaces the value of h with true (v non-zero) or false. Returns ZS_OK, or ZS_ERROR on a bad handle."},
	{Name: "zs_json_set_null", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Replaces the value of h with null. Returns ZS_OK, or ZS_ERROR on a bad handle."},
	{Name: "zs_object_free", Return: s64, Family: FamilyJSON,
		Params: one(u64("h")),
		Doc:    "Frees handle h; its number may be reused. A document lives while any handle refers into it. Returns ZS_OK, or ZS_ERROR on a bad handle."},
	{Name: "zs_json_respond", Return: s64, Family: FamilyJSON,
		Params: one(u64("status"), u64("h")),
		Doc:    "Like zs_respond (status 200-599; no body for 204 and 304) with the compact serialisation of the value of h as the body and Content-Type exactly application/json (metadata cannot change it). The chain ends when the script returns. Returns ZS_OK, or ZS_ERROR (response unchanged) on a bad handle or a status out of range."},
	{Name: "zs_load_static_json", Return: s64, Family: FamilyJSON,
		Params: str("path"),
		Doc:    "Parses the site file at path (relative to the archive root, e.g. data/items.json; one leading '/' is ignored; otherwise used verbatim: no decoding, normalisation, index or .html fallback) as JSON and returns a handle to it, or ZS_ERROR when the file is missing, is not valid JSON or a limit is reached."},
	{Name: "zs_load_file_metadata", Return: s64, Family: FamilyJSON,
		Params: str("path"),
		Doc:    "Returns a handle to an object {\"size\":N,\"etag\":\"...\",\"mtime\":N} describing the site file at path (as for zs_load_static_json; mtime in seconds since the Unix epoch), or ZS_ERROR when there is no such file."},
}
