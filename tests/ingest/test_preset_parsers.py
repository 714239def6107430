"""The presets' cell parsers: every spelling formats.md quotes, and what they leave alone."""

from __future__ import annotations

import pytest

from socialroi.ingest.presets._parse import date, first_id, id_, number, percent, timestamp


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("795,836", "795836"),  # Google Ads thousands
        ("4,838.80", "4838.80"),
        ("50252.14", "50252.14"),
        ("1,15", "1.15"),  # Dutch decimal comma
        ("1.234,50", "1234.50"),
        ("US$ 0,00", "0.00"),
        ("[0.934996875]", "0.934996875"),  # Pinterest brackets
        ("1938.0", "1938.0"),
        (" --", None),  # Google Ads no value
        ("-", None),  # X promoted columns
        ("N/A", None),
        (None, None),
        ("twelve", "twelve"),  # unread: passed on for the canonical check to reject
    ],
)
def test_number(raw: str | None, want: str | None) -> None:
    assert number(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("1.16%", repr(1.16 / 100)),
        ("99,88%", repr(99.88 / 100)),
        ("100\u00a0%", "1.0"),  # Matomo: non-breaking space before %
        ("0.0769", "0.0769"),  # a fraction already
        ("< 10%", "< 10%"),  # a bound, not a value
    ],
)
def test_percent(raw: str, want: str) -> None:
    assert percent(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("2016-12-23 18:50 +0000", "2016-12-23T18:50:00+00:00"),  # X legacy
        ("Tue Oct 31 22:10:47 +0000 2017", "2017-10-31T22:10:47+00:00"),  # twcs
        ("03/15/2025 03:06", "2025-03-15T03:06:00"),  # Meta, month first
        ("09-06-2026 16:14", "2026-06-09T16:14:00"),  # spreadsheet re-save, day first
        ("2026-02-25 22:36", "2026-02-25 22:36"),  # HubSpot: ISO, no offset → as written
        ("2023-05-11 00:00:00", "2023-05-11 00:00:00"),
        ("Sep 27, 2024", "2024-09-27"),  # a date alone
        ("yesterday", "yesterday"),
    ],
)
def test_timestamp(raw: str, want: str) -> None:
    assert timestamp(raw) == want


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("20220527", "2022-05-27"),  # GA4 event_date
        ("02/14/2025", "2025-02-14"),  # LinkedIn
        ("13-06-2025", "2025-06-13"),  # YouTube Totals re-saved
        ("2026/05/27", "2026-05-27"),  # Spotify
        ("Sun, Aug 24, 2025", "2025-08-24"),  # X 2024
        ("Mon Feb 17 2025", "2025-02-17"),
        ("9/1/2026", "2026-09-01"),  # LinkedIn Campaign Manager
        ("2025-03-15T03:06:00", "2025-03-15"),
        ("Lifetime", "Lifetime"),
    ],
)
def test_date(raw: str, want: str) -> None:
    assert date(raw) == want


def test_ids_stay_strings() -> None:
    assert id_(" -HHGH-TTqYM") == "-HHGH-TTqYM"  # YouTube's formula guard
    assert id_("3.0") == "3"  # twcs float ids
    assert id_("1234567890123456789") == "1234567890123456789"
    assert id_("000000000000000AAA") is None  # Salesforce null id
    assert first_id("17463897591;17462534608") == "17463897591"
    assert first_id("9,6,10") == "9"
