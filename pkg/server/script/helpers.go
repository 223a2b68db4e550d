package script

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"zeroserve.dev/zeroserve/pkg/abi"
	"zeroserve.dev/zeroserve/pkg/vm"
)

// helperTable binds every helper of package abi to its implementation.
// Helpers find the request through vm.Call.Ctx (a *Context) and reach guest
// memory only through Call.Mem and Call.WritableMem: a pointer range outside
// the arena (or, for output, outside its writable window) ends the script
// with a bad-argument trap. A zero length never touches memory, so (NULL, 0)
// is a valid empty argument.
var helperTable = vm.Helpers{
	"zs_log":     zsLog,
	"zs_now_ms":  zsNowMS,
	"zs_env_get": zsEnvGet,
	"zs_memcpy":  zsMemcpy,
	"zs_memcmp":  zsMemcmp,
	"zs_memset":  zsMemset,

	"zs_req_method":              reqString(func(cx *Context) []byte { return cx.Request.method }),
	"zs_req_path":                reqString(func(cx *Context) []byte { return cx.Request.Path() }),
	"zs_req_normalized_path":     reqString(func(cx *Context) []byte { p, _ := cx.Request.NormalizedPath(); return p }),
	"zs_req_uri":                 reqString(func(cx *Context) []byte { return cx.Request.uri }),
	"zs_req_query":               reqString(func(cx *Context) []byte { return cx.Request.Query() }),
	"zs_req_scheme":              reqString(func(cx *Context) []byte { return scheme[b2i(cx.Request.tls)] }),
	"zs_req_peer":                reqString(func(cx *Context) []byte { return cx.Request.peerString() }),
	"zs_req_proto_major":         func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return uint64(ctx(c).Request.major), nil },
	"zs_req_proto_minor":         func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return uint64(ctx(c).Request.minor), nil },
	"zs_req_is_tls":              func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return uint64(b2i(ctx(c).Request.tls)), nil },
	"zs_req_header":              zsReqHeader,
	"zs_req_query_param":         zsReqQueryParam,
	"zs_req_query_param_matches": zsReqQueryParamMatches,
	"zs_req_remote_ip_matches":   zsReqRemoteIPMatches,

	"zs_req_set_method":    zsReqSetMethod,
	"zs_req_set_uri":       zsReqSetURI,
	"zs_req_set_header":    zsReqSetHeader,
	"zs_req_append_header": zsReqAppendHeader,
	"zs_req_delete_header": zsReqDeleteHeader,

	"zs_meta_get": zsMetaGet,
	"zs_meta_set": zsMetaSet,

	"zs_respond":          zsRespond,
	"zs_abort":            zsAbort,
	"zs_response_pending": zsResponsePending,
	"zs_response_clear":   zsResponseClear,

	"zs_getrandom":              zsGetrandom,
	"zs_sha256":                 zsSHA256,
	"zs_hmac_sha256":            zsHMACSHA256,
	"zs_base64_encode":          zsBase64Encode,
	"zs_base64_decode_in_place": zsBase64Decode,
	"zs_hex_encode":             zsHexEncode,
	"zs_hex_decode_in_place":    zsHexDecode,

	"zs_json_parse":         zsJSONParse,
	"zs_json_get":           zsJSONGet,
	"zs_json_array_get":     zsJSONArrayGet,
	"zs_json_reset":         zsJSONReset,
	"zs_json_read_string":   zsJSONReadString,
	"zs_json_read_i64":      zsJSONReadI64,
	"zs_json_read_bool":     zsJSONReadBool,
	"zs_json_new_object":    func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return s64(ctx(c).json.newDoc(abi.JSONObject)) },
	"zs_json_new_array":     func(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) { return s64(ctx(c).json.newDoc(abi.JSONArray)) },
	"zs_json_clone":         zsJSONClone,
	"zs_json_len":           zsJSONLen,
	"zs_json_type":          zsJSONType,
	"zs_json_set":           zsJSONSet,
	"zs_json_remove":        zsJSONRemove,
	"zs_json_array_push":    zsJSONArrayPush,
	"zs_json_array_set":     zsJSONArraySet,
	"zs_json_set_string":    zsJSONSetString,
	"zs_json_set_i64":       zsJSONSetI64,
	"zs_json_set_bool":      zsJSONSetBool,
	"zs_json_set_null":      zsJSONSetNull,
	"zs_object_free":        zsObjectFree,
	"zs_json_respond":       zsJSONRespond,
	"zs_load_static_json":   zsLoadStaticJSON,
	"zs_load_file_metadata": zsLoadFileMetadata,
}

func init() {
	for name, h := range helperTable {
		if strings.HasPrefix(name, "zs_json_") || name == "zs_object_free" || name == "zs_load_static_json" {
			helperTable[name] = chargeJSON(h)
		}
	}
}

// Helpers returns the helper table (for tools that link scripts outside a
// Runner); the functions expect a *Context as vm.Call.Ctx.
func Helpers() vm.Helpers { return helperTable }

var scheme = [2][]byte{[]byte("http"), []byte("https")}

// Results.
const (
	rOK    = uint64(abi.OK)
	rTrue  = uint64(abi.True)
	rFalse = uint64(abi.False)
	rError = ^uint64(0) // abi.Error (-1) as r0
)

func s64(v int64) (uint64, error) { return uint64(v), nil }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ctx(c *vm.Call) *Context { return c.Ctx.(*Context) }

// in returns the n guest bytes at p for reading; none when n is 0.
func in(c *vm.Call, p, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	return c.Mem(p, n)
}

// out returns the n guest bytes at p for writing; none when n is 0.
func out(c *vm.Call, p, n uint64) ([]byte, error) {
	if n == 0 {
		return nil, nil
	}
	return c.WritableMem(p, n)
}

// strOut implements the string-out convention: with outLen 0 nothing is
// written; otherwise the first min(len(v), outLen-1) bytes of v and a NUL
// are written at p (the whole [p, p+outLen) range must be writable). The
// result is always len(v), so a caller detects truncation as result >=
// outLen.
func strOut[T text](c *vm.Call, p, outLen uint64, v T) (uint64, error) {
	if outLen == 0 {
		return uint64(len(v)), nil
	}
	b, err := c.WritableMem(p, outLen)
	if err != nil {
		return 0, err
	}
	k := copy(b[:outLen-1], v)
	b[k] = 0
	return uint64(len(v)), nil
}

func reqString(get func(*Context) []byte) vm.Helper {
	return func(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
		return strOut(c, p, n, get(ctx(c)))
	}
}

// MaxLogLine bounds one zs_log message, in bytes, before escaping.
const MaxLogLine = 1024

// logLineCost is the instructions a zs_log line is charged: about the host
// work of formatting and writing it (microseconds, ~5 ns an instruction),
// so a script logging in a loop uses up its budget after at most
// DefaultBudget/logLineCost (16384) lines instead of millions.
const logLineCost = 1024

func zsLog(c *vm.Call, p, n, _, _, _ uint64) (uint64, error) {
	msg, err := in(c, p, n)
	if err != nil {
		return 0, err
	}
	c.Charge(logLineCost)
	cx := ctx(c)
	truncated := len(msg) > MaxLogLine
	if truncated {
		msg = msg[:MaxLogLine]
	}
	line := escapeLog(msg)
	if truncated {
		line += "..."
	}
	cx.runner.set.cfg.Log.LogAttrs(context.Background(), slog.LevelInfo, "script log",
		slog.Uint64("request", cx.RequestID), slog.String("script", cx.scriptName()), slog.String("text", line))
	return rOK, nil
}

// escapeLog renders msg with control bytes and invalid UTF-8 escaped as
// Go escapes them (\n, \x01, \ufffd-free).
func escapeLog(msg []byte) string {
	clean := utf8.Valid(msg)
	for _, b := range msg {
		if b < 0x20 || b == 0x7f || b == '\\' {
			clean = false
			break
		}
	}
	if clean {
		return string(msg)
	}
	q := strconv.Quote(string(msg))
	return q[1 : len(q)-1]
}

func (cx *Context) scriptName() string {
	if cx.runner == nil || cx.next >= len(cx.runner.set.scripts) {
		return ""
	}
	return cx.runner.set.scripts[cx.next].Name
}

func zsNowMS(c *vm.Call, _, _, _, _, _ uint64) (uint64, error) {
	return uint64(ctx(c).runner.set.cfg.Now().UnixMilli()), nil
}

func zsEnvGet(c *vm.Call, name, nameLen, p, n, _ uint64) (uint64, error) {
	k, err := in(c, name, nameLen)
	if err != nil {
		return 0, err
	}
	v := ctx(c).runner.set.env[string(k)]
	return strOut(c, p, n, v)
}

func zsMemcpy(c *vm.Call, dst, src, n, _, _ uint64) (uint64, error) {
	d, err := out(c, dst, n)
	if err != nil {
		return 0, err
	}
	s, err := in(c, src, n)
	if err != nil {
		return 0, err
	}
	copy(d, s)
	return dst, nil
}

func zsMemcmp(c *vm.Call, a, b, n, _, _ uint64) (uint64, error) {
	x, err := in(c, a, n)
	if err != nil {
		return 0, err
	}
	y, err := in(c, b, n)
	if err != nil {
		return 0, err
	}
	return uint64(int64(bytes.Compare(x, y))), nil
}

func zsMemset(c *vm.Call, dst, v, n, _, _ uint64) (uint64, error) {
	d, err := out(c, dst, n)
	if err != nil {
		return 0, err
	}
	for i := range d {
		d[i] = byte(v)
	}
	return dst, nil
}
