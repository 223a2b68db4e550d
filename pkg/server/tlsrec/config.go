package tlsrec

import (
	"bytes"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Defaults of Options.
const (
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 60 * time.Second
	DefaultRecordsPerFlush  = 4
	DefaultMaxBuffered      = 64 << 10
)

// Options tune the record layer. Zero values mean the defaults above.
type Options struct {
	// HandshakeTimeout bounds the whole handshake, from its first byte:
	// more bytes that do not complete it do not extend it.
	HandshakeTimeout time.Duration
	// WriteTimeout bounds sending our own records (alerts, close_notify)
	// when the inner connection has no timer of its own running.
	WriteTimeout time.Duration
	// RecordsPerFlush is how many full records one Pending call may seal
	// (the output buffer grows to this many 16 KiB records).
	RecordsPerFlush int
	// MaxBuffered bounds buffered input: ciphertext waiting for the
	// handshake goroutine, and plaintext the inner connection has not
	// consumed yet.
	MaxBuffered int
	// KeyUpdateAfter is the number of records we seal under one key before
	// we update it ourselves (RFC 8446 §5.5); zero means 2^24.
	KeyUpdateAfter uint64
	// Now is the clock the handshake deadline is measured with (default
	// time.Now); tests inject their own.
	Now func() time.Time
}

// ECDHEAEADSuites are the TLS 1.2 cipher suites allowed: ECDHE key exchange
// with an AEAD only (TLS 1.3 suites are not configurable in crypto/tls).
var ECDHEAEADSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// BaseConfig returns a server tls.Config for NewConfig: minimum version
// minVersion (tls.VersionTLS12 or tls.VersionTLS13), ECDHE+AEAD suites for
// TLS 1.2, the given ALPN protocols and certificate callback (typically
// (*certs.Source).GetCertificate).
func BaseConfig(minVersion uint16, nextProtos []string, getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config {
	return &tls.Config{
		MinVersion:     minVersion,
		MaxVersion:     tls.VersionTLS13,
		CipherSuites:   ECDHEAEADSuites,
		NextProtos:     nextProtos,
		GetCertificate: getCert,
	}
}

// Config is shared by every TLS connection of a listener. It owns the base
// tls.Config and with it the session ticket keys, so keep one Config across
// reloads (certificates change through GetCertificate, not here).
type Config struct {
	base  *tls.Config
	opts  Options
	pools pools // buffers borrowed by busy connections (bufs.go)
}

// NewConfig checks base and takes it over: base must not be modified
// afterwards. It refuses settings the record layer cannot honour.
func NewConfig(base *tls.Config, opts Options) (*Config, error) {
	switch {
	case base == nil:
		return nil, errors.New("tlsrec: nil tls.Config")
	case base.GetConfigForClient != nil:
		// The handshake would use the returned Config and bypass the
		// per-connection KeyLogWriter and WrapSession hooks.
		return nil, errors.New("tlsrec: GetConfigForClient is not supported")
	case base.MinVersion < tls.VersionTLS12:
		return nil, fmt.Errorf("tlsrec: MinVersion %#x below TLS 1.2", base.MinVersion)
	case base.MaxVersion != 0 && base.MaxVersion < base.MinVersion:
		return nil, errors.New("tlsrec: MaxVersion below MinVersion")
	}
	if base.CipherSuites == nil {
		base.CipherSuites = ECDHEAEADSuites
	}
	for _, id := range base.CipherSuites {
		if !isECDHEAEAD(id) {
			return nil, fmt.Errorf("tlsrec: cipher suite %s is not ECDHE+AEAD", tls.CipherSuiteName(id))
		}
	}
	if opts.HandshakeTimeout <= 0 {
		opts.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.RecordsPerFlush <= 0 {
		opts.RecordsPerFlush = DefaultRecordsPerFlush
	}
	if opts.MaxBuffered < maxRecordWire {
		opts.MaxBuffered = max(DefaultMaxBuffered, maxRecordWire)
	}
	if opts.KeyUpdateAfter == 0 {
		opts.KeyUpdateAfter = 1 << 24
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// Initialise the automatic ticket keys of base before anything clones
	// it (golang/go#60506): otherwise every clone makes its own keys and
	// no ticket is ever accepted by another connection.
	base.DecryptTicket(nil, tls.ConnectionState{})
	c := &Config{base: base, opts: opts}
	c.pools.init(&c.opts)
	return c, nil
}

func isECDHEAEAD(id uint16) bool {
	for _, s := range ECDHEAEADSuites {
		if s == id {
			return true
		}
	}
	return false
}

// connConfig clones the base for one connection, hooking the key log and
// counting session tickets.
func (c *Config) connConfig(kl *keyLog) *tls.Config {
	// Rotate the shared automatic ticket keys when they are stale; a clone
	// would otherwise rotate privately (and never share) once base's keys
	// are older than a day.
	c.base.DecryptTicket(nil, tls.ConnectionState{})
	cfg := c.base.Clone()
	cfg.KeyLogWriter = kl
	cfg.DynamicRecordSizingDisabled = true
	wrap := cfg.WrapSession
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		kl.tickets++ // called right before the ticket record is written
		if wrap != nil {
			return wrap(cs, ss)
		}
		return cfg.EncryptTicket(cs, ss)
	}
	return cfg
}

// Key log labels crypto/tls writes (common.go writeKeyLog callers).
const (
	labelClientTraffic0 = "CLIENT_TRAFFIC_SECRET_0"
	labelServerTraffic0 = "SERVER_TRAFFIC_SECRET_0"
)

// keyLog is the per-connection Config.KeyLogWriter. It keeps the TLS 1.3
// application traffic secrets in memory; nothing is ever written out.
// Only the handshake goroutine writes; the loop reads after the handshake
// finished (ordered by the pipe's mutex).
type keyLog struct {
	buf            []byte
	labels         []string
	client, server []byte
	tickets        int // WrapSession calls
}

// Write implements io.Writer: one "LABEL clientrandom secret\n" line per
// call in practice; partial lines are kept until complete.
func (k *keyLog) Write(p []byte) (int, error) {
	k.buf = append(k.buf, p...)
	for {
		i := bytes.IndexByte(k.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		k.line(k.buf[:i])
		k.buf = k.buf[i+1:]
	}
}

func (k *keyLog) line(l []byte) {
	f := bytes.Fields(l)
	if len(f) != 3 {
		return
	}
	label := string(f[0])
	k.labels = append(k.labels, label)
	secret, err := hex.DecodeString(string(f[2]))
	if err != nil {
		return
	}
	switch label {
	case labelClientTraffic0:
		k.client = secret
	case labelServerTraffic0:
		k.server = secret
	}
}
