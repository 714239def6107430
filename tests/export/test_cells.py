"""Formula injection (reliability.md scenario 20): one helper, every CSV and XLSX writer."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialroi.export import (
    FORMULA_PREFIXES,
    Column,
    ExportTable,
    neutralise,
    safe_cell,
    table_csv,
    write_csv,
    write_json,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("linkedin", "linkedin"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@given(st.text())
def test_no_text_cell_starts_like_a_formula(text: str) -> None:
    assert not neutralise(text).startswith(FORMULA_PREFIXES)
    assert neutralise(text).removeprefix("'") in (text, text.removeprefix("'"))


def test_numbers_stay_numbers() -> None:
    assert safe_cell(-0.25) == -0.25 and safe_cell(3) == 3 and safe_cell(None) is None
    assert safe_cell(True) is True
    assert safe_cell(object.__new__(type("Evil", (), {"__str__": lambda s: "=1"}))) == "'=1"


EVIL = ExportTable(
    "evil",
    "Evil table",
    (Column("=cmd", "=label"), Column("text", "-text"), Column("n", "@n", "count"),
     Column("money", "Money", "money"), Column("roi", "ROI", "number"),
     Column("share", "Share", "ratio")),
    [{"=cmd": "=1+1", "text": "+SUM(A1)", "n": 3, "money": 12.5, "roi": -0.5, "share": 0.25},
     {"=cmd": "\tx", "text": "ok", "n": None, "money": None, "roi": None, "share": None}],
    note="=note & more",
)  # fmt: skip


def _formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def test_csv_neutralises_headers_and_cells(tmp_path: Path) -> None:
    (path,) = write_csv([EVIL], tmp_path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["'=cmd", "text", "n", "money", "roi", "share"]
    assert rows[1] == ["'=1+1", "'+SUM(A1)", "3", "12.5", "-0.5", "0.25"]
    assert rows[2] == ["'\tx", "ok", "", "", "", ""]
    assert table_csv(["@h"], [["-x"]]) == "'@h\n'-x\n"


def test_xlsx_typed_formatted_and_neutralised(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_xlsx([EVIL], tmp_path / "x.xlsx", currency="EUR")
    sheet = load_workbook(path)["evil"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.coordinate for c in cells if _formula_like(c.value)]
    assert [c.value for c in sheet[1]] == ["'=label", "'-text", "'@n", "Money", "ROI", "Share"]
    assert [c.value for c in sheet[2]] == ["'=1+1", "'+SUM(A1)", 3, 12.5, -0.5, 0.25]
    assert sheet["C2"].number_format == "#,##0"
    assert sheet["D2"].number_format == '#,##0.00 "EUR"'
    assert sheet["F2"].number_format == "0.0%"
    assert sheet.oddFooter.center.text == "'=note && more"


def test_xlsx_money_format_takes_only_an_iso_code(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = write_xlsx([EVIL], tmp_path / "x.xlsx", currency='EUR"&=1')
    assert load_workbook(path)["evil"]["D2"].number_format == "#,##0.00"


def test_json_keeps_values(tmp_path: Path) -> None:
    import json

    doc = json.loads(write_json([EVIL], tmp_path / "x.json", extra={"a": 1}).read_text())
    assert doc["a"] == 1
    assert doc["tables"]["evil"]["rows"][0]["=cmd"] == "=1+1"  # JSON is data, not a sheet
    assert doc["tables"]["evil"]["columns"][2] == {"key": "n", "label": "@n", "kind": "count"}


def test_table_names_are_identifiers() -> None:
    with pytest.raises(ValueError, match="table name"):
        ExportTable("Bad Name", "t", (), [])
