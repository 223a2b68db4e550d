// zspack dev live-reload client. Injected into HTML pages by `zspack dev`
// only; `zspack build` never adds it. It listens to the Server-Sent Events
// at /.zeroserve/dev/events: a newer build reloads the page (or, after a
// stylesheet-only change, swaps the stylesheets), and a failed build shows
// an overlay until the next good one. Every (re)connection starts with a
// "hello" carrying the current build, so a page never misses one.
(function () {
  "use strict";
  if (window.zeroserveDev) return; // injected twice
  var me = document.querySelector("script[data-zeroserve-build]");
  var seen = me ? Number(me.getAttribute("data-zeroserve-build")) : 0;
  var overlayID = "zeroserve-dev-overlay";
  var session = null; // the zspack dev process this page listens to
  var es = null, retryTimer = 0;

  function overlay(msg) {
    var el = document.getElementById(overlayID);
    if (!msg) {
      if (el) el.remove();
      return;
    }
    if (!el) {
      el = document.createElement("div");
      el.id = overlayID;
      el.setAttribute("role", "alert");
      el.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,20,24,.94);color:#f3f3f3;padding:2em;" +
        "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace";
      var h = document.createElement("div");
      h.textContent = "zspack dev: build failed \u2014 still serving the last good build";
      h.style.cssText = "color:#ff6b6b;font-weight:bold;margin-bottom:1em";
      var pre = document.createElement("pre");
      pre.style.cssText = "white-space:pre-wrap;margin:0";
      el.appendChild(h);
      el.appendChild(pre);
      (document.body || document.documentElement).appendChild(el);
    }
    el.lastChild.textContent = msg;
  }

  function swapStyles(build) {
    var links = document.querySelectorAll('link[rel~="stylesheet"][href]');
    for (var i = 0; i < links.length; i++) {
      var u = new URL(links[i].href, location.href);
      if (u.origin !== location.origin) continue;
      u.searchParams.set("zsdev", String(build));
      links[i].href = u.pathname + u.search + u.hash;
    }
  }

  function reload(build) {
    if (build > seen) {
      disconnect();
      location.reload();
    }
  }

  function styles(build) {
    if (build > seen) {
      swapStyles(build);
      seen = build;
    }
  }

  function hello(s) {
    if (session !== null && s.session !== session) {
      disconnect(); // zspack dev restarted: its build numbers start again
      location.reload();
      return;
    }
    session = s.session;
    overlay(s.error || "");
    if (s.reload > seen) {
      reload(s.reload);
      return;
    }
    styles(s.build);
  }

  function on(name, f) {
    es.addEventListener(name, function (e) { f(e.data); });
  }

  function connect() {
    if (es) return;
    clearTimeout(retryTimer);
    es = new EventSource("/.zeroserve/dev/events");
    on("hello", function (d) { hello(JSON.parse(d)); });
    on("reload", function (d) { reload(Number(d)); });
    on("css", function (d) { styles(Number(d)); });
    on("ok", function () { overlay(""); });
    es.addEventListener("error", function (e) {
      if (typeof e.data === "string") {
        overlay(e.data); // the build failed
        return;
      }
      // The connection failed. EventSource retries by itself (after the
      // "retry" delay) unless it gave up: then try again a little later.
      if (es && es.readyState === EventSource.CLOSED) {
        es = null;
        retryTimer = setTimeout(connect, 2000);
      }
    });
  }

  function disconnect() {
    clearTimeout(retryTimer);
    if (es) {
      es.close();
      es = null;
    }
  }

  // For debugging (and the browser test): drop and restore the stream.
  window.zeroserveDev = {
    connect: connect,
    disconnect: disconnect,
    build: function () { return seen; }
  };
  connect();
})();
