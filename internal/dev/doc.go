// Package dev is the machinery behind `zspack dev`: it watches a site
// directory, rebuilds it in memory through the same code path as
// `zspack build`, swaps each build into the running server and tells open
// browser tabs about it.
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
//     mode it injects a small script tag into every HTML file. A failed
//     build after a good one yields no archive (the last good build keeps
//     serving); a failed first build yields a one-page site with the error.
//     With Builder.Swap set it swaps each archive in itself, and a build
//     counts as good (numbered, diffed against) only once the server
//     accepted it: a refused swap is a failed build, retried on the next
//     event even when no input changed.
//   - Live runs pkg/server on those archives: each is opened with
//     archive.OpenBytes and swapped in with Server.Swap, no file written.
//   - Hub is the server's Config.Endpoint under /.zeroserve/dev/: the
//     injected client (client.js) and a Server-Sent Events stream that
//     starts with the current build and error ("hello") and then carries
//     "reload", "css", "error" and "ok" events and heartbeat comments.
//     The archive never serves /.zeroserve/, so these paths shadow no
//     site file, and `zspack build` output never contains any of it.
//
// Ordering: a build is swapped in before it is published, so a page that
// reloads on an event gets the new build; a page that (re)connects gets
// the current state in its hello and catches up on any build it missed.
package dev
