/* socialroi t.js: first-party tracking, no cookies, no storage.
 * <script defer src="https://YOUR-SOCIALROI/t.js" data-workspace="WORKSPACE"></script>
 * Pageviews are sent automatically (also on history.pushState); everything else through
 *   socialroi("goal", "signup", {revenue: 10})
 *   socialroi("lead", {email: "a@b.com"})
 *   socialroi("purchase", {transaction_id: "T1", revenue: 99.5, currency: "EUR"})
 *   socialroi("identify", {contact_id: "C42", email: "a@b.com"})
 *   socialroi("my_custom_event", {props: {plan: "pro"}})
 * Calls made before this script loaded are replayed from window.socialroi.q.
 */
(function (w, d) {
  "use strict";
  var s = d.currentScript;
  if (!s || !s.src) return;
  var ws = s.getAttribute("data-workspace");
  var endpoint = new URL("/api/event", s.src).href;
  var FIELDS = ["goal", "revenue", "currency", "transaction_id", "contact_id", "email",
                "visitor_id", "props"];
  var clickId = null;
  try { clickId = new URL(w.location.href).searchParams.get("sr_cid"); } catch (e) {}

  function uuid() {
    if (w.crypto && w.crypto.randomUUID) return w.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) +
      Math.random().toString(36).slice(2);
  }

  function send(event, data) {
    var e = {workspace: ws, event_id: uuid(), event: event, url: w.location.href,
             referrer: d.referrer || null};
    if (clickId) e.click_id = clickId;
    data = data || {};
    for (var i = 0; i < FIELDS.length; i++) {
      if (data[FIELDS[i]] !== undefined) e[FIELDS[i]] = data[FIELDS[i]];
    }
    var body = JSON.stringify(e);
    // text/plain keeps this a CORS "simple request": no preflight round trip
    try {
      if (w.navigator.sendBeacon &&
          w.navigator.sendBeacon(endpoint, new Blob([body], {type: "text/plain"}))) return;
    } catch (err) {}
    if (w.fetch) {
      w.fetch(endpoint, {method: "POST", body: body, keepalive: true, credentials: "omit",
                         headers: {"Content-Type": "text/plain"}})["catch"](function () {});
    }
  }

  function api(name, a, b) {
    if (name === "goal") { var g = b || {}; g.goal = a; send("goal", g); }
    else send(name, a);
  }

  var queued = (w.socialroi && w.socialroi.q) || [];
  w.socialroi = api;
  for (var q = 0; q < queued.length; q++) api.apply(null, queued[q]);

  if (s.getAttribute("data-auto") !== "false") {
    var last = null;
    var page = function () {
      if (w.location.href === last) return;
      last = w.location.href;
      send("pageview");
    };
    var push = w.history.pushState;
    if (push) {
      w.history.pushState = function () { push.apply(this, arguments); page(); };
      w.addEventListener("popstate", page);
    }
    page();
  }
})(window, document);
