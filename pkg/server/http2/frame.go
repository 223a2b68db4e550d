package http2

import (
	"encoding/binary"
	"strconv"
)

// FrameType is the type octet of a frame (RFC 9113 §6).
type FrameType uint8

// Frame types of RFC 9113 §6.
const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
	"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return "UNKNOWN_0x" + strconv.FormatUint(uint64(t), 16)
}

// Flags are the flag bits of a frame; their meaning depends on the type.
type Flags uint8

// Frame flags.
const (
	FlagEndStream  Flags = 0x1  // DATA, HEADERS
	FlagAck        Flags = 0x1  // SETTINGS, PING
	FlagEndHeaders Flags = 0x4  // HEADERS, PUSH_PROMISE, CONTINUATION
	FlagPadded     Flags = 0x8  // DATA, HEADERS, PUSH_PROMISE
	FlagPriority   Flags = 0x20 // HEADERS
)

// HeaderLen is the size of the frame header.
const HeaderLen = 9

// Frame size limits (RFC 9113 §4.2, §6.5.2).
const (
	MinMaxFrameSize = 1 << 14
	MaxMaxFrameSize = 1<<24 - 1
	maxWindow       = 1<<31 - 1
)

// Preface is the client connection preface (RFC 9113 §3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// SettingID identifies a setting (RFC 9113 §6.5.2).
type SettingID uint16

// Settings of RFC 9113 §6.5.2 and RFC 9218.
const (
	SettingHeaderTableSize      SettingID = 0x1
	SettingEnablePush           SettingID = 0x2
	SettingMaxConcurrentStreams SettingID = 0x3
	SettingInitialWindowSize    SettingID = 0x4
	SettingMaxFrameSize         SettingID = 0x5
	SettingMaxHeaderListSize    SettingID = 0x6
	SettingNoRFC7540Priorities  SettingID = 0x9
)

// Setting is one identifier/value pair of a SETTINGS frame.
type Setting struct {
	ID  SettingID
	Val uint32
}

// Frame is one parsed frame. Its slices point into the input given to
// ParseFrame; nothing is copied.
type Frame struct {
	Length   uint32 // payload length from the header
	Type     FrameType
	Flags    Flags
	StreamID uint32

	// Data is the DATA payload without padding, the field block fragment
	// of HEADERS, PUSH_PROMISE and CONTINUATION, the 8 opaque octets of
	// PING, the debug data of GOAWAY, the raw settings of SETTINGS (see
	// Setting), and the whole payload of unknown types.
	Data []byte
	// PadLen is the padding length of a padded DATA, HEADERS or
	// PUSH_PROMISE frame (padding counts against flow control).
	PadLen uint8

	// Priority fields (PRIORITY, HEADERS with FlagPriority).
	StreamDep uint32
	Exclusive bool
	Weight    uint8

	ErrCode      ErrCode // RST_STREAM, GOAWAY
	LastStreamID uint32  // GOAWAY
	Increment    uint32  // WINDOW_UPDATE
	PromisedID   uint32  // PUSH_PROMISE
}

// NumSettings is the number of settings in a SETTINGS frame.
func (f *Frame) NumSettings() int { return len(f.Data) / 6 }

// Setting returns the i-th setting of a SETTINGS frame.
func (f *Frame) Setting(i int) Setting {
	b := f.Data[i*6:]
	return Setting{SettingID(binary.BigEndian.Uint16(b)), binary.BigEndian.Uint32(b[2:])}
}

// Has reports whether all of flags are set.
func (f *Frame) Has(flags Flags) bool { return f.Flags&flags == flags }

// Errors of the frame layer (RFC 9113 §6). They are connection errors
// unless noted.
var (
	errFrameTooLarge     = connErr(ErrCodeFrameSize, "frame exceeds SETTINGS_MAX_FRAME_SIZE")
	errStream0           = connErr(ErrCodeProtocol, "frame type requires a stream")
	errNotStream0        = connErr(ErrCodeProtocol, "frame type requires stream 0")
	errPadding           = connErr(ErrCodeProtocol, "padding exceeds payload")
	errShortHeaders      = connErr(ErrCodeFrameSize, "HEADERS too short")
	errRSTLen            = connErr(ErrCodeFrameSize, "RST_STREAM length not 4")
	errSettingsLen       = connErr(ErrCodeFrameSize, "SETTINGS length not a multiple of 6")
	errSettingsAckLen    = connErr(ErrCodeFrameSize, "SETTINGS ACK with payload")
	errEnablePush        = connErr(ErrCodeProtocol, "SETTINGS_ENABLE_PUSH not 0 or 1")
	errInitialWindow     = connErr(ErrCodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1")
	errMaxFrameSize      = connErr(ErrCodeProtocol, "SETTINGS_MAX_FRAME_SIZE out of range")
	errPushPromiseLen    = connErr(ErrCodeFrameSize, "PUSH_PROMISE too short")
	errPingLen           = connErr(ErrCodeFrameSize, "PING length not 8")
	errGoAwayLen         = connErr(ErrCodeFrameSize, "GOAWAY shorter than 8")
	errWindowUpdateLen   = connErr(ErrCodeFrameSize, "WINDOW_UPDATE length not 4")
	errWindowUpdateZero0 = connErr(ErrCodeProtocol, "WINDOW_UPDATE increment 0 on the connection")
)

// ParseFrame parses the frame at the start of p, accepting payloads up to
// maxSize octets. It returns the bytes the frame occupies, or ErrNeedMore
// when p holds only part of it (an oversized length is refused from the
// header alone). A *ConnectionError or *StreamError reports a frame that
// breaks a rule of RFC 9113 §4 and §6; n is then still the frame's size
// when it is complete, so a stream error can skip it.
func ParseFrame(p []byte, maxSize uint32, f *Frame) (n int, err error) {
	if len(p) < HeaderLen {
		return 0, ErrNeedMore
	}
	length := uint32(p[0])<<16 | uint32(p[1])<<8 | uint32(p[2])
	*f = Frame{
		Length:   length,
		Type:     FrameType(p[3]),
		Flags:    Flags(p[4]),
		StreamID: binary.BigEndian.Uint32(p[5:]) & maxWindow, // R bit ignored (§4.1)
	}
	if length > maxSize {
		return 0, errFrameTooLarge // §4.2
	}
	n = HeaderLen + int(length)
	if len(p) < n {
		return 0, ErrNeedMore
	}
	return n, f.parsePayload(p[HeaderLen:n:n])
}

func (f *Frame) parsePayload(b []byte) error {
	switch f.Type {
	case FrameData: // §6.1
		if f.StreamID == 0 {
			return errStream0
		}
		return f.unpad(b)
	case FrameHeaders: // §6.2
		if f.StreamID == 0 {
			return errStream0
		}
		if err := f.unpad(b); err != nil {
			return err
		}
		if f.Has(FlagPriority) {
			if len(f.Data) < 5 {
				return errShortHeaders
			}
			f.priority(f.Data)
			f.Data = f.Data[5:]
			if f.StreamDep == f.StreamID { // §5.3.1
				return &StreamError{f.StreamID, ErrCodeProtocol, "stream depends on itself"}
			}
		}
	case FramePriority: // §6.3
		if f.StreamID == 0 {
			return errStream0
		}
		if len(b) != 5 {
			return &StreamError{f.StreamID, ErrCodeFrameSize, "PRIORITY length not 5"}
		}
		f.priority(b)
		if f.StreamDep == f.StreamID {
			return &StreamError{f.StreamID, ErrCodeProtocol, "stream depends on itself"}
		}
	case FrameRSTStream: // §6.4
		if f.StreamID == 0 {
			return errStream0
		}
		if len(b) != 4 {
			return errRSTLen
		}
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(b))
	case FrameSettings: // §6.5
		if f.StreamID != 0 {
			return errNotStream0
		}
		if f.Has(FlagAck) && len(b) != 0 {
			return errSettingsAckLen
		}
		if len(b)%6 != 0 {
			return errSettingsLen
		}
		f.Data = b
		return f.checkSettings()
	case FramePushPromise: // §6.6
		if f.StreamID == 0 {
			return errStream0
		}
		if err := f.unpad(b); err != nil {
			return err
		}
		if len(f.Data) < 4 {
			return errPushPromiseLen
		}
		f.PromisedID = binary.BigEndian.Uint32(f.Data) & maxWindow
		f.Data = f.Data[4:]
	case FramePing: // §6.7
		if f.StreamID != 0 {
			return errNotStream0
		}
		if len(b) != 8 {
			return errPingLen
		}
		f.Data = b
	case FrameGoAway: // §6.8
		if f.StreamID != 0 {
			return errNotStream0
		}
		if len(b) < 8 {
			return errGoAwayLen
		}
		f.LastStreamID = binary.BigEndian.Uint32(b) & maxWindow
		f.ErrCode = ErrCode(binary.BigEndian.Uint32(b[4:]))
		f.Data = b[8:]
	case FrameWindowUpdate: // §6.9
		if len(b) != 4 {
			return errWindowUpdateLen
		}
		f.Increment = binary.BigEndian.Uint32(b) & maxWindow
		if f.Increment == 0 {
			if f.StreamID == 0 {
				return errWindowUpdateZero0
			}
			return &StreamError{f.StreamID, ErrCodeProtocol, "WINDOW_UPDATE increment 0"}
		}
	case FrameContinuation: // §6.10
		if f.StreamID == 0 {
			return errStream0
		}
		f.Data = b
	default: // §4.1: unknown types are ignored
		f.Data = b
	}
	return nil
}

// unpad sets Data to the payload without the pad length octet and padding.
func (f *Frame) unpad(b []byte) error {
	if !f.Has(FlagPadded) {
		f.Data = b
		return nil
	}
	if len(b) < 1 {
		return errPadding
	}
	f.PadLen = b[0]
	if int(f.PadLen) > len(b)-1 { // §6.1: padding >= payload length
		return errPadding
	}
	f.Data = b[1 : len(b)-int(f.PadLen)]
	return nil
}

func (f *Frame) priority(b []byte) {
	v := binary.BigEndian.Uint32(b)
	f.Exclusive = v>>31 == 1
	f.StreamDep = v & maxWindow
	f.Weight = b[4]
}

// checkSettings validates the values of a SETTINGS frame (§6.5.2).
func (f *Frame) checkSettings() error {
	for i := range f.NumSettings() {
		s := f.Setting(i)
		switch s.ID {
		case SettingEnablePush:
			if s.Val > 1 {
				return errEnablePush
			}
		case SettingInitialWindowSize:
			if s.Val > maxWindow {
				return errInitialWindow
			}
		case SettingMaxFrameSize:
			if s.Val < MinMaxFrameSize || s.Val > MaxMaxFrameSize {
				return errMaxFrameSize
			}
		}
	}
	return nil
}

// AppendFrameHeader appends a frame header.
func AppendFrameHeader(dst []byte, length int, t FrameType, flags Flags, streamID uint32) []byte {
	return append(dst, byte(length>>16), byte(length>>8), byte(length), byte(t), byte(flags),
		byte(streamID>>24), byte(streamID>>16), byte(streamID>>8), byte(streamID))
}

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// AppendData appends a DATA frame carrying data (copied).
func AppendData(dst []byte, streamID uint32, endStream bool, data []byte) []byte {
	var fl Flags
	if endStream {
		fl = FlagEndStream
	}
	dst = AppendFrameHeader(dst, len(data), FrameData, fl, streamID)
	return append(dst, data...)
}

// AppendHeaders appends a HEADERS frame with a field block fragment.
func AppendHeaders(dst []byte, streamID uint32, flags Flags, fragment []byte) []byte {
	dst = AppendFrameHeader(dst, len(fragment), FrameHeaders, flags&^(FlagPadded|FlagPriority), streamID)
	return append(dst, fragment...)
}

// AppendContinuation appends a CONTINUATION frame.
func AppendContinuation(dst []byte, streamID uint32, endHeaders bool, fragment []byte) []byte {
	var fl Flags
	if endHeaders {
		fl = FlagEndHeaders
	}
	dst = AppendFrameHeader(dst, len(fragment), FrameContinuation, fl, streamID)
	return append(dst, fragment...)
}

// AppendPriority appends a PRIORITY frame.
func AppendPriority(dst []byte, streamID, dep uint32, exclusive bool, weight uint8) []byte {
	dst = AppendFrameHeader(dst, 5, FramePriority, 0, streamID)
	if exclusive {
		dep |= 1 << 31
	}
	return append(appendU32(dst, dep), weight)
}

// AppendRSTStream appends a RST_STREAM frame.
func AppendRSTStream(dst []byte, streamID uint32, code ErrCode) []byte {
	dst = AppendFrameHeader(dst, 4, FrameRSTStream, 0, streamID)
	return appendU32(dst, uint32(code))
}

// AppendSettings appends a SETTINGS frame with the given settings.
func AppendSettings(dst []byte, settings ...Setting) []byte {
	dst = AppendFrameHeader(dst, 6*len(settings), FrameSettings, 0, 0)
	for _, s := range settings {
		dst = append(dst, byte(s.ID>>8), byte(s.ID))
		dst = appendU32(dst, s.Val)
	}
	return dst
}

// AppendSettingsAck appends a SETTINGS frame with the ACK flag.
func AppendSettingsAck(dst []byte) []byte {
	return AppendFrameHeader(dst, 0, FrameSettings, FlagAck, 0)
}

// AppendPing appends a PING frame.
func AppendPing(dst []byte, ack bool, data [8]byte) []byte {
	var fl Flags
	if ack {
		fl = FlagAck
	}
	dst = AppendFrameHeader(dst, 8, FramePing, fl, 0)
	return append(dst, data[:]...)
}

// AppendGoAway appends a GOAWAY frame.
func AppendGoAway(dst []byte, lastStreamID uint32, code ErrCode, debug []byte) []byte {
	dst = AppendFrameHeader(dst, 8+len(debug), FrameGoAway, 0, 0)
	dst = appendU32(dst, lastStreamID)
	dst = appendU32(dst, uint32(code))
	return append(dst, debug...)
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame.
func AppendWindowUpdate(dst []byte, streamID, increment uint32) []byte {
	dst = AppendFrameHeader(dst, 4, FrameWindowUpdate, 0, streamID)
	return appendU32(dst, increment)
}

// AppendPushPromise appends a PUSH_PROMISE frame (servers never send one;
// it exists for tests of clients that do).
func AppendPushPromise(dst []byte, streamID, promised uint32, endHeaders bool, fragment []byte) []byte {
	var fl Flags
	if endHeaders {
		fl = FlagEndHeaders
	}
	dst = AppendFrameHeader(dst, 4+len(fragment), FramePushPromise, fl, streamID)
	dst = appendU32(dst, promised)
	return append(dst, fragment...)
}
