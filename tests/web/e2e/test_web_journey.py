"""The web app end to end in Chromium, as a new customer meets it (issue 9): sign up, create a
workspace, invite an analyst who joins through the link, upload the demo company file by file
through the imports page, create a tracked link, read the overview and see the numbers of
``socialroi summary``, and download the PDF report. Screenshots of each step are kept in
``test-artifacts/``; any dialog fails the test (the ``page`` fixture)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from _e2e_session import SignedIn
from _inproc_server import ThreadServer
from conftest import ARTIFACTS
from playwright.sync_api import Browser, Page

from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_dir
from socialroi.schema import IMPORT_ORDER
from socialroi.summary import summary
from socialroi.web.dashboard import _kpi

FIRST, LAST = dt.date(2024, 1, 1), dt.date(2026, 12, 31)


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def _upload_and_import(page: Page, ws: str, entity: str, path: Path) -> str:
    page.goto(f"/w/{ws}/imports")
    page.select_option("#upload [name=entity]", entity)
    page.set_input_files("#upload [name=file]", str(path))
    page.click("#upload button[type=submit]")
    page.wait_for_url(re.compile(r"/imports/[0-9a-f]{32}$"))
    page.click("#confirm-import button[type=submit]")
    page.wait_for_selector("#import-result")
    return page.locator("#import-result .inserted").inner_text()


def _analyst_joins(browser: Browser, base_url: str, link: str) -> None:
    """The invitee opens the link in a browser of their own, sets a password and lands in the
    workspace as an analyst: the pages are theirs, the settings are not."""
    context = browser.new_context(base_url=base_url)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto(link)
        page.fill("input[name=password]", "an analyst pass phrase 7")
        page.click("form button[type=submit]")
        found = re.search(r"/w/([^/?]+)/", page.url)
        assert found, page.url
        _shot(page, "3-analyst-joined")
        ws = found.group(1)
        assert page.request.get(f"/w/{ws}/networks").status == 200
        assert page.request.get(f"/w/{ws}/settings").status == 403
    finally:
        context.close()
    assert dialogs == []


@pytest.mark.slow
def test_sign_up_to_pdf(
    signed_in_page: SignedIn,
    e2e_server: ThreadServer,
    browser: Browser,
    demo_dir: Path,
    tmp_path: Path,
) -> None:
    p = signed_in_page.page
    _shot(p, "1-signed-up")

    # a second brand of the agency: a workspace of its own
    p.goto("/workspaces/new")
    p.fill("input[name=workspace_name]", "Brand Two")
    p.click("form[action='/workspaces/new'] button[type=submit]")
    found = re.search(r"/w/([^/?]+)/", p.url)
    assert found, p.url
    ws = found.group(1)

    # an analyst invited by email joins through the link shown once
    p.goto(f"/w/{ws}/members")
    p.fill("form[action$='/members/invite'] input[name=email]", "ana@brand-two.example")
    p.select_option("form[action$='/members/invite'] select[name=role]", "analyst")
    p.click("form[action$='/members/invite'] button[type=submit]")
    link = p.locator("input.secret").input_value()
    assert "/invite/" in link
    _shot(p, "2-invited")
    _analyst_joins(browser, e2e_server.url, link[link.index("/invite/") :])

    # the demo company, file by file through the upload page
    files = [(e, demo_dir / f"{e}.csv") for e in IMPORT_ORDER if (demo_dir / f"{e}.csv").exists()]
    assert len(files) >= 15
    for entity, path in files:
        assert _upload_and_import(p, ws, entity, path) != "", entity
    _shot(p, "4-imported")

    # the uploads equal the CLI's import of the same files, table by table and in the summary
    with DuckDBEngine(tmp_path / "ref.duckdb") as ref:
        ref.ensure_workspace("ref", currency="EUR", timezone="UTC")
        import_dir(ref, "ref", demo_dir)
        expected = summary(ref, "ref", FIRST, LAST)
        ref_counts = {e: ref.run(f"SELECT count(*) FROM {e}")[0][0] for e, _ in files}  # noqa: S608
    cur = e2e_server.cursor()
    got = summary(cur, ws, FIRST, LAST)
    counts = {e: cur.run(f"SELECT count(*) FROM {e} WHERE workspace_id = ?", [ws])[0][0]  # noqa: S608
              for e, _ in files}  # fmt: skip
    cur.close()
    assert counts == ref_counts
    assert expected["totals"]["visits"] > 0 and expected["totals"]["customers"] > 0
    got.pop("workspace", None), expected.pop("workspace", None)
    assert got == expected

    # a tracked link through the form
    p.goto(f"/w/{ws}/links")
    form = p.locator("#create-link")
    form.locator("[name=target_url]").fill("https://shop.example/launch")
    form.locator("[name=network]").select_option("linkedin")
    form.locator("[name=campaign]").fill("launch")
    form.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"/links\?notice="))
    assert re.search(r"link (\S+) created", p.locator(".notice").inner_text())
    _shot(p, "5-link")


    # the overview shows the summary's numbers for the period
    period = f"from={FIRST}&to={LAST}&compare=previous"
    p.goto(f"/w/{ws}/?{period}")
    _shot(p, "6-overview")
    cards = {
        c.locator(".label").inner_text(): c.locator(".value").inner_text()
        for c in p.locator(".cards .card").all()
    }
    for part, prefix in (("social", "Social: "), ("totals", "All channels: ")):
        for key, label, kind in (
            ("visits", "Visits", "count"),
            ("customers", "Customers", "count"),
            ("revenue", "Revenue", "money"),
            ("roi", "ROI", "times"),
        ):
            assert cards[prefix + label] == _kpi(got[part][key], kind, "EUR"), (part, key)

    # the CEO report of the same period as a PDF
    p.goto(f"/w/{ws}/report?{period}")
    _shot(p, "7-report-page")
    with p.expect_download(timeout=240_000) as download:  # the whole report, on a busy machine
        p.locator("ul.downloads a", has_text="PDF").first.click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000
