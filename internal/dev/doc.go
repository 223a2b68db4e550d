// Package dev is the machinery behind `zspack dev`: it watches a site
// directory, rebuilds it in memory through the same code path as
// `zspack build`, and tells open browser tabs to reload.
//
// The pieces:
//
//   - Watcher follows a directory tree with fsnotify, adds directories that
//     appear later, and drops editor noise (Ignored: swap files, backups,
//     vim's "4913" probe).
//   - Debouncer folds a burst of events (an editor's write-temp, rename-over,
//     chmod) into one rebuild.
//   - Builder collects the site, diffs it against the previous build,
//     compiles its scripts and packs an archive in memory. In live-reload
//     mode it injects a small script tag into every HTML file and adds two
//     files under the reserved dev prefix (/.zeroserve-dev/): the client
//     script and status.json, which says which build is current, whether the
//     last change needs a full reload or only new stylesheets, and the error
//     of a failed build. A failed build yields an archive of the last good
//     files with the error in status.json, so the browser shows an overlay
//     while the last good site keeps serving.
//
// The dev prefix is served by the real runtime from the archive itself, so
// no special endpoint is needed in the server. The client polls status.json
// (a tiny static response) a few times a second; see docs/dev.md for why
// this is polling rather than a Server-Sent Events stream.
package dev
