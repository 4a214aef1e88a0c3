// leakhound HTML report: filtering, sorting and a virtual table over the findings embedded in
// #leakhound-data. Every value from the report reaches the page through textContent or a
// form option's text, never as markup.
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("leakhound-data").textContent);
  var CONF = ["low", "medium", "high"];
  var STAT = ["unverified", "active", "inactive", "unknown"];
  var HEAD = { "1": "yes", "0": "no", "-1": "" };
  var F = D.f, RULES = D.rules, COMMITS = D.commits;
  // Field positions in D.f rows.
  var R = 0, C = 1, S = 2, P = 3, L = 4, COL = 5, SEC = 6, CTX = 7, FP = 8, CM = 9, H = 10, AN = 11, REPO = 12;
  function $(id) { return document.getElementById(id); }

  var hay = new Array(F.length);
  function haystack(i) {
    var h = hay[i];
    if (h === undefined) {
      var f = F[i], r = RULES[f[R]], c = f[CM] >= 0 ? COMMITS[f[CM]] : null;
      h = [r[0], r[1], f[P], f[SEC], f[CTX], f[FP], f[AN], c ? c.join(" ") : "", f[REPO] || ""].join("\n").toLowerCase();
      hay[i] = h;
    }
    return h;
  }

  // Filters.
  var elRule = $("f-rule"), elConf = $("f-conf"), elStat = $("f-status"), elPath = $("f-path"), elQ = $("f-q");
  var ruleCounts = {};
  for (var i = 0; i < F.length; i++) ruleCounts[F[i][R]] = (ruleCounts[F[i][R]] || 0) + 1;
  Object.keys(ruleCounts).map(Number).sort(function (a, b) {
    return RULES[a][0] < RULES[b][0] ? -1 : RULES[a][0] > RULES[b][0] ? 1 : 0;
  }).forEach(function (r) {
    var o = document.createElement("option");
    o.value = String(r);
    o.textContent = RULES[r][0] + " (" + ruleCounts[r] + ")";
    elRule.appendChild(o);
  });

  var view = [];
  var sortKey = "default", sortDir = 1;
  function keyOf(i, k) {
    var f = F[i];
    switch (k) {
      case "conf": return f[C];
      case "rule": return RULES[f[R]][0];
      case "status": return f[S];
      case "path": return f[P];
      case "secret": return f[SEC];
      case "date": return f[CM] >= 0 ? COMMITS[f[CM]][3] : "";
      case "head": return f[H];
      default: return i;
    }
  }
  var lastApplyMs = 0;
  function apply() {
    var t0 = performance.now();
    var rule = elRule.value, conf = elConf.value, stat = elStat.value;
    var path = elPath.value.toLowerCase(), q = elQ.value.toLowerCase().trim();
    var out = [];
    for (var i = 0; i < F.length; i++) {
      var f = F[i];
      if (rule !== "" && String(f[R]) !== rule) continue;
      if (conf !== "" && String(f[C]) !== conf) continue;
      if (stat !== "" && String(f[S]) !== stat) continue;
      if (path !== "" && f[P].toLowerCase().indexOf(path) < 0) continue;
      if (q !== "" && haystack(i).indexOf(q) < 0) continue;
      out.push(i);
    }
    if (sortKey !== "default") {
      var k = sortKey, d = sortDir;
      out.sort(function (a, b) {
        var x = keyOf(a, k), y = keyOf(b, k);
        if (x < y) return -d;
        if (x > y) return d;
        if (k === "path") return (F[a][L] - F[b][L]) * d || a - b;
        return a - b;
      });
    } else if (sortDir < 0) {
      out.reverse();
    }
    view = out;
    $("count").textContent = view.length.toLocaleString("en") + " of " + F.length.toLocaleString("en") + " findings";
    $("table").setAttribute("data-shown", String(view.length));
    $("scroller").scrollTop = 0;
    render();
    lastApplyMs = performance.now() - t0;
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 120); }
  [elRule, elConf, elStat].forEach(function (e) { e.addEventListener("change", apply); });
  [elPath, elQ].forEach(function (e) { e.addEventListener("input", later); });
  $("f-clear").addEventListener("click", function () {
    elRule.value = elConf.value = elStat.value = elPath.value = elQ.value = "";
    apply();
  });

  // Sorting.
  var heads = document.querySelectorAll("#thead [data-key]");
  Array.prototype.forEach.call(heads, function (h) {
    h.addEventListener("click", function () {
      var k = h.getAttribute("data-key");
      if (sortKey === k) sortDir = -sortDir; else { sortKey = k; sortDir = 1; }
      Array.prototype.forEach.call(heads, function (o) { o.removeAttribute("data-sort"); });
      h.setAttribute("data-sort", sortDir > 0 ? "asc" : "desc");
      apply();
    });
  });

  // The virtual table: only the rows in view (and a margin) exist in the document.
  var ROW = 30;
  var scroller = $("scroller"), spacer = $("spacer"), rows = $("rows");
  var pool = [];
  function cell(row, cls) {
    var s = document.createElement("span");
    s.className = cls;
    row.appendChild(s);
    return s;
  }
  function makeRow() {
    var r = document.createElement("div");
    r.className = "row";
    r.cells = {
      conf: cell(r, "c-conf"), rule: cell(r, "c-rule"), status: cell(r, "c-status"),
      path: cell(r, "c-path"), secret: cell(r, "c-secret"), ctx: cell(r, "c-ctx"),
      commit: cell(r, "c-commit"), head: cell(r, "c-head"), fp: cell(r, "c-fp")
    };
    r.fpText = document.createElement("code");
    r.cells.fp.appendChild(r.fpText);
    var b = document.createElement("button");
    b.type = "button";
    b.className = "copy";
    b.textContent = "copy";
    b.title = "Copy the fingerprint (for .leakhoundignore)";
    r.cells.fp.appendChild(b);
    rows.appendChild(r);
    return r;
  }
  function render() {
    spacer.style.height = (view.length * ROW) + "px";
    var first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - 5);
    var n = Math.min(view.length - first, Math.ceil(scroller.clientHeight / ROW) + 10);
    while (pool.length < n) pool.push(makeRow());
    for (var j = 0; j < pool.length; j++) {
      var r = pool[j];
      if (j >= n) { r.style.display = "none"; continue; }
      var idx = view[first + j], f = F[idx], c = f[CM] >= 0 ? COMMITS[f[CM]] : null;
      r.style.display = "";
      r.style.top = ((first + j) * ROW) + "px";
      r.setAttribute("data-index", String(idx));
      r.className = "row conf-" + CONF[f[C]] + " st-" + STAT[f[S]] + (idx === selected ? " sel" : "");
      r.cells.conf.textContent = CONF[f[C]];
      r.cells.rule.textContent = RULES[f[R]][0];
      r.cells.rule.title = RULES[f[R]][1];
      r.cells.status.textContent = STAT[f[S]];
      r.cells.path.textContent = f[P] + ":" + f[L];
      r.cells.path.title = (f[REPO] ? f[REPO] + "\n" : "") + f[P] + ":" + f[L] + ":" + f[COL];
      r.cells.secret.textContent = f[SEC];
      r.cells.ctx.textContent = f[CTX];
      r.cells.ctx.title = f[CTX];
      r.cells.commit.textContent = c ? c[0].slice(0, 8) + " " + c[3].slice(0, 10) + " " + c[1] : "";
      r.cells.commit.title = c ? c[0] + "\n" + c[1] + " <" + c[2] + ">\n" + c[3] + "\n" + c[4] : "";
      r.cells.head.textContent = HEAD[String(f[H])];
      r.fpText.textContent = f[FP];
    }
  }
  scroller.addEventListener("scroll", function () { window.requestAnimationFrame(render); });
  window.addEventListener("resize", render);

  // Details of the clicked row, and the copy buttons.
  var selected = -1;
  function details(idx) {
    var f = F[idx], c = f[CM] >= 0 ? COMMITS[f[CM]] : null, r = RULES[f[R]];
    var lines = [
      "rule: " + r[0] + " (" + r[1] + ")",
      "confidence: " + CONF[f[C]] + "    verification: " + STAT[f[S]],
      "location: " + f[P] + ":" + f[L] + ":" + f[COL] + (f[REPO] ? " in " + f[REPO] : ""),
      "secret: " + f[SEC],
      "context: " + f[CTX],
      "fingerprint: " + f[FP]
    ];
    if (c) lines.push("commit: " + c[0] + " by " + c[1] + " <" + c[2] + "> on " + c[3] + ": " + c[4]);
    if (f[H] !== -1) lines.push("still at HEAD: " + HEAD[String(f[H])]);
    if (f[AN]) lines.push("annotations: " + f[AN]);
    $("detail").textContent = lines.join("\n");
  }
  function copy(text, button) {
    function done(ok) {
      button.textContent = ok ? "copied" : "select";
      setTimeout(function () { button.textContent = "copy"; }, 1200);
    }
    function fallback() {
      var t = document.createElement("textarea");
      t.value = text;
      document.body.appendChild(t);
      t.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(t);
      done(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  }
  rows.addEventListener("click", function (ev) {
    var row = ev.target.closest ? ev.target.closest(".row") : null;
    if (!row) return;
    var idx = Number(row.getAttribute("data-index"));
    if (ev.target.classList.contains("copy")) { copy(F[idx][FP], ev.target); return; }
    selected = idx;
    details(idx);
    render();
  });

  apply();
  document.body.setAttribute("data-ready", "1");
  // For tests and the curious: load time, the last filter's time, the rows shown.
  window.leakhoundReport = {
    loadMs: performance.now(),
    scriptMs: performance.now() - started,
    lastApplyMs: function () { return lastApplyMs; },
    shown: function () { return view.length; }
  };
})();
