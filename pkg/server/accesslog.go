package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// LogFormat selects how log lines are written.
type LogFormat uint8

const (
	LogText LogFormat = iota // key=value / one readable line
	LogJSON                  // one JSON object per line
)

// ParseLogFormat parses "text" or "json".
func ParseLogFormat(s string) (LogFormat, bool) {
	switch s {
	case "text":
		return LogText, true
	case "json":
		return LogJSON, true
	}
	return LogText, false
}

// Sizes of the inline fields of an AccessRecord; longer values are cut.
const (
	maxLogMethod = 16
	maxLogTarget = 480
)

// AccessRecord is one request in the access log. It is a plain value with
// inline byte arrays, so handing it to the log writer allocates nothing.
type AccessRecord struct {
	Time     time.Time // when the request head was complete
	Duration time.Duration
	Remote   netip.AddrPort
	ID       uint64 // request id, also used in error log lines
	Bytes    int64  // body bytes sent
	Status   uint16
	Proto    uint8 // 10 or 11 (HTTP/1.x), 20 (HTTP/2)
	mlen     uint8
	tlen     uint16
	trunc    bool
	method   [maxLogMethod]byte
	target   [maxLogTarget]byte
}

// SetMethod copies m into the record (cut at 16 bytes).
func (r *AccessRecord) SetMethod(m []byte) { r.mlen = uint8(copy(r.method[:], m)) }

// SetTarget copies the request target into the record (cut at 480 bytes).
func (r *AccessRecord) SetTarget(t []byte) {
	r.tlen = uint16(copy(r.target[:], t))
	r.trunc = len(t) > maxLogTarget
}

// Method returns the request method.
func (r *AccessRecord) Method() []byte { return r.method[:r.mlen] }

// Target returns the request target (possibly cut).
func (r *AccessRecord) Target() []byte { return r.target[:r.tlen] }

// AccessLog hands records from the event loops to one writer goroutine
// through a bounded channel. Log never blocks: when the channel is full the
// record is dropped and counted.
type AccessLog struct {
	ch      chan AccessRecord
	format  LogFormat
	w       *bufio.Writer
	dropped atomic.Uint64
	done    chan struct{}
	once    sync.Once
}

// NewAccessLog starts the writer goroutine writing to w in format, with
// room for queue records in flight. Close stops it.
func NewAccessLog(w io.Writer, format LogFormat, queue int) *AccessLog {
	if queue <= 0 {
		queue = 4096
	}
	l := &AccessLog{
		ch:     make(chan AccessRecord, queue),
		format: format,
		w:      bufio.NewWriterSize(w, 64<<10),
		done:   make(chan struct{}),
	}
	go l.run()
	return l
}

// Log queues r; it returns false (and counts a drop) when the queue is full.
func (l *AccessLog) Log(r *AccessRecord) bool {
	select {
	case l.ch <- *r:
		return true
	default:
		l.dropped.Add(1)
		return false
	}
}

// Dropped returns how many records were dropped because the queue was full.
func (l *AccessLog) Dropped() uint64 { return l.dropped.Load() }

// Close writes the queued records and stops the writer. Log must not be
// called after Close.
func (l *AccessLog) Close() {
	l.once.Do(func() { close(l.ch) })
	<-l.done
}

func (l *AccessLog) run() {
	defer close(l.done)
	var line []byte
	for r := range l.ch {
		line = l.appendRecord(line[:0], &r)
		l.w.Write(line)
		if len(l.ch) == 0 {
			l.w.Flush()
		}
	}
	if n := l.dropped.Load(); n > 0 {
		line = l.appendDropped(line[:0], n)
		l.w.Write(line)
	}
	l.w.Flush()
}

func (l *AccessLog) appendRecord(b []byte, r *AccessRecord) []byte {
	if l.format == LogJSON {
		return appendJSONRecord(b, r)
	}
	return appendTextRecord(b, r)
}

func (l *AccessLog) appendDropped(b []byte, n uint64) []byte {
	if l.format == LogJSON {
		b = append(b, `{"msg":"access log records dropped","dropped":`...)
		b = strconv.AppendUint(b, n, 10)
		return append(b, "}\n"...)
	}
	b = append(b, "access log: "...)
	b = strconv.AppendUint(b, n, 10)
	return append(b, " records dropped (queue full)\n"...)
}

// appendTextRecord writes
//
//	2026-11-26T15:04:05.123Z 127.0.0.1:50312 "GET /index.html HTTP/1.1" 200 174 0.052ms id=00000000000004d2
func appendTextRecord(b []byte, r *AccessRecord) []byte {
	b = r.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, ' ')
	b = r.Remote.AppendTo(b)
	b = append(b, ` "`...)
	b = appendPrintable(b, r.Method())
	b = append(b, ' ')
	b = appendPrintable(b, r.Target())
	if r.trunc {
		b = append(b, "..."...)
	}
	b = append(b, ' ')
	b = appendProto(b, r.Proto)
	b = append(b, `" `...)
	b = strconv.AppendUint(b, uint64(r.Status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, r.Bytes, 10)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(r.Duration)/float64(time.Millisecond), 'f', 3, 64)
	b = append(b, "ms id="...)
	b = AppendRequestID(b, r.ID)
	return append(b, '\n')
}

// appendProto appends "HTTP/1.0", "HTTP/1.1" or "HTTP/2" for Proto 10, 11
// or 20.
func appendProto(b []byte, proto uint8) []byte {
	if proto == 20 {
		return append(b, "HTTP/2"...)
	}
	b = append(b, "HTTP/1."...)
	return strconv.AppendUint(b, uint64(proto%10), 10)
}

// appendPrintable copies s replacing bytes outside printable ASCII, '"' and
// '\\' with \xHH, so a hostile target cannot forge log lines.
func appendPrintable(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	for _, c := range s {
		if c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

func appendJSONRecord(b []byte, r *AccessRecord) []byte {
	b = append(b, `{"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","remote":"`...)
	b = r.Remote.AppendTo(b)
	b = append(b, `","method":`...)
	b = appendJSONString(b, r.Method())
	b = append(b, `,"target":`...)
	b = appendJSONString(b, r.Target())
	if r.trunc {
		b = append(b, `,"target_truncated":true`...)
	}
	b = append(b, `,"proto":"`...)
	b = appendProto(b, r.Proto)
	b = append(b, `","status":`...)
	b = strconv.AppendUint(b, uint64(r.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, r.Bytes, 10)
	b = append(b, `,"duration_us":`...)
	b = strconv.AppendInt(b, r.Duration.Microseconds(), 10)
	b = append(b, `,"id":"`...)
	b = AppendRequestID(b, r.ID)
	return append(b, "\"}\n"...)
}

func appendJSONString(b, s []byte) []byte {
	// The target is raw request bytes, possibly invalid UTF-8; json.Marshal
	// of a string replaces invalid bytes, which is what a log reader wants.
	q, _ := json.Marshal(string(s))
	return append(b, q...)
}

// AppendRequestID appends id as 16 hex digits, the form used in every log.
func AppendRequestID(b []byte, id uint64) []byte {
	const hex = "0123456789abcdef"
	for i := 60; i >= 0; i -= 4 {
		b = append(b, hex[(id>>uint(i))&15])
	}
	return b
}
