// Package inspect is `zspack inspect FILE [--json]`: it prints an archive's
// index as a table or as JSON: the files, and the scripts with their entry
// sections and helper imports as the VM's loader reads them.
package inspect
