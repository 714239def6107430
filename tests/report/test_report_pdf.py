"""The CEO report as PDF and HTML, on a small demo company with hostile text.

PDF pages are rendered to PNG (pdftoppm) and read back as text (pdftotext): page count, every
section, page numbers, the headline equal to ``socialroi summary``, user text escaped.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from hostile import (
    BRAND,
    DATE_FROM,
    DATE_TO,
    FORMULA,
    IMG,
    SCRIPT,
    WS,
    Built,
    need_tool,
)
from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.report import SECTIONS, LocalOnlyFetcher, headline, write_pdf


def _text(pdf: Path) -> str:
    need_tool("pdftotext", "poppler-utils")
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def _pages(pdf: Path) -> int:
    need_tool("pdfinfo", "poppler-utils")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_pages_render_and_every_section_is_there(built: Built, tmp_path: Path) -> None:
    need_tool("pdftoppm", "poppler-utils")
    pages = _pages(built.pdf)
    # cover, contents, one page or more per section (each starts a page), definitions
    assert pages >= 2 + len(SECTIONS) + 1
    subprocess.run(
        ["pdftoppm", "-r", "30", "-png", str(built.pdf), str(tmp_path / "page")], check=True
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)
    text = _text(built.pdf)
    for section in SECTIONS:
        assert section.title in text, section.key
    assert "Contents" in text and "Definitions" in text
    assert f"Page 2 of {pages}" in text and f"Page {pages} of {pages}" in text
    # the model, window and period are stated under the figures
    assert "Model: first touch" in text
    assert "window: 90-day lookback" in _flat(text)
    assert f"Data: {DATE_FROM} to {DATE_TO}" in _flat(text)


def test_headline_equals_socialroi_summary(built: Built) -> None:
    result = CliRunner().invoke(
        app,
        ["summary", "--db", str(built.db), "-w", WS, "--from", str(DATE_FROM), "--to",
         str(DATE_TO), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    social = json.loads(result.output)["social"]
    assert social == built.report.data.summary["social"]
    expected = (
        f"{social['customers']:,} customers and EUR {social['revenue']:,.0f} revenue from social"
        f", {DATE_FROM} to {DATE_TO}: ROI {social['roi']:,.2f}× "
        f"({social['roi_with_labour']:,.2f}× with staff time)."
    )
    assert headline(built.report.data) == expected
    assert expected in _flat(_text(built.pdf))
    assert f'<p class="headline" id="headline">{expected}</p>' in built.html.read_text()


def test_paper_sizes(built: Built, tmp_path: Path) -> None:
    need_tool("pdfinfo", "poppler-utils")
    for paper, size in (("a4", "(A4)"), ("letter", "612 x 792 pts (letter)")):
        pdf = write_pdf(built.report, tmp_path / f"{paper}.pdf", paper=paper)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        assert size in info.stdout, info.stdout


def test_user_text_is_escaped_in_html(built: Built) -> None:
    html = built.html.read_text(encoding="utf-8")
    body = html.split("<script>", 1)[0]  # before the inlined Vega bundle
    assert SCRIPT not in html and IMG not in html
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in body  # post, mention, UTM text
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in body
    assert "Acme &lt;b&gt;Analytics&lt;/b&gt;" in body  # the workspace name
    assert "<b>Analytics</b>" not in html
    # a brand in a chart spec cannot close the <script> holding the spec
    assert BRAND not in html
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in html
    # nothing remote: no http(s) resource and a CSP that forbids connections
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", html)
    assert "default-src 'none'" in html


def test_user_text_is_text_in_pdf(built: Built) -> None:
    text = _flat(_text(built.pdf))
    # shown literally as text, never interpreted as markup
    assert 'alert("x")' in text
    assert FORMULA[:20] in text
    assert "<script>" in text


def test_pdf_fetcher_refuses_remote_and_local_files(tmp_path: Path) -> None:
    from weasyprint import HTML

    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    fetcher = LocalOnlyFetcher()
    HTML(
        string=(
            '<link rel="stylesheet" href="http://example.com/a.css">'
            f'<link rel="stylesheet" href="file://{secret}">'
            '<img src="https://example.com/x.png"><img src="/etc/passwd">'
            '<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9z'
            'dmciIHdpZHRoPSIxIiBoZWlnaHQ9IjEiLz4=">'
        ),
        base_url=str(tmp_path) + "/",
        url_fetcher=fetcher,
    ).write_pdf(tmp_path / "x.pdf")
    refused = " ".join(fetcher.refused)
    assert "http://example.com/a.css" in refused
    assert "https://example.com/x.png" in refused
    assert f"file://{secret}" in refused
    assert "/etc/passwd" in refused
    assert not any(u.startswith("data:") for u in fetcher.refused)
