"""A small demo company whose posts, tracked links and mentions carry hostile text, imported
once per test session, with its report (data, PDF, HTML) built once.

Hostile values: post text and mention text start with a spreadsheet formula and contain
``<script>`` and an ``"><img onerror>`` break-out; every tracked link's ``utm_campaign`` is a
formula with a script tag; some mentions name a brand that tries to close a ``<script>``
element (brands reach the chart specs embedded in the HTML).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hostile import (
    BRAND,
    DATE_FROM,
    DATE_TO,
    MENTION_TEXT,
    POST_TEXT,
    UTM_CAMPAIGN,
    WS,
    Built,
    rewrite_csv,
)

from socialroi.demo import generate
from socialroi.engine import DuckDBEngine
from socialroi.ingest import import_dir
from socialroi.report import collect, render_report, write_report


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    generate(data, seed=7, visits=3000, start=dt.date(2025, 1, 1), days=181)

    def post(_: int, row: dict[str, str]) -> None:
        row["text"] = POST_TEXT

    def link(_: int, row: dict[str, str]) -> None:
        row["utm_campaign"] = UTM_CAMPAIGN

    def mention(i: int, row: dict[str, str]) -> None:
        row["text"] = MENTION_TEXT
        if i % 10 == 0:
            row["brand"] = BRAND

    rewrite_csv(data / "posts.csv", post)
    rewrite_csv(data / "links.csv", link)
    rewrite_csv(data / "mentions.csv", mention)
    db = root / "hostile.duckdb"
    with DuckDBEngine(db) as eng:
        eng.ensure_workspace(
            WS, name="Acme <b>Analytics</b>", currency="EUR", timezone="Europe/Berlin",
            brand="acme",
        )  # fmt: skip
        import_dir(eng, WS, data)
    return db


@pytest.fixture(scope="session")
def built(hostile_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("report")
    with DuckDBEngine(hostile_db) as eng:
        data = collect(eng, WS, DATE_FROM, DATE_TO, compare="previous")
    report = render_report(data)
    pdf = write_report(report, out / "report.pdf")
    html = write_report(report, out / "report.html")
    return Built(hostile_db, out, report, pdf, html)
