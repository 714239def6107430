"""The management pages in Chromium: a link made through the form counts its click, a demo
file uploaded through the imports page lands row for row, and script in link fields, UTM
templates and imported text renders as text with 0 dialogs (reliability.md scenario 19)."""

from __future__ import annotations

import csv
import re
import time
from pathlib import Path

from _e2e_session import SignedIn
from _inproc_server import ThreadServer

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "javascript:alert(1)"]
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _no_injected_markup(s: SignedIn) -> None:
    p = s.page
    assert p.locator("img[src=x]").count() == 0
    assert p.locator("a[href^='javascript:' i]").count() == 0
    assert p.evaluate("document.querySelectorAll('script:not([src])').length") == 0


def test_create_link_through_the_form_and_count_its_click(
    signed_in_page: SignedIn, e2e_server: ThreadServer
) -> None:
    s, p = signed_in_page, signed_in_page.page
    p.goto(s.at("links"))
    form = p.locator("#create-link")
    form.locator("[name=target_url]").fill("https://shop.example/landing?ref=1")
    form.locator("[name=network]").select_option("linkedin")
    form.locator("[name=campaign]").fill(XSS[0])
    form.locator("[name=post_id]").fill(XSS[1])
    form.locator("[name=utm_term]").fill(XSS[2])
    form.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"/links\?notice="))
    notice = p.locator(".notice").inner_text()
    code = re.search(r"link (\S+) created", notice)
    assert code, notice
    row = p.locator("table.links tbody tr", has_text=code.group(1))
    assert XSS[0] in row.inner_text() and XSS[1] in row.inner_text()
    _no_injected_markup(s)

    hop = p.request.get(f"/l/{code.group(1)}", max_redirects=0, headers={"user-agent": BROWSER_UA})
    assert hop.status == 302
    location = hop.headers["location"]
    assert location.startswith("https://shop.example/landing?ref=1&utm_source=linkedin")
    assert "utm_campaign=%3Cscript%3Ealert%281%29%3C%2Fscript%3E" in location
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        p.reload()
        clicks = p.locator("table.links tbody tr", has_text=code.group(1)).locator("td.clicks")
        if clicks.inner_text() == "1":
            break
        time.sleep(0.2)
    assert clicks.inner_text() == "1"


def test_unsafe_target_is_a_form_error(signed_in_page: SignedIn) -> None:
    s, p = signed_in_page, signed_in_page.page
    p.goto(s.at("links"))
    p.fill("#create-link [name=target_url]", "javascript:alert(document.domain)")
    with p.expect_response(lambda r: r.request.method == "POST") as posted:
        p.click("#create-link button[type=submit]")
    assert posted.value.status == 400
    assert "http:// or https://" in p.locator(".error").inner_text()
    assert p.locator("#create-link [name=target_url]").input_value().startswith("javascript:")
    assert p.locator("table.links tbody tr").inner_text().startswith("No link yet")


def test_utm_template_values_render_as_text(signed_in_page: SignedIn) -> None:
    s, p = signed_in_page, signed_in_page.page
    p.goto(s.at("links"))
    form = p.locator("#utm-template")
    form.locator("[name=network]").fill("*")
    form.locator("[name=utm_campaign]").fill(XSS[1])
    form.locator("[name=utm_medium]").fill(XSS[0])
    form.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"notice="))
    assert XSS[1] in p.locator("table.templates").inner_text()
    _no_injected_markup(s)


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.DictReader(fh))


def _upload(s: SignedIn, entity: str, path: Path) -> None:
    p = s.page
    p.goto(s.at("imports"))
    p.select_option("#upload [name=entity]", entity)
    p.set_input_files("#upload [name=file]", str(path))
    p.click("#upload button[type=submit]")
    p.wait_for_url(re.compile(r"/imports/[0-9a-f]{32}$"))


def test_upload_a_demo_file_through_the_imports_page(
    signed_in_page: SignedIn, e2e_server: ThreadServer, demo_dir: Path
) -> None:
    s, p = signed_in_page, signed_in_page.page
    _upload(s, "posts", demo_dir / "posts.csv")
    assert "canonical posts file" in p.locator("#detected").inner_text()
    p.click("#confirm-import button[type=submit]")
    p.wait_for_selector("#import-result")
    expected = _rows(demo_dir / "posts.csv")
    assert p.locator("#import-result .inserted").inner_text() == str(expected)
    cur = e2e_server.cursor()
    stored = cur.run("SELECT count(*) FROM posts WHERE workspace_id = ?", [s.workspace])[0][0]
    cur.close()
    assert stored == expected
    assert "posts.csv" in p.locator("table.history").inner_text()
    # the same file again adds nothing
    _upload(s, "posts", demo_dir / "posts.csv")
    p.click("#confirm-import button[type=submit]")
    p.wait_for_selector("#import-result")
    assert p.locator("#import-result .inserted").inner_text() == "0"
    assert "was imported on" in p.locator("#import-result").inner_text()


def test_imported_text_renders_escaped(signed_in_page: SignedIn, tmp_path: Path) -> None:
    s, p = signed_in_page, signed_in_page.page
    f = tmp_path / "costs.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "amount", "category", "campaign", "post_id"])
        for i, payload in enumerate(XSS):
            w.writerow([f"2025-02-0{i + 1}", "10", "ads", payload, payload])
    _upload(s, "costs", f)
    p.click("#confirm-import button[type=submit]")
    p.wait_for_selector("#import-result")
    assert p.locator("#import-result .inserted").inner_text() == "3"
    p.goto(s.at("settings"))
    table = p.locator("table.recent-costs").inner_text()
    assert all(x in table for x in XSS)
    _no_injected_markup(s)


def test_a_bad_row_is_shown_by_line_and_column(signed_in_page: SignedIn, tmp_path: Path) -> None:
    s, p = signed_in_page, signed_in_page.page
    f = tmp_path / "costs.csv"
    with f.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["date", "amount", "category"], ["2025-01-01", "5", "ads"],
                                  [XSS[1], "5", "ads"]])  # fmt: skip
    _upload(s, "costs", f)
    p.click("#confirm-import button[type=submit]")
    row = p.locator("table.problems tbody tr").first
    cells = row.locator("td").all_inner_texts()
    assert cells[:4] == ["costs.csv", "3", "date", XSS[1]]
    _no_injected_markup(s)


def test_settings_in_the_browser(signed_in_page: SignedIn, e2e_server: ThreadServer) -> None:
    s, p = signed_in_page, signed_in_page.page
    p.goto(s.at("settings"))
    p.select_option("#workspace-settings [name=currency]", "USD")
    p.fill("#workspace-settings [name=timezone]", "America/New_York")
    p.click("#workspace-settings button[type=submit]")
    p.wait_for_url(re.compile(r"notice="))
    hours = p.locator("#business-hours")
    hours.locator("[name=start]").fill("08:00")
    hours.locator("[name=days][value='5']").check()
    hours.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"notice=business"))
    staff = p.locator("#add-staff_hours")
    for name, value in (("date", "2025-03-03"), ("person", XSS[0]), ("hours", "2.5"),
                        ("hourly_rate", "40")):  # fmt: skip
        staff.locator(f"[name={name}]").fill(value)
    staff.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"notice=staff_hours"))
    assert XSS[0] in p.locator("table.recent-staff_hours").inner_text()
    origin = p.locator("#add-origin")
    origin.locator("[name=origin]").fill("https://www.acme.example")
    origin.locator("button[type=submit]").click()
    p.wait_for_url(re.compile(r"notice=origin"))
    assert "https://www.acme.example" in p.locator("ul.origins").inner_text()
    _no_injected_markup(s)
    cur = e2e_server.cursor()
    ws = cur.workspace(s.workspace)
    days = cur.run("SELECT days, start_time FROM business_hours WHERE workspace_id = ?",
                   [s.workspace])  # fmt: skip
    cur.close()
    assert (ws.currency, ws.timezone) == ("USD", "America/New_York")
    assert days[0][0] == "0,1,2,3,4,5" and str(days[0][1]) == "08:00:00"
