package http2

import (
	"bytes"
	"errors"
	"testing"
)

func sampleFrames() [][]byte {
	var out [][]byte
	add := func(b []byte) { out = append(out, b) }
	add(AppendData(nil, 1, true, []byte("hello")))
	add(AppendData(nil, 3, false, nil))
	add(AppendHeaders(nil, 1, FlagEndHeaders|FlagEndStream, []byte{0x82, 0x86, 0x84}))
	add(AppendContinuation(nil, 1, true, []byte{0x41, 0x01, 'a'}))
	add(AppendPriority(nil, 5, 3, true, 200))
	add(AppendRSTStream(nil, 7, ErrCodeCancel))
	add(AppendSettings(nil, Setting{SettingInitialWindowSize, 1000}, Setting{SettingMaxFrameSize, 1 << 15}))
	add(AppendSettingsAck(nil))
	add(AppendPing(nil, false, [8]byte{1, 2, 3, 4, 5, 6, 7, 8}))
	add(AppendPing(nil, true, [8]byte{}))
	add(AppendGoAway(nil, 9, ErrCodeProtocol, []byte("debug")))
	add(AppendWindowUpdate(nil, 0, 1<<20))
	add(AppendWindowUpdate(nil, 5, 1))
	add(AppendPushPromise(nil, 1, 2, true, []byte{0x82}))
	add(AppendFrameHeader(nil, 3, FrameType(0xfa), 0xff, 11)) // unknown type
	out[len(out)-1] = append(out[len(out)-1], 'x', 'y', 'z')
	// Padded DATA and HEADERS with priority, built by hand.
	add(append(AppendFrameHeader(nil, 8, FrameData, FlagPadded, 1), 3, 'a', 'b', 'c', 'd', 0, 0, 0))
	add(append(AppendFrameHeader(nil, 7, FrameHeaders, FlagEndHeaders|FlagPriority, 3), 0x80, 0, 0, 1, 15, 0x82, 0x84))
	return out
}

// reencode writes f back with the Append functions.
func reencode(t *testing.T, f *Frame) []byte {
	switch f.Type {
	case FrameData:
		if f.Has(FlagPadded) {
			b := AppendFrameHeader(nil, int(f.Length), FrameData, f.Flags, f.StreamID)
			b = append(b, f.PadLen)
			b = append(b, f.Data...)
			return append(b, make([]byte, f.PadLen)...)
		}
		return AppendData(nil, f.StreamID, f.Has(FlagEndStream), f.Data)
	case FrameHeaders:
		if f.Has(FlagPriority) || f.Has(FlagPadded) {
			b := AppendFrameHeader(nil, int(f.Length), FrameHeaders, f.Flags, f.StreamID)
			if f.Has(FlagPadded) {
				b = append(b, f.PadLen)
			}
			if f.Has(FlagPriority) {
				dep := f.StreamDep
				if f.Exclusive {
					dep |= 1 << 31
				}
				b = append(appendU32(b, dep), f.Weight)
			}
			b = append(b, f.Data...)
			return append(b, make([]byte, f.PadLen)...)
		}
		return AppendHeaders(nil, f.StreamID, f.Flags, f.Data)
	case FrameContinuation:
		return AppendContinuation(nil, f.StreamID, f.Has(FlagEndHeaders), f.Data)
	case FramePriority:
		return AppendPriority(nil, f.StreamID, f.StreamDep, f.Exclusive, f.Weight)
	case FrameRSTStream:
		return AppendRSTStream(nil, f.StreamID, f.ErrCode)
	case FrameSettings:
		if f.Has(FlagAck) {
			return AppendSettingsAck(nil)
		}
		var ss []Setting
		for i := range f.NumSettings() {
			ss = append(ss, f.Setting(i))
		}
		return AppendSettings(nil, ss...)
	case FramePing:
		return AppendPing(nil, f.Has(FlagAck), [8]byte(f.Data))
	case FrameGoAway:
		return AppendGoAway(nil, f.LastStreamID, f.ErrCode, f.Data)
	case FrameWindowUpdate:
		return AppendWindowUpdate(nil, f.StreamID, f.Increment)
	case FramePushPromise:
		return AppendPushPromise(nil, f.StreamID, f.PromisedID, f.Has(FlagEndHeaders), f.Data)
	}
	return append(AppendFrameHeader(nil, len(f.Data), f.Type, f.Flags, f.StreamID), f.Data...)
}

func TestFrameRoundTrip(t *testing.T) {
	for _, in := range sampleFrames() {
		var f Frame
		n, err := ParseFrame(in, MaxMaxFrameSize, &f)
		if err != nil || n != len(in) {
			t.Fatalf("%x: n=%d err=%v", in, n, err)
		}
		if out := reencode(t, &f); !bytes.Equal(out, in) {
			t.Errorf("round trip of %v:\n got %x\nwant %x", f.Type, out, in)
		}
	}
}

func TestFramePrefixNeedsMore(t *testing.T) {
	for _, in := range sampleFrames() {
		for i := range len(in) {
			var f Frame
			if n, err := ParseFrame(in[:i], MaxMaxFrameSize, &f); err != ErrNeedMore || n != 0 {
				t.Fatalf("%x[:%d]: n=%d err=%v, want need more", in, i, n, err)
			}
		}
	}
}

func TestFrameErrors(t *testing.T) {
	hdr := AppendFrameHeader
	tests := []struct {
		name   string
		in     []byte
		stream bool // stream error, else connection error
		code   ErrCode
	}{
		{"too large", hdr(nil, 16385, FrameData, 0, 1), false, ErrCodeFrameSize},
		{"DATA stream 0", AppendData(nil, 0, false, []byte("x")), false, ErrCodeProtocol},
		{"padding too long", append(hdr(nil, 2, FrameData, FlagPadded, 1), 2, 'a'), false, ErrCodeProtocol},
		{"padded empty", hdr(nil, 0, FrameData, FlagPadded, 1), false, ErrCodeProtocol},
		{"HEADERS stream 0", AppendHeaders(nil, 0, FlagEndHeaders, []byte{0x82}), false, ErrCodeProtocol},
		{"HEADERS priority short", append(hdr(nil, 3, FrameHeaders, FlagPriority, 1), 0, 0, 0), false, ErrCodeFrameSize},
		{"HEADERS self dependency", append(hdr(nil, 5, FrameHeaders, FlagPriority, 1), 0, 0, 0, 1, 0), true, ErrCodeProtocol},
		{"PRIORITY stream 0", AppendPriority(nil, 0, 1, false, 1), false, ErrCodeProtocol},
		{"PRIORITY length", append(hdr(nil, 4, FramePriority, 0, 1), 0, 0, 0, 3), true, ErrCodeFrameSize},
		{"PRIORITY self", AppendPriority(nil, 3, 3, false, 1), true, ErrCodeProtocol},
		{"RST_STREAM stream 0", AppendRSTStream(nil, 0, 0), false, ErrCodeProtocol},
		{"RST_STREAM length", append(hdr(nil, 3, FrameRSTStream, 0, 1), 0, 0, 0), false, ErrCodeFrameSize},
		{"SETTINGS stream", hdr(nil, 0, FrameSettings, 0, 1), false, ErrCodeProtocol},
		{"SETTINGS length", append(hdr(nil, 5, FrameSettings, 0, 0), 0, 1, 0, 0, 0), false, ErrCodeFrameSize},
		{"SETTINGS ACK payload", append(hdr(nil, 6, FrameSettings, FlagAck, 0), 0, 1, 0, 0, 0, 0), false, ErrCodeFrameSize},
		{"ENABLE_PUSH 2", AppendSettings(nil, Setting{SettingEnablePush, 2}), false, ErrCodeProtocol},
		{"INITIAL_WINDOW_SIZE", AppendSettings(nil, Setting{SettingInitialWindowSize, 1 << 31}), false, ErrCodeFlowControl},
		{"MAX_FRAME_SIZE low", AppendSettings(nil, Setting{SettingMaxFrameSize, 16383}), false, ErrCodeProtocol},
		{"MAX_FRAME_SIZE high", AppendSettings(nil, Setting{SettingMaxFrameSize, 1 << 24}), false, ErrCodeProtocol},
		{"PUSH_PROMISE short", append(hdr(nil, 3, FramePushPromise, 0, 1), 0, 0, 0), false, ErrCodeFrameSize},
		{"PING stream", AppendFrameHeader(AppendPing(nil, false, [8]byte{})[:0], 8, FramePing, 0, 1), false, ErrCodeProtocol},
		{"PING length", append(hdr(nil, 7, FramePing, 0, 0), 1, 2, 3, 4, 5, 6, 7), false, ErrCodeFrameSize},
		{"GOAWAY stream", append(hdr(nil, 8, FrameGoAway, 0, 1), 0, 0, 0, 0, 0, 0, 0, 0), false, ErrCodeProtocol},
		{"GOAWAY short", append(hdr(nil, 4, FrameGoAway, 0, 0), 0, 0, 0, 0), false, ErrCodeFrameSize},
		{"WINDOW_UPDATE length", append(hdr(nil, 3, FrameWindowUpdate, 0, 0), 0, 0, 1), false, ErrCodeFrameSize},
		{"WINDOW_UPDATE 0 on connection", AppendWindowUpdate(nil, 0, 0), false, ErrCodeProtocol},
		{"WINDOW_UPDATE 0 on stream", AppendWindowUpdate(nil, 1, 0), true, ErrCodeProtocol},
		{"CONTINUATION stream 0", AppendContinuation(nil, 0, true, nil), false, ErrCodeProtocol},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Frame
			in := tt.in
			if tt.name == "PING stream" {
				in = append(AppendFrameHeader(nil, 8, FramePing, 0, 1), make([]byte, 8)...)
			}
			_, err := ParseFrame(in, MinMaxFrameSize, &f)
			var se *StreamError
			var ce *ConnectionError
			switch {
			case tt.stream && errors.As(err, &se):
				if se.Code != tt.code || se.StreamID != f.StreamID {
					t.Errorf("got %v, want stream error %v", err, tt.code)
				}
			case !tt.stream && errors.As(err, &ce):
				if ce.Code != tt.code {
					t.Errorf("got %v, want connection error %v", err, tt.code)
				}
			default:
				t.Errorf("got %v, want stream=%v %v", err, tt.stream, tt.code)
			}
		})
	}
}

func TestFrameFields(t *testing.T) {
	var f Frame
	in := append(AppendFrameHeader(nil, 8, FrameData, FlagPadded|FlagEndStream, 1), 3, 'a', 'b', 'c', 'd', 0, 0, 0)
	in[5] |= 0x80 // reserved bit is ignored
	if _, err := ParseFrame(in, MinMaxFrameSize, &f); err != nil {
		t.Fatal(err)
	}
	if string(f.Data) != "abcd" || f.PadLen != 3 || f.StreamID != 1 || !f.Has(FlagEndStream) || f.Length != 8 {
		t.Errorf("got %+v", f)
	}
	if _, err := ParseFrame(AppendGoAway(nil, 7, ErrCodeEnhanceYourCalm, []byte("x")), MinMaxFrameSize, &f); err != nil {
		t.Fatal(err)
	}
	if f.LastStreamID != 7 || f.ErrCode != ErrCodeEnhanceYourCalm || string(f.Data) != "x" {
		t.Errorf("GOAWAY: %+v", f)
	}
}

func FuzzFrame(f *testing.F) {
	for _, b := range sampleFrames() {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var fr Frame
		n, err := ParseFrame(in, MaxMaxFrameSize, &fr)
		if err == ErrNeedMore {
			return
		}
		if n < 0 || n > len(in) {
			t.Fatalf("n=%d of %d", n, len(in))
		}
		if err != nil {
			return
		}
		if n != HeaderLen+int(fr.Length) {
			t.Fatalf("n=%d length=%d", n, fr.Length)
		}
		if fr.Type == FrameSettings {
			for i := range fr.NumSettings() {
				fr.Setting(i)
			}
		}
		// Frames without padding re-encode to the same bytes, apart from
		// the reserved bit and flags the writers do not set.
		out := reencode(t, &fr)
		var g Frame
		if m, err := ParseFrame(out, MaxMaxFrameSize, &g); err != nil || m != len(out) {
			t.Fatalf("re-encoded frame does not parse: %v", err)
		}
		if g.Type != fr.Type || g.StreamID != fr.StreamID || !bytes.Equal(g.Data, fr.Data) {
			t.Fatalf("re-encode changed the frame: %+v vs %+v", g, fr)
		}
	})
}
