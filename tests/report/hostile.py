"""Hostile values and helpers shared by the report tests (imported by conftest and tests)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from socialroi.report import RenderedReport

WS = "acme"
SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
POST_TEXT = f"{FORMULA} {SCRIPT} {IMG}"
MENTION_TEXT = f"@SUM(1+1) {SCRIPT} {IMG}"
UTM_CAMPAIGN = f'+HYPERLINK("http://evil.example") {SCRIPT}'
BRAND = "</script><script>alert(2)</script>"
DATE_FROM = dt.date(2025, 4, 1)
DATE_TO = dt.date(2025, 6, 30)


def under_ci() -> bool:
    return os.environ.get("CI") == "true"


def need_tool(path: str, package: str) -> None:
    """Skip when a system tool is missing, except under CI=true, where it is a failure."""
    if shutil.which(path) is None:
        message = f"{path} is missing: `make system-deps` installs {package}"
        if under_ci():
            pytest.fail(message)
        pytest.skip(message)


def rewrite_csv(path: Path, change: Callable[[int, dict[str, str]], None]) -> None:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for i, row in enumerate(rows):
        change(i, row)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


@dataclass
class Built:
    db: Path
    out: Path
    report: RenderedReport
    pdf: Path
    html: Path
