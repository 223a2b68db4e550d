// Package inspect is `zspack inspect FILE [--json]`: it prints an archive's
// index as a table or as JSON.
package inspect
