// Command bench runs zeroserve side by side with nginx and Caddy on the same
// files, the same certificate and the same CPU, and reports requests per
// second, latency, server CPU time per request, peak memory and the load
// generator's own CPU use, with ratios against nginx.
//
//	go run ./tools/bench            # full run
//	go run ./tools/bench --quick    # about a minute
//	go run ./tools/bench --only h1-tls-small,cold-start --reps 5
//
// Every server runs in the foreground pinned to CPU 0 with one worker; the
// load generators (wrk, h2load) and the harness itself run on CPU 1.
// Repetitions are interleaved across servers (A B C A B C …) so drift in the
// machine hits every server alike. A workload the built zeroserve cannot do
// yet (no TLS listener, no script runtime, no reverse proxy) is reported as
// "not yet", never as a number. docs/benchmarks.md describes the method.
package main
