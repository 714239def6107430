// Dashboard pages: draw each chart from its JSON spec, keep the period across the navigation.
// Vega runs in AST mode (vega-embed's `ast: true`: Vega's expression interpreter), so nothing
// is compiled with eval/new Function and the CSP `script-src 'self'` holds.
"use strict";
(function () {
  var root = document.getElementById("dashboard");
  var keep = root ? root.getAttribute("data-keep") : "";
  if (keep) {
    document.querySelectorAll("nav.pages a").forEach(function (a) {
      var href = a.getAttribute("href") || "";
      if (href.charAt(0) === "/" && href.indexOf("?") < 0) { a.setAttribute("href", href + keep); }
    });
  }
  var charts = document.querySelectorAll("div.chart[data-spec]");
  if (!charts.length) { return; }
  if (typeof window.vegaEmbed !== "function") {
    charts.forEach(function (el) { el.setAttribute("data-error", "the chart library did not load"); });
    return;
  }
  charts.forEach(function (el) {
    var block = document.getElementById(el.getAttribute("data-spec"));
    var spec;
    try { spec = JSON.parse(block.textContent); } catch (err) {
      el.setAttribute("data-error", String(err)); return;
    }
    window.vegaEmbed(el, spec, {actions: false, renderer: "svg", ast: true, defaultStyle: false,
      tooltip: {disableDefaultStyle: true}})
      .then(function () { el.setAttribute("data-rendered", "true"); })
      .catch(function (err) {
        el.setAttribute("data-error", String(err));
        el.textContent = "This chart could not be drawn: " + String(err);
      });
  });
})();
