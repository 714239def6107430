"""The dashboard pages on the hostile demo company: numbers, escaping, periods, empty state.

Each page is rendered once per session (the numbers are computed by the metric packages,
which their own tests check); these tests check what the pages add: the overview shows the
summary's numbers, user text is escaped and never a live ``javascript:`` link, a bad period is
a 400 page, an empty workspace says what to import.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from _dash import (  # noqa: F401
    BRAND,
    DATE_FROM,
    DATE_TO,
    EMPTY_WS,
    IMG,
    LAST_DAY,
    SCRIPT,
    WS,
    client,
    dash_app,
    dash_db,
    dash_engine,
)

from socialroi.report.narrative import fmt_money, fmt_times
from socialroi.summary import summary
from socialroi.web.dashboard_data import PAGES

PERIOD = f"from={DATE_FROM.isoformat()}&to={DATE_TO.isoformat()}&compare=previous"
PATHS = [f"/w/{WS}/{p.path}" for p in PAGES.values()] + [f"/w/{WS}/report"]


@pytest.fixture(scope="session")
def rendered(client: Any) -> dict[str, Any]:  # noqa: F811
    return {path: client.get(f"{path}?{PERIOD}") for path in PATHS}


@pytest.fixture(scope="session")
def expected(dash_engine: Any) -> dict[str, Any]:  # noqa: F811
    return summary(dash_engine, WS, DATE_FROM, DATE_TO)


def test_every_page_renders_with_the_period_picker(rendered: dict[str, Any]) -> None:
    for path, r in rendered.items():
        assert r.status_code == 200, (path, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        html = r.text
        assert '<form class="period" method="get"' in html, path
        assert f'name="from" value="{DATE_FROM.isoformat()}"' in html, path
        assert f'name="to" value="{DATE_TO.isoformat()}"' in html, path
        assert '<option value="previous" selected>' in html, path
        assert 'class="empty"' not in html, path  # the demo has data on every page


def test_overview_shows_the_summary_numbers(
    rendered: dict[str, Any], expected: dict[str, Any]
) -> None:
    html = rendered[f"/w/{WS}/"].text
    cards = dict(re.findall(
        r'<div class="label">([^<]+)</div>\s*<div class="value">([^<]+)</div>', html
    ))  # fmt: skip
    for scope, prefix in (("social", "Social: "), ("totals", "All channels: ")):
        s = expected[scope]
        assert cards[prefix + "Visits"] == f"{s['visits']:,}"
        assert cards[prefix + "Leads"] == f"{s['leads']:,}"
        assert cards[prefix + "Customers"] == f"{s['customers']:,}"
        assert cards[prefix + "Revenue"] == fmt_money(s["revenue"], "EUR")
        assert cards[prefix + "Cost"] == fmt_money(s["cost"], "EUR")
        assert cards[prefix + "ROI"] == fmt_times(s["roi"])
        assert cards[prefix + "ROI with staff time"] == fmt_times(s["roi_with_labour"])
    assert expected["social"]["customers"] > 0  # the comparison means something
    # every network of the summary has a row with its revenue (cents, as the report's tables)
    table = html.split('id="table-by_network"', 1)[1].split("</table>", 1)[0]
    for row in expected["by_network"]:
        assert f"<td>{row['network']}</td>" in table
        assert f"{row['revenue']:,.2f}" in table


def test_api_twin_of_the_overview_equals_the_summary(
    client: Any, expected: dict[str, Any]  # noqa: F811
) -> None:
    body = client.get(f"/api/v1/overview?{PERIOD}").json()
    for key in ("totals", "social", "by_network", "by_channel", "period", "currency"):
        assert body["data"]["summary"][key] == expected[key], key
    social = {c["label"]: c["value"] for c in body["cards"]}
    assert social["Social: Revenue"] == expected["social"]["revenue"]
    assert body["data"]["comparison"]["period"] == {"from": "2024-12-31", "to": "2025-03-31"}


def test_user_text_is_escaped_and_never_a_live_link(rendered: dict[str, Any]) -> None:
    for path, r in rendered.items():
        html = r.text
        assert SCRIPT not in html, path
        assert "<img src=x" not in html, path
        assert BRAND not in html, path
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.I), path
        assert not re.search(r"<[^>]+\son\w+\s*=", html), path  # no event handler attribute
        # the only scripts: the bundled files and JSON data blocks
        for tag in re.findall(r"<script[^>]*>", html):
            assert re.fullmatch(r'<script (src="/static/[\w.]+(\?v=\w+)?" defer|'
                                r'type="application/json" id="spec-\w+")>', tag), tag
    posts = rendered[f"/w/{WS}/posts"].text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in posts  # post text, escaped
    assert "spring&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in posts  # campaign, escaped
    assert 'href="https://' in posts  # real post URLs are links; javascript: ones are text
    networks = rendered[f"/w/{WS}/networks"].text
    assert "javascript:alert(document.cookie)&lt;script&gt;" in networks  # utm_campaign as text
    sov = rendered[f"/w/{WS}/share-of-voice"].text
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in sov  # brand inside a spec
    assert IMG not in sov


@pytest.mark.parametrize("query", [
    "from=2025-13-01", "to=2025-02-30", "from=2025-06-01&to=2025-05-01", "compare=month",
    "from=';--", "to=2025-01-01) OR 1=1", "from=1990-01-01&to=2025-01-01", "from=0001-01-01",
])  # fmt: skip
def test_bad_period_is_a_400_page(client: Any, query: str) -> None:  # noqa: F811
    r = client.get(f"/w/{WS}/funnel?{query}")
    assert r.status_code == 400
    assert 'role="alert"' in r.text
    assert "Traceback" not in r.text
    assert "';--" not in r.text  # echoed only escaped


def test_bad_period_message_says_what_to_do(client: Any) -> None:  # noqa: F811
    r = client.get(f"/w/{WS}/?from=2025-13-01")
    assert r.status_code == 400
    assert "from=&#39;2025-13-01&#39; is not a date" in r.text
    assert "give from as YYYY-MM-DD" in r.text


def test_default_period_ends_on_the_latest_day_with_data(client: Any) -> None:  # noqa: F811
    r = client.get(f"/w/{WS}/response")
    assert r.status_code == 200
    assert f'name="to" value="{LAST_DAY.isoformat()}"' in r.text
    assert 'name="from" value="2025-04-02"' in r.text  # 90 days ending 2025-06-30


def test_empty_workspace_says_what_to_import(client: Any) -> None:  # noqa: F811
    r = client.get(f"/w/{EMPTY_WS}/share-of-voice")
    assert r.status_code == 200
    assert 'class="empty"' in r.text
    assert "import mentions.csv" in r.text
    assert "<figure" not in r.text


def test_another_workspace_is_404(client: Any) -> None:  # noqa: F811
    assert client.get("/w/someone-else/funnel").status_code == 404


def test_posts_are_paginated(client: Any, rendered: dict[str, Any]) -> None:  # noqa: F811
    first = rendered[f"/w/{WS}/posts"].text
    nxt = re.search(r'<a class="next" href="([^"]+)"', first)
    assert nxt is not None
    href = nxt.group(1).replace("&amp;", "&")
    assert "offset=50" in href
    response = client.get(f"/w/{WS}/posts{href}")
    assert response.status_code == 200
    second = response.text
    rows = lambda html: html.split('id="table-posts"', 1)[1].count("<tr>") - 1  # noqa: E731
    assert rows(first) == 50
    assert 0 < rows(second) <= 50


def test_vega_bundle_is_served_and_cached(client: Any) -> None:  # noqa: F811
    r = client.get("/static/vega.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/javascript")
    assert "immutable" in r.headers["cache-control"]
    assert "vegaEmbed" in r.text
    assert client.get("/static/dashboard.js").status_code == 200


def test_report_page_links_and_pdf_download(
    client: Any, rendered: dict[str, Any]  # noqa: F811
) -> None:
    page = rendered[f"/w/{WS}/report"].text
    assert "format=pdf" in page and "format=html" in page
    r = client.get(f"/w/{WS}/report?{PERIOD}&format=pdf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert r.headers["content-disposition"] == (
        'attachment; filename="socialroi-acme-2025-04-01-2025-06-30.pdf"'
    )
