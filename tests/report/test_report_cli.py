"""``socialroi report``: the file format follows --out; bad options are usage errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

from hostile import DATE_FROM, DATE_TO, WS, Built
from typer.testing import CliRunner

from socialroi.cli import app


def test_report_command_writes_a_letter_pdf_compared_year_on_year(
    built: Built, tmp_path: Path
) -> None:
    out = tmp_path / "r.pdf"
    result = CliRunner().invoke(
        app,
        ["report", "--db", str(built.db), "-w", WS, "--from", str(DATE_FROM), "--to",
         str(DATE_TO), "--compare", "yoy", "--paper", "letter", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert out.read_bytes().startswith(b"%PDF-")


def test_bad_options_are_usage_errors(built: Built, tmp_path: Path) -> None:
    base = ["report", "--db", str(built.db), "-w", WS]
    for extra, word in (
        (["--out", str(tmp_path / "r.docx")], "r.docx"),
        (["--out", str(tmp_path / "r.pdf"), "--paper", "a3"], "a3"),
        (["--out", str(tmp_path / "r.pdf"), "--compare", "lastweek"], "lastweek"),
    ):
        result = CliRunner().invoke(app, [*base, *extra])
        assert result.exit_code == 2, result.output
        assert word in result.output
