// Package tlsrec terminates TLS for the event loop: crypto/tls performs the
// handshake, and for TLS 1.3 our own record layer (RFC 8446 §5) protects
// the records after it. It is sans-I/O: a Conn is a transport.Conn that
// takes ciphertext in Recv, gives sealed records out through Pending, and
// drives an inner transport.Conn (HTTP/1.1, HTTP/2) with the plaintext.
//
// # Using it
//
//	base := tlsrec.BaseConfig(tls.VersionTLS12, []string{"h2", "http/1.1"}, certSource.GetCertificate)
//	cfg, err := tlsrec.NewConfig(base, tlsrec.Options{})  // once per listener, kept across reloads
//	factory := cfg.Factory(func(st *tls.ConnectionState, info transport.Info) transport.Conn {
//		if st.NegotiatedProtocol == "h2" { return newH2(info) }
//		return newH1(info)
//	})
//
// The NextFunc runs on the loop once the handshake succeeded; the inner
// connection sees the same transport.Info (its Waker wakes the TLS Conn,
// whose Resume forwards to the inner Resume). Certificates change through
// the GetCertificate callback (pkg/server/certs.Source swaps atomically on
// reload); the Config, and with it the session ticket keys, stays.
//
// # Lifecycle of a Conn
//
//  1. Handshake. The first Recv starts crypto/tls (tls.Server) on a
//     short-lived goroutine over an in-memory net.Conn (pipe). Recv copies
//     ciphertext into the pipe; crypto/tls's writes are queued and the loop
//     is woken (Waker.Wake); Resume moves them to the output buffer and,
//     once Handshake returned, sets up the record layer and calls NextFunc.
//  2. TLS 1.3: our record layer. Recv decrypts whole records in place in
//     the transport's buffer and passes the plaintext to the inner Recv;
//     plaintext the inner connection leaves unconsumed is kept and
//     presented again followed by newer plaintext. Pending collects the
//     inner Pending iovecs and seals them into as few records as possible
//     (up to 16 KiB plaintext each, Options.RecordsPerFlush records per
//     flush) into an output buffer. Written maps sent ciphertext back: the
//     inner connection is told its bytes were written when the record
//     carrying them has gone out. Output and staging buffers are borrowed
//     from per-Config pools only while they hold bytes (bufs.go): an idle
//     connection keeps none.
//  3. TLS 1.2 (only when MinVersion allows it, ECDHE+AEAD suites only): the
//     tls.Conn keeps the record layer; the pipe becomes non-blocking and the
//     loop calls Read/Write on it (tls12.go). Slower; for old clients.
//  4. Close: close_notify from the peer drains the inner connection, then
//     we answer with our own close_notify and Status().Close. When the
//     inner connection says Close, its output is sealed, then close_notify.
//     Errors send the matching fatal alert; a fatal alert from the peer
//     closes at once.
//
// # Pitfalls this package pins down (tests fail on a Go upgrade)
//
//   - Secrets: a per-connection Config.Clone with a KeyLogWriter (keyLog)
//     captures CLIENT_TRAFFIC_SECRET_0 and SERVER_TRAFFIC_SECRET_0; it lives
//     only in memory. Key and IV come from HKDF-Expand-Label "key"/"iv",
//     the next generation from "traffic upd" (RFC 8446 §7.1–7.3).
//   - NewSessionTicket: crypto/tls seals one ticket with the server
//     application key before we take over, so our write sequence starts at
//     the number of tickets. They are counted by wrapping
//     Config.WrapSession (called right before the ticket is written) and
//     cross-checked by trial-decrypting the last record crypto/tls wrote:
//     a mismatch fails the connection instead of desynchronising it.
//   - The pipe never hands crypto/tls bytes past the end of the current
//     record, so whatever the client pipelined after its Finished stays
//     with us (pipe.leftover) and is decrypted by our layer.
//   - Ticket keys: NewConfig calls base.DecryptTicket once before any
//     Clone (golang/go#60506), and again before every Clone so that the
//     automatic daily rotation happens in the shared base, not privately
//     in one clone; otherwise resumption silently stops working.
//   - Client records start at sequence 0: Go never accepts 0-RTT on TCP.
//   - ConnectionState is read by the handshake goroutine itself (it takes
//     the handshake mutex; calling it from the loop mid-handshake would
//     block the loop).
//   - Residual risk: a client that packs a post-handshake message into the
//     same record as its Finished would leave it inside crypto/tls; never
//     seen in practice, and it fails closed.
//
// # Record layer rules (RFC 8446)
//
// Ciphertext over 2^14+256 bytes → record_overflow (§5.2); plaintext over
// 2^14+1 → record_overflow; CCS or any outer type other than
// application_data after the handshake → unexpected_message (§5); inner
// plaintext of only zeros → unexpected_message (§5.4); more than 16
// consecutive records without application data → unexpected_message
// (crypto/tls's maxUselessRecords); post-handshake handshake messages
// other than KeyUpdate → unexpected_message; a KeyUpdate not at the end of
// its record → unexpected_message (§5.1); a KeyUpdate with
// update_requested is answered with our own KeyUpdate before more data
// (§4.6.3); we update our own key after Options.KeyUpdateAfter records
// (§5.5). close_notify → orderly close; user_canceled is ignored; every
// other alert is fatal (§6).
//
// # Ownership
//
// A Conn is used from the loop goroutine only, like every transport.Conn;
// the handshake goroutine touches only the pipe and the keyLog, and hands
// its result over under the pipe's mutex. Steady-state Recv/Pending/Written
// allocate nothing.
package tlsrec
