// Package script runs a site's request scripts: the chain of SPEC §4 and
// the host helpers of package abi.
//
// Lifetimes:
//
//	Load(archive, Config)   -> *Set      per Generation: scripts linked (loader, abi helper
//	                                     table), verified and compiled; immutable, shared
//	set.NewRunner()         -> *Runner   per worker (event loop) and Generation: pools
//	                                     instances per script and Contexts; no locks
//	runner.Get()            -> *Context  per request: Request, Meta, Response, JSON handles;
//	                                     reset, not reallocated, between requests
//	runner.Run(cx)          -> Outcome   Static | Respond | Abort | Yielded | Failed
//	runner.Continue(cx)     -> Outcome   after Yielded, from the event loop
//	runner.Put(cx)                       when the request is done (cancels a yielded chain)
//
// Integration with a connection (HTTP/1 shown; HTTP/2 and HTTP/3 fill the
// Request with its setters):
//
//	cx := runner.Get()
//	cx.RequestID = id
//	cx.Request.FromHTTP1(req, isTLS, peer)
//	out := runner.Run(cx)
//	for out.Kind == script.Yielded { // return to the loop; later:
//		out = runner.Continue(cx)
//	}
//	switch out.Kind {
//	case script.Static:  // cx.Request.Static(&sreq); handler.Serve(&sreq, &sresp);
//	                     // fields = cx.ApplyHeaders(sresp.Fields); for templates with
//	                     // cx.Meta.Len() > 0: body = script.Substitute(buf, body, &cx.Meta)
//	case script.Respond, script.Failed: // status out.Status, fields cx.ResponseFields(nil),
//	                     // body cx.Response.Body (none for HEAD)
//	case script.Abort:   // close the connection
//	}
//	runner.Put(cx)
//
// The chain runs each script's zeroserve.request entry in file-name order.
// A script that sets a response (zs_respond, zs_json_respond, zs_abort) ends
// the chain when it returns. Each run gets Config.Slice instructions at a
// time: then Run/Continue return Yielded and the loop serves other
// connections. A run over Config.Budget instructions in total, or a chain
// over Config.WallLimit of wall-clock time (checked at each slice), ends
// with a 503; a trap ends it with a 500; both are logged with the script,
// section, function, instruction, C source line and reason, and the Runner
// keeps working.
//
// Helper conventions (docs/helpers.md has the reference):
//   - every guest pointer is checked through vm.Call.Mem / WritableMem; a
//     range outside the arena (or a write outside its writable window) traps
//     with vm.ErrBadArg. A zero length never touches memory.
//   - string-out helpers (out, out_len): with out_len 0 nothing is written
//     and the value's length is returned; otherwise the first
//     min(len, out_len-1) bytes and a NUL are written and the full length is
//     returned, so truncation is result >= out_len. Missing values (header,
//     query parameter, metadata, environment variable) are empty strings.
//   - zs_env_get sees only the variables allowed by Config.EnvAllow: by
//     default those named ZEROSERVE_ENV_*; the operator may list exact names
//     or other NAME* prefixes. They are read when the Set is loaded.
//   - JSON handles: at most abi.MaxJSONHandles live per script run, all
//     freed when the run ends; the trees of one run use at most
//     Config.JSONMemory bytes of host memory. Object member order is kept.
//   - metadata: at most MaxMetaEntries keys and MaxMetaBytes bytes;
//     zs.response.header.<name> keys become response headers (ApplyHeaders,
//     ResponseFields) except the framing and connection fields.
//   - responses: status 200-599 (1xx cannot end a request); a 204 or 304
//     has no body.
package script
