"""The dashboard's charts draw in Debian's headless Chromium under a strict CSP.

Playwright drives ``/usr/bin/chromium``; every request to ``http://dash.test`` is answered by
the app in-process (TestClient) with ``Content-Security-Policy: script-src 'self'`` and no
``'unsafe-eval'`` added, every other request is aborted (no network). Vega runs in vega-embed's
AST mode (its expression interpreter), so each chart must be drawn (an ``<svg>`` with marks),
with no CSP violation reported and no dialog opened by the hostile text (reliability.md 19).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from _chromium import CHROMIUM, launch
from _dash import DATE_FROM, DATE_TO, WS, client, dash_app, dash_db, dash_engine  # noqa: F401

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ORIGIN = "http://dash.test"


@pytest.mark.parametrize("page", ["", "attribution", "forecast"])
def test_charts_draw_under_strict_csp(client: Any, page: str, tmp_path: Path) -> None:  # noqa: F811
    if shutil.which(CHROMIUM) is None:
        pytest.skip("chromium is missing: `make system-deps` installs it")
    from playwright.sync_api import Route, sync_playwright

    def serve(route: Route) -> None:
        url = route.request.url
        if not url.startswith(ORIGIN):
            route.abort()
            return
        r = client.get(url[len(ORIGIN):])
        headers = {k: v for k, v in r.headers.items() if k.lower() != "content-length"}
        headers["content-security-policy"] = CSP
        route.fulfill(status=r.status_code, headers=headers, body=r.content)

    query = f"?from={DATE_FROM.isoformat()}&to={DATE_TO.isoformat()}&compare=previous"
    violations: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = launch(p)
        try:
            tab = browser.new_page(viewport={"width": 1200, "height": 1600})
            tab.on("console", lambda m: violations.append(m.text)
                   if "Content Security Policy" in m.text or "unsafe-eval" in m.text else None)
            tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            tab.route("**/*", serve)
            tab.goto(f"{ORIGIN}/w/{WS}/{page}{query}", timeout=240_000)
            charts = tab.locator("div.chart")
            n = charts.count()
            assert n >= 1
            tab.wait_for_function(
                "document.querySelectorAll('div.chart[data-rendered], div.chart[data-error]')"
                f".length === {n}", timeout=60_000,
            )  # fmt: skip
            errors = tab.eval_on_selector_all(
                "div.chart[data-error]", "els => els.map(e => e.dataset.error)"
            )
            assert errors == []
            drawn = tab.eval_on_selector_all(
                "div.chart", "els => els.map(e => e.querySelectorAll('svg path, svg rect').length)"
            )
            assert all(k > 0 for k in drawn), drawn
            shot = tmp_path / f"dashboard-{page or 'overview'}.png"
            tab.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert violations == [], violations
    assert dialogs == []
