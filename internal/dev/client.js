// zspack dev live-reload client. Injected into HTML pages by `zspack dev`
// only; `zspack build` never adds it. It polls /.zeroserve-dev/status.json:
// a newer build reloads the page (or, after a stylesheet-only change, swaps
// the stylesheets), and a failed build shows an overlay until the next good one.
(function () {
  "use strict";
  var me = document.querySelector("script[data-zeroserve-build]");
  var seen = me ? Number(me.getAttribute("data-zeroserve-build")) : 0;
  var overlayID = "zeroserve-dev-overlay";
  var interval = 250, delay = interval;

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

  function apply(s) {
    overlay(s.error || "");
    if (s.reload > seen) {
      location.reload();
      return false;
    }
    if (s.build > seen) {
      swapStyles(s.build);
      seen = s.build;
    }
    return true;
  }

  function poll() {
    fetch("/.zeroserve-dev/status.json", { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        delay = interval;
        if (!s || apply(s)) setTimeout(poll, delay);
      }, function () {
        delay = Math.min(delay * 2, 2000); // server stopped or restarting
        setTimeout(poll, delay);
      });
  }
  poll();
})();
