package tlsrec

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"testing"
)

// rawClient completes a handshake with Go's client over a record-gated
// pipe, then speaks the TLS 1.3 record layer itself with the client's own
// traffic secrets, so tests can send what tls.Conn never would.
type rawClient struct {
	t       *testing.T
	nc      net.Conn
	p       *pipe
	in, out halfConn
}

type clientConn struct {
	*pipe
	nc net.Conn
}

func (c clientConn) Write(b []byte) (int, error) { return c.nc.Write(b) }

func dialRaw(t *testing.T, s *testServer, cc *tls.Config) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", s.addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	p := newPipe(1<<20, func() {}, nc.LocalAddr(), nc.RemoteAddr())
	go func() {
		b := make([]byte, 32<<10)
		for {
			n, err := nc.Read(b)
			p.feed(b[:n])
			if err != nil {
				p.closeRead()
				return
			}
		}
	}()
	kl := new(keyLog)
	cc = cc.Clone()
	cc.KeyLogWriter = kl
	tc := tls.Client(clientConn{p, nc}, cc)
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	su := suiteByID(tc.ConnectionState().CipherSuite)
	rc := &rawClient{t: t, nc: nc, p: p}
	if err := rc.out.setSecret(su, kl.client); err != nil {
		t.Fatal(err)
	}
	if err := rc.in.setSecret(su, kl.server); err != nil {
		t.Fatal(err)
	}
	return rc
}

func (rc *rawClient) send(t ContentType, payload []byte) {
	rc.t.Helper()
	rec, err := rc.out.seal(nil, t, payload)
	if err != nil {
		rc.t.Fatal(err)
	}
	rc.nc.Write(rec)
}

// recv reads and opens one record; err is io.EOF when the server closed.
func (rc *rawClient) recv() (ContentType, []byte, error) {
	hdr := make([]byte, headerLen)
	if _, err := io.ReadFull(rc.p, hdr); err != nil {
		return 0, nil, io.EOF
	}
	rec := append(hdr, make([]byte, int(hdr[3])<<8|int(hdr[4]))...)
	if _, err := io.ReadFull(rc.p, rec[headerLen:]); err != nil {
		return 0, nil, io.EOF
	}
	return rc.in.open(rec)
}

func (rc *rawClient) expect(t ContentType, want []byte) {
	rc.t.Helper()
	gt, got, err := rc.recv()
	if err != nil || gt != t || !bytes.Equal(got, want) {
		rc.t.Fatalf("got type %d %q (%v), want type %d %q", gt, got, err, t, want)
	}
}

// expectData reads application data records until want has arrived
// (responses may be coalesced into one record or not).
func (rc *rawClient) expectData(want string) {
	rc.t.Helper()
	var got []byte
	for len(got) < len(want) {
		gt, pt, err := rc.recv()
		if err != nil || gt != TypeApplicationData {
			rc.t.Fatalf("got type %d %q (%v) after %q, want data %q", gt, pt, err, got, want)
		}
		got = append(got, pt...)
	}
	if string(got) != want {
		rc.t.Fatalf("got %q, want %q", got, want)
	}
}

func (rc *rawClient) expectEOF() {
	rc.t.Helper()
	if gt, got, err := rc.recv(); err != io.EOF {
		rc.t.Fatalf("got type %d %q (%v), want EOF", gt, got, err)
	}
}

var (
	keyUpdateRequested    = []byte{24, 0, 0, 1, 1}
	keyUpdateNotRequested = []byte{24, 0, 0, 1, 0}
)

func TestRecordLayerRaw(t *testing.T) {
	appData := func(s string) func(*rawClient) {
		return func(rc *rawClient) { rc.send(TypeApplicationData, []byte(s)) }
	}
	for _, tt := range []struct {
		name    string
		run     func(rc *rawClient)
		echo    bool  // then "z\n" must be echoed
		alert   Alert // else this alert must arrive, then EOF
		wantErr error // server's error (nil: orderly)
	}{
		{name: "data", run: func(rc *rawClient) {
			appData("a\n")(rc)
			rc.expectData("echo: a\n")
		}, echo: true},
		{name: "split-line-across-records", run: func(rc *rawClient) {
			rc.send(TypeApplicationData, []byte("sp"))
			rc.send(TypeApplicationData, []byte("lit\n"))
			rc.expectData("echo: split\n")
		}, echo: true},
		{name: "padding", run: func(rc *rawClient) {
			rc.send(TypeApplicationData, []byte("pad\n"))
			// A record with zero padding after the type byte (§5.4).
			p := append([]byte("padded\n"), byte(TypeApplicationData), 0, 0, 0, 0)
			rc.sendInner(p)
			rc.expectData("echo: pad\necho: padded\n")
		}, echo: true},
		{name: "keyupdate-requested", run: func(rc *rawClient) {
			rc.send(TypeHandshake, keyUpdateRequested)
			rc.out.update()
			rc.send(TypeApplicationData, []byte("b\n"))
			rc.expect(TypeHandshake, keyUpdateNotRequested)
			rc.in.update()
			rc.expectData("echo: b\n")
		}, echo: true},
		{name: "keyupdate-not-requested", run: func(rc *rawClient) {
			rc.send(TypeHandshake, keyUpdateNotRequested)
			rc.out.update()
		}, echo: true},
		{name: "keyupdate-fragmented", run: func(rc *rawClient) {
			rc.send(TypeHandshake, keyUpdateNotRequested[:2])
			rc.send(TypeHandshake, keyUpdateNotRequested[2:])
			rc.out.update()
		}, echo: true},
		{name: "user-canceled-ignored", run: func(rc *rawClient) { rc.send(TypeAlert, []byte{1, 90}) }, echo: true},
		{name: "empty-records-below-limit", run: func(rc *rawClient) {
			for range maxUseless {
				rc.send(TypeApplicationData, nil)
			}
		}, echo: true},
		{name: "close-notify", run: func(rc *rawClient) {
			rc.send(TypeAlert, []byte{1, 0})
			rc.expect(TypeAlert, []byte{1, 0})
			rc.expectEOF()
		}},
		{name: "peer-fatal-alert", run: func(rc *rawClient) {
			rc.send(TypeAlert, []byte{2, 40})
			rc.expectEOF()
		}, wantErr: &PeerAlert{AlertHandshakeFailure}},
		{name: "bad-mac", run: func(rc *rawClient) {
			rec, _ := rc.out.seal(nil, TypeApplicationData, []byte("x\n"))
			rec[len(rec)-1] ^= 1
			rc.nc.Write(rec)
		}, alert: AlertBadRecordMAC},
		{name: "ciphertext-overflow", run: func(rc *rawClient) {
			n := maxCiphertext + 1
			rc.nc.Write(append([]byte{23, 3, 3, byte(n >> 8), byte(n)}, make([]byte, n)...))
		}, alert: AlertRecordOverflow},
		{name: "plaintext-overflow", run: func(rc *rawClient) {
			rc.sendInner(append(make([]byte, maxPlaintext+1), byte(TypeApplicationData)))
		}, alert: AlertRecordOverflow},
		{name: "ccs-after-handshake", run: func(rc *rawClient) { rc.nc.Write([]byte{20, 3, 3, 0, 1, 1}) }, alert: AlertUnexpectedMessage},
		{name: "plaintext-record", run: func(rc *rawClient) { rc.nc.Write([]byte{22, 3, 3, 0, 1, 1}) }, alert: AlertUnexpectedMessage},
		{name: "bad-version", run: func(rc *rawClient) { rc.nc.Write([]byte{23, 4, 3, 0, 1, 1}) }, alert: AlertProtocolVersion},
		{name: "no-content-type", run: func(rc *rawClient) { rc.sendInner([]byte{0, 0, 0}) }, alert: AlertUnexpectedMessage},
		{name: "unknown-inner-type", run: func(rc *rawClient) { rc.sendInner([]byte{'x', 99}) }, alert: AlertUnexpectedMessage},
		{name: "client-new-session-ticket", run: func(rc *rawClient) {
			rc.send(TypeHandshake, []byte{4, 0, 0, 1, 0})
		}, alert: AlertUnexpectedMessage},
		{name: "keyupdate-bad-value", run: func(rc *rawClient) { rc.send(TypeHandshake, []byte{24, 0, 0, 1, 2}) }, alert: AlertIllegalParameter},
		{name: "keyupdate-bad-length", run: func(rc *rawClient) { rc.send(TypeHandshake, []byte{24, 0, 0, 2, 0, 0}) }, alert: AlertDecodeError},
		{name: "keyupdate-not-at-record-end", run: func(rc *rawClient) {
			rc.send(TypeHandshake, append(keyUpdateNotRequested, keyUpdateNotRequested...))
		}, alert: AlertUnexpectedMessage},
		{name: "handshake-interleaved", run: func(rc *rawClient) {
			rc.send(TypeHandshake, keyUpdateNotRequested[:2])
			rc.send(TypeApplicationData, []byte("x\n"))
		}, alert: AlertUnexpectedMessage},
		{name: "empty-handshake-fragment", run: func(rc *rawClient) { rc.send(TypeHandshake, nil) }, alert: AlertUnexpectedMessage},
		{name: "alert-bad-length", run: func(rc *rawClient) { rc.send(TypeAlert, []byte{1}) }, alert: AlertDecodeError},
		{name: "too-many-empty-records", run: func(rc *rawClient) {
			for range maxUseless + 1 {
				rc.send(TypeApplicationData, nil)
			}
		}, alert: AlertUnexpectedMessage},
	} {
		t.Run(tt.name, func(t *testing.T) {
			base, pool := baseConfig(t, tls.VersionTLS12)
			s := newTestServer(t, base)
			rc := dialRaw(t, s, clientConfig(pool))
			sv := s.next()
			tt.run(rc)
			switch {
			case tt.echo:
				rc.send(TypeApplicationData, []byte("z\n"))
				rc.expectData("echo: z\n")
				rc.send(TypeAlert, []byte{1, 0})
				rc.expect(TypeAlert, []byte{1, 0})
				rc.expectEOF()
			case tt.alert != 0:
				rc.expect(TypeAlert, []byte{2, byte(tt.alert)})
				rc.expectEOF()
				tt.wantErr = tt.alert
			}
			err := sv.wait(t)
			if tt.wantErr == nil && err != nil {
				t.Fatalf("server error %v, want orderly close", err)
			}
			var pa *PeerAlert
			if want, ok := tt.wantErr.(*PeerAlert); ok {
				if !errors.As(err, &pa) || *pa != *want {
					t.Fatalf("server error %v, want %v", err, want)
				}
			} else if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("server error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// sendInner seals inner (content, type byte and padding already laid out)
// as one record, for records seal would not produce.
func (rc *rawClient) sendInner(inner []byte) {
	rc.t.Helper()
	clen := len(inner) + tagLen
	rec := append([]byte{23, 3, 3, byte(clen >> 8), byte(clen)}, inner...)
	nonce, _ := rc.out.nextNonce()
	rec = rc.out.aead.Seal(rec[:headerLen], nonce, rec[headerLen:], rec[:headerLen])
	rc.nc.Write(rec)
}
