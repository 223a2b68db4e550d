package http2

import "time"

// Config holds the settings and limits of HTTP/2 connections. A Config is
// shared by all connections and not modified by them; zero fields take
// the defaults below.
type Config struct {
	// MaxConcurrentStreams is advertised and enforced: a stream beyond it
	// is refused with RST_STREAM(REFUSED_STREAM). Default 128.
	MaxConcurrentStreams uint32
	// InitialWindowSize is the per-stream receive window advertised in
	// SETTINGS_INITIAL_WINDOW_SIZE (--h2-stream-window). Default 256 KiB.
	InitialWindowSize uint32
	// ConnWindowSize is the connection receive window, raised from the
	// protocol's 65535 by a WINDOW_UPDATE on stream 0 (--h2-conn-window).
	// Default 1 MiB.
	ConnWindowSize uint32
	// MaxFrameSize is the largest frame payload accepted
	// (SETTINGS_MAX_FRAME_SIZE). Default 16384.
	MaxFrameSize uint32
	// MaxHeaderListSize bounds the decoded size of a field block (RFC 9113
	// §6.5.2 accounting: name + value + 32 per field); larger requests get
	// 431. It also caps what an HPACK bomb can make us decode. Default
	// 64 KiB.
	MaxHeaderListSize uint32
	// MaxHeaderBlock bounds the encoded octets of one field block
	// (HEADERS plus CONTINUATIONs); beyond it the connection ends with
	// ENHANCE_YOUR_CALM (CVE-2023-45288). Default 2 × MaxHeaderListSize.
	MaxHeaderBlock int
	// MaxContinuations bounds the CONTINUATION frames of one field block.
	// Default 32.
	MaxContinuations int
	// MaxRequestBody is the largest request body buffered for the Handler;
	// a larger one is answered 413. Default 64 KiB.
	MaxRequestBody int
	// MaxBufferedBody bounds the request body octets buffered on one
	// connection, summed over its open streams (without it a client could
	// make MaxConcurrentStreams × MaxRequestBody stay in memory). The
	// stream whose DATA would go over is refused with
	// RST_STREAM(REFUSED_STREAM), which counts against MaxResets. Default
	// 2 × MaxRequestBody, and at least ConnWindowSize.
	MaxBufferedBody int
	// MaxResets is the number of stream resets per ResetWindow — sent by
	// the client (Rapid Reset, CVE-2023-44487), caused by the client's
	// errors (MadeYouReset, CVE-2025-8671) or refusals — beyond which the
	// connection ends with GOAWAY(ENHANCE_YOUR_CALM). Default 200 per 10 s.
	MaxResets   int
	ResetWindow time.Duration
	// MaxControlFrames is the number of PING, SETTINGS, PRIORITY, unknown
	// and empty frames per ControlWindow beyond which the connection ends
	// with ENHANCE_YOUR_CALM. Default 1000 per 10 s.
	MaxControlFrames int
	ControlWindow    time.Duration
	// MaxPendingOutput: above this many unsent output octets the
	// connection stops reading (back-pressure, which also bounds queued
	// PING and SETTINGS acknowledgements). Default 256 KiB.
	MaxPendingOutput int
	// Timeouts. PrefaceTimeout: preface and first SETTINGS (default 10 s).
	// IdleTimeout: no input while no response is being sent (default
	// 75 s). WriteTimeout: pending output not progressing (default 30 s).
	// StallTimeout: a response blocked by a zero flow-control window
	// (stream: RST_STREAM; connection: GOAWAY and close; default 30 s).
	// SettingsTimeout: our SETTINGS not acknowledged, counted from the
	// connection's start (GOAWAY(SETTINGS_TIMEOUT), RFC 9113 §6.5.3;
	// default 10 s). BodyTimeout: a stream whose request is incomplete
	// received nothing (HEADERS, DATA) for this long (408 and
	// RST_STREAM(NO_ERROR); default 60 s); a field block (HEADERS and its
	// CONTINUATIONs) not finished within it ends the connection.
	PrefaceTimeout, IdleTimeout, WriteTimeout, StallTimeout time.Duration
	SettingsTimeout, BodyTimeout                            time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Server is the value of the server field added to every response;
	// default "zeroserve".
	Server string
}

func (c *Config) withDefaults() Config {
	d := *c
	setDefault(&d.MaxConcurrentStreams, 128)
	setDefault(&d.InitialWindowSize, 256<<10)
	setDefault(&d.ConnWindowSize, 1<<20)
	setDefault(&d.MaxFrameSize, MinMaxFrameSize)
	setDefault(&d.MaxHeaderListSize, 64<<10)
	setDefault(&d.MaxHeaderBlock, 2*int(d.MaxHeaderListSize))
	setDefault(&d.MaxContinuations, 32)
	setDefault(&d.MaxRequestBody, 64<<10)
	setDefault(&d.MaxBufferedBody, max(2*d.MaxRequestBody, int(min(max(d.ConnWindowSize, 65535), maxWindow))))
	setDefault(&d.MaxResets, 200)
	setDefault(&d.ResetWindow, 10*time.Second)
	setDefault(&d.MaxControlFrames, 1000)
	setDefault(&d.ControlWindow, 10*time.Second)
	setDefault(&d.MaxPendingOutput, 256<<10)
	setDefault(&d.PrefaceTimeout, 10*time.Second)
	setDefault(&d.IdleTimeout, 75*time.Second)
	setDefault(&d.WriteTimeout, 30*time.Second)
	setDefault(&d.StallTimeout, 30*time.Second)
	setDefault(&d.SettingsTimeout, 10*time.Second)
	setDefault(&d.BodyTimeout, 60*time.Second)
	d.InitialWindowSize = min(d.InitialWindowSize, maxWindow)
	d.ConnWindowSize = min(max(d.ConnWindowSize, 65535), maxWindow)
	d.MaxFrameSize = min(max(d.MaxFrameSize, MinMaxFrameSize), MaxMaxFrameSize)
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Server == "" {
		d.Server = "zeroserve"
	}
	return d
}

func setDefault[T uint32 | int | time.Duration](p *T, v T) {
	if *p <= 0 {
		*p = v
	}
}

// rate counts events in fixed windows.
type rate struct {
	n     int
	start time.Time
}

// add counts one event at now and reports whether more than limit fell in
// the current window.
func (r *rate) add(now time.Time, window time.Duration, limit int) bool {
	if now.Sub(r.start) >= window {
		r.start, r.n = now, 0
	}
	r.n++
	return r.n > limit
}
