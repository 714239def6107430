"""The section registry: one entry adds a section; a section whose data is missing is left out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from socialroi.export import Column, ExportTable
from socialroi.report import (
    SECTIONS,
    ReportData,
    Section,
    SectionContent,
    compare_period,
    register_section,
    render_sections,
)


def _example(data: ReportData) -> SectionContent:
    numbers = data.extra["example_numbers"]
    return SectionContent(
        narrative=[f"social {numbers['social']}"],
        tables=[ExportTable("example", "Example", (Column("social", "Social", "money"),),
                            [numbers])],
    )  # fmt: skip


@pytest.fixture
def clv_section() -> Iterator[Section]:
    section = register_section(
        Section("example", "An example", "Is one entry enough?", _example,
                requires="example_numbers"),
        after="opportunities",
    )  # fmt: skip
    yield section
    SECTIONS.remove(section)


def _data(**extra: object) -> ReportData:
    summary = {"currency": "EUR", "share_of_voice": {}}
    return ReportData("w", dt.date(2025, 1, 1), dt.date(2025, 1, 31), summary, extra=dict(extra))


def test_one_entry_adds_a_section_only_when_its_data_exist(clv_section: Section) -> None:
    keys = [s.key for s in SECTIONS]
    assert keys.index("example") == keys.index("opportunities") + 1
    assert not clv_section.available(_data())
    assert clv_section.available(_data(example_numbers={"social": 120.0}))
    only = [s for s in SECTIONS if s.key == "example"]
    assert only == [clv_section]
    with pytest.raises(ValueError, match="already registered"):
        register_section(clv_section)


def test_render_sections_leaves_out_what_is_not_computed(
    clv_section: Section, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "socialroi.report.sections.SECTIONS",
        [clv_section, next(s for s in SECTIONS if s.key == "share_of_voice")],
    )  # share_of_voice needs the summary key, present (empty) here
    got = render_sections(_data())
    assert [s.key for s, _ in got] == ["share_of_voice"]
    got = render_sections(_data(example_numbers={"social": 120.0}))
    assert [s.key for s, _ in got] == ["example", "share_of_voice"]
    assert got[0][1].narrative == ["social 120.0"]


def test_builtin_sections_answer_the_questions() -> None:
    assert [s.key for s in SECTIONS] == [
        "channels", "roi", "response", "opportunities", "clv", "reach", "share_of_voice",
        "forecast",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "last", "compare", "expected"),
    [
        # 91 days (Q2) → the 91 days before: 2024-12-31..2025-03-31
        ("2025-04-01", "2025-06-30", "previous", ("2024-12-31", "2025-03-31")),
        ("2025-03-01", "2025-03-31", "previous", ("2025-01-29", "2025-02-28")),
        ("2025-04-01", "2025-06-30", "yoy", ("2024-04-01", "2024-06-30")),
        ("2024-02-29", "2024-03-31", "yoy", ("2023-02-28", "2023-03-31")),
    ],
)
def test_compare_period(first: str, last: str, compare: str, expected: tuple[str, str]) -> None:
    got = compare_period(dt.date.fromisoformat(first), dt.date.fromisoformat(last), compare)  # type: ignore[arg-type]
    assert got == tuple(dt.date.fromisoformat(d) for d in expected)
