"""The management pages over HTTP: forms redirect (303) after a write, errors re-render the
form (400), roles are enforced, another workspace is 404, settings land where the metrics
read them."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from _inproc_server import ThreadServer
from _scope_override import Who

from socialroi.metrics.response import BusinessHours, load_business_hours


def test_pages_of_another_workspace_are_404(client: httpx.Client) -> None:
    for path in ("links", "imports", "settings"):
        assert client.get(f"/w/ws/{path}").status_code == 200
        assert client.get(f"/w/other/{path}").status_code == 404


def test_link_form_creates_and_redirects(client: httpx.Client) -> None:
    r = client.post("/w/ws/links", data={"target_url": "https://shop.example/",
                                         "network": "facebook", "campaign": "spring"})  # fmt: skip
    assert r.status_code == 303 and "/w/ws/links?notice=" in r.headers["location"]
    page = client.get(r.headers["location"]).text
    assert "spring" in page and "facebook" in page
    bad = client.post("/w/ws/links", data={"target_url": "//evil.example", "campaign": "c"})
    assert bad.status_code == 400 and "http:// or https://" in bad.text
    assert 'value="//evil.example"' in bad.text  # the form keeps what was typed


def test_bulk_links_from_a_csv(client: httpx.Client) -> None:
    body = "post_id,network,target_url,campaign\np1,linkedin,https://a.example/,x\np2,x,https://b.example/,y\n"
    r = client.post("/w/ws/links/bulk", files={"file": ("posts.csv", body.encode())})
    assert r.status_code == 303 and "2+links+created" in r.headers["location"]
    bad = "post_id,network,target_url\np3,linkedin,javascript:alert(1)\n"
    r = client.post("/w/ws/links/bulk", files={"file": ("posts.csv", bad.encode())})
    assert r.status_code == 400 and "target_url" in r.text and "javascript:alert(1)" in r.text
    assert client.get("/api/v1/links").json()["total"] == 2


def test_a_viewer_sees_no_forms_and_cannot_post(client: httpx.Client, who: Who) -> None:
    who.role = "viewer"
    assert "create-link" not in client.get("/w/ws/links").text
    assert client.post("/w/ws/links", data={"target_url": "https://a.example/"}).status_code == 403
    assert client.get("/w/ws/settings").status_code == 403
    who.role = "analyst"
    assert client.get("/w/ws/settings").status_code == 403  # settings are for admins


def test_currency_and_time_zone(client: httpx.Client, served: ThreadServer) -> None:
    bad = client.post("/w/ws/settings/workspace", data={"currency": "EURO", "timezone": "UTC"})
    assert bad.status_code == 400 and "ISO 4217" in bad.text
    bad = client.post("/w/ws/settings/workspace", data={"currency": "EUR", "timezone": "Mars/Base"})
    assert bad.status_code == 400 and "IANA" in bad.text
    ok = client.post(
        "/w/ws/settings/workspace", data={"currency": "usd", "timezone": "Europe/Berlin"}
    )
    assert ok.status_code == 303
    cur = served.cursor()
    ws = cur.workspace("ws")
    cur.close()
    assert (ws.currency, ws.timezone) == ("USD", "Europe/Berlin")


def test_business_hours_are_stored_where_the_response_metrics_read_them(
    client: httpx.Client, served: ThreadServer
) -> None:
    form = {"start": "08:30", "end": "18:00", "days": ["0", "1", "2", "3", "4", "5"],
            "timezone": "Europe/Paris"}  # fmt: skip
    assert client.post("/w/ws/settings/business-hours", data=form).status_code == 303
    cur = served.cursor()
    hours = load_business_hours(cur, "ws")
    assert hours == BusinessHours(dt.time(8, 30), dt.time(18), (0, 1, 2, 3, 4, 5), "Europe/Paris")
    assert load_business_hours(cur, "other") == BusinessHours()
    cur.close()
    backwards = {"start": "18:00", "end": "08:00", "days": ["0"]}
    assert client.post("/w/ws/settings/business-hours", data=backwards).status_code == 400


def test_cost_staff_and_goal_rows(client: httpx.Client, served: ThreadServer) -> None:
    cost = {"date": "2025-03-01", "amount": "120.5", "category": "agency", "network": "linkedin"}
    assert client.post("/w/ws/settings/rows/costs", data=cost).status_code == 303
    staff = {"date": "2025-03-01", "person": "Ana", "hours": "3", "hourly_rate": "40"}
    assert client.post("/w/ws/settings/rows/staff_hours", data=staff).status_code == 303
    goal = {"metric": "leads", "period_start": "2025-03-01", "period_end": "2025-03-31",
            "target": "50"}  # fmt: skip
    assert client.post("/w/ws/settings/rows/goals", data=goal).status_code == 303
    assert client.post("/w/ws/settings/rows/goals", data=goal).status_code == 303  # same key
    bad = client.post("/w/ws/settings/rows/costs", data={**cost, "amount": "lots"})
    assert bad.status_code == 400 and "amount" in bad.text and "lots" in bad.text
    assert client.post("/w/ws/settings/rows/deals", data=cost).status_code == 404
    cur = served.cursor()
    counts = [cur.run(f"SELECT count(*) FROM {t} WHERE workspace_id = 'ws'")[0][0]  # noqa: S608
              for t in ("costs", "staff_hours", "goals")]  # fmt: skip
    base = cur.run("SELECT amount_base FROM costs WHERE workspace_id = 'ws'")[0][0]
    cur.close()
    assert counts == [1, 1, 1]
    assert base == 120.5  # EUR into an EUR workspace


def test_tracking_goals_and_origins(client: httpx.Client, served: ThreadServer) -> None:
    goal = {"name": "signup", "url_pattern": "/thanks*", "value": "25", "is_lead": "1"}
    assert client.post("/w/ws/settings/tracking-goals", data=goal).status_code == 303
    assert client.post("/w/ws/settings/tracking-goals", data={"name": "x"}).status_code == 400
    assert (
        client.post("/w/ws/settings/origins", data={"origin": "https://Shop.Example"}).status_code
        == 303
    )
    assert client.post("/w/ws/settings/origins", data={"origin": "javascript:x"}).status_code == 400
    page = client.get("/w/ws/settings").text
    assert "https://shop.example" in page and "/thanks*" in page
    r = client.post(
        "/w/ws/settings/origins", data={"origin": "https://shop.example", "remove": "1"}
    )
    assert r.status_code == 303
    assert "https://shop.example</code>" not in client.get("/w/ws/settings").text


def test_imports_page_two_steps(client: httpx.Client) -> None:
    body = b"date,amount,category\n2025-01-01,10,ads\n"
    up = client.post(
        "/w/ws/imports", files={"file": ("my costs.csv", body)}, data={"entity": "costs"}
    )
    assert up.status_code == 303
    staged = client.get(up.headers["location"]).text
    assert "my costs.csv" in staged and "confirm-import" in staged
    done = client.post(up.headers["location"])
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert 'class="inserted">1<' in shown
    # confirming twice imports once
    client.post(up.headers["location"])
    assert client.get("/api/v1/imports").json()["total"] == 1
    assert client.get("/w/ws/imports/" + "0" * 32).status_code == 404
    assert client.get("/w/ws/imports/..%2F..%2Fetc").status_code == 404
    path_like = client.post("/w/ws/imports", files={"file": ("../x.csv", body)},
                            data={"entity": "costs"})  # fmt: skip
    assert path_like.status_code == 400 and "looks like a path" in path_like.text


ODD_FILES = [
    "date,amount,category\r\n2025-01-01,10,ads\r\n".encode("utf-16"),
    "date,amount,category,campaign\n2025-01-01,1,ads,Café\n".encode("latin-1"),
    b"\xef\xbb\xbfdate,amount,category\n2025-01-01,1,ads\n",
    b"\xff\xfe\x00garbage\x00\x00",
    b"",
    b'date,amount,category,campaign\n2025-01-01,1,ads,"unclosed\n',
]


@pytest.mark.parametrize("data", ODD_FILES)
def test_scenario_13_odd_files_through_the_page_never_5xx(
    client: httpx.Client, data: bytes
) -> None:
    up = client.post("/w/ws/imports", files={"file": ("odd.csv", data)}, data={"entity": "costs"})
    assert up.status_code == 303
    assert client.get(up.headers["location"]).status_code == 200
    done = client.post(up.headers["location"])
    assert done.status_code == 303
    shown = client.get(done.headers["location"])
    assert shown.status_code == 200
    assert 'class="inserted">1<' in shown.text or 'role="alert"' in shown.text
