// Package build is `zspack build DIR`: it walks a site directory (Collect),
// compiles its scripts through a pluggable ScriptCompiler, and packs
// everything into one archive (Pack) on disk or in memory.
//
// Collect follows symlinks that stay inside DIR (storing the target's
// content under the link's path), refuses symlinks that leave DIR, and
// skips special files with a warning. Under DIR/.zeroserve/ only
// scripts/*.c is read; nothing else there is a site file. Version-control
// metadata (.git, .hg, .svn, .bzr, _darcs, CVS at any depth, and symlinks
// into them) is left out and listed in Site.Skipped; other dotfiles are
// site files. A file is opened without following symlinks and must still be
// a regular file once open, so a link swapped in after the walk's check is
// never followed; a file that changes while read is an error.
package build
