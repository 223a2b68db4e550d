// Package certs loads TLS server certificates and picks one per handshake
// by SNI.
//
// A Store is immutable: LoadPair reads one identity (--cert/--key),
// LoadDir reads every PEM file in a directory (--cert-dir): certificates
// and private keys may sit in separate files or together, keys are matched
// to certificates by public key, the certificate order of each file is
// kept as the chain (leaf first), and a "<name>.ocsp" file next to a
// certificate file "<name>.pem" (or "<file>.ocsp") is stapled. Any bad
// file is an error naming the file; nothing is half-loaded.
//
// Store.GetCertificate (a tls.Config.GetCertificate) chooses by the
// client's server name: an exact DNS name first, then (when no certificate
// for the exact name is valid now) a wildcard one label deep
// ("*.example.com" matches "a.example.com", not "a.b.example.com" nor
// "example.com"); among candidates, certificates outside their validity
// period at Options.Now are skipped, ones the client can use
// (ClientHelloInfo.SupportsCertificate) are preferred, and the one valid
// longest wins. No or an unknown server name gets the default: the
// identity for Options.DefaultName, else the first loaded (files in name
// order).
//
// Source holds the current Store behind an atomic pointer, so one
// tls.Config (and its session ticket keys) survives certificate reloads:
// Source.Reload swaps in a new Store only when loading it succeeded.
package certs
