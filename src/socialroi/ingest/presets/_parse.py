"""Cell parsers of the presets: localised numbers, percent strings and the export date formats.

Each parser takes the cell as written (``None`` when empty) and returns the canonical spelling
(``2025-03-15T03:06:00``, ``1234.5``) or, when it cannot read the cell, the cell **unchanged**:
the canonical validation then rejects it with the file, line, column and value, exactly like a
bad cell of a canonical file. A parser never guesses a value it cannot read.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

__all__ = [
    "NO_VALUE",
    "Parser",
    "date",
    "first_id",
    "id_",
    "integer",
    "lower",
    "number",
    "percent",
    "timestamp",
]

Parser = Callable[[str | None], str | None]

#: Placeholders the exports write for "no value" (formats.md §1.3).
NO_VALUE = frozenset({"", "--", "-", "n/a", "N/A", "(not set)", "000000000000000AAA"})

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_GROUPED_DOT = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")  # 1,234.50
_GROUPED_COMMA = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")  # 1.234,50
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")  # 1,15
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")
_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _blank(value: str | None) -> bool:
    """Empty or a no-value placeholder."""
    return value is None or value.strip() in NO_VALUE


def number(value: str | None) -> str | None:
    """A localised number → ``1234.5``: thousands separators (``"4,838.80"``, ``"2.546,5"``),
    a decimal comma (``"1,15"``), brackets (``[0.93]``), a leading currency (``US$ 0,00``) and
    the no-value placeholders (`` --``, ``-``) are understood. ``2.546`` stays 2.546: a lone
    dot group is read as a decimal point (only comma groups are unambiguous thousands)."""
    if value is None or _blank(value):
        return None
    v = _SPACES.sub("", value).strip("[]")
    v = re.sub(r"^[A-Za-z]*\$|^[€£¥]|[€£¥]$", "", v)
    if _NUMBER.fullmatch(v):
        return v
    if _GROUPED_DOT.fullmatch(v):
        return v.replace(",", "")
    if _GROUPED_COMMA.fullmatch(v) and "," in v:
        return v.replace(".", "").replace(",", ".")
    if _DECIMAL_COMMA.fullmatch(v):
        return v.replace(",", ".")
    return value


def integer(value: str | None) -> str | None:
    """A count: like :func:`number` (``"795,836"``, ``"1938.0"``); a fraction stays as written
    so the canonical check rejects it."""
    return number(value)


def percent(value: str | None) -> str | None:
    """``1.16%`` → ``0.0116``; ``"99,88 %"`` → ``0.9988``; a bare number is taken as already a
    fraction (X writes ``0.0092``). ``< 10%`` and ``> 90%`` are bounds, not values: unchanged."""
    if value is None or _blank(value):
        return None
    v = _SPACES.sub("", value)
    if v.endswith("%") and not v.startswith(("<", ">")):
        n = number(v[:-1])
        if n is not None and _NUMBER.fullmatch(n):
            return repr(float(n) / 100)
        return value
    return number(value)


def id_(value: str | None) -> str | None:
    """An id kept as a string: trimmed (YouTube prefixes ``-`` ids with a space), the
    Salesforce null id and placeholders are empty, and a float spelling of an integer id
    (``3.0`` in twcs) loses its ``.0``."""
    if value is None or _blank(value):
        return None
    v = value.strip()
    if re.fullmatch(r"\d+\.0+", v):
        v = v.split(".", 1)[0]
    return v


def first_id(value: str | None) -> str | None:
    """The first id of a ``;`` or ``,`` separated list (HubSpot associations, twcs)."""
    if value is None or _blank(value):
        return None
    return id_(re.split(r"[;,]", value, maxsplit=1)[0])


def lower(value: str | None) -> str | None:
    """Trimmed, lower case; empty stays empty."""
    return None if value is None or _blank(value) else value.strip().lower()


# Formats tried in order (formats.md §1.5). Month-first before day-first: the US exports (Meta,
# LinkedIn) write 03/15/2025; a day-first file is recognised because its dates use '-'.
_TS_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M %z",  # X legacy: 2016-12-23 18:50 +0000
    "%a %b %d %H:%M:%S %z %Y",  # twcs: Tue Oct 31 22:10:47 +0000 2017
    "%m/%d/%Y %H:%M",  # Meta: 03/15/2025 03:06
    "%m/%d/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",  # spreadsheet re-save: 09-06-2026 16:14
)
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y%m%d",  # GA4 event_date
    "%m/%d/%Y",  # LinkedIn, Meta, LinkedIn Campaign Manager 9/1/2026
    "%d-%m-%Y",  # 13-06-2025
    "%Y/%m/%d",  # Spotify
    "%b %d, %Y",  # YouTube: Sep 27, 2024
    "%a, %b %d, %Y",  # X 2024: Sun, Aug 24, 2025
    "%a %b %d %Y",  # X 2024 content: Mon Feb 17 2025
    "%d/%m/%y",
)


def timestamp(value: str | None) -> str | None:
    """An export timestamp → ISO 8601 (with its offset when the file gave one; without, the
    workspace time zone applies). A date alone is midnight. ISO input passes through."""
    if value is None or _blank(value):
        return None
    v = _SPACES.sub(" ", value).strip()
    if _ISO.fullmatch(v):
        return v
    for fmt in _TS_FORMATS:
        try:
            parsed = dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return parsed.isoformat()
    d = date(v)
    return d if d != v else value


def date(value: str | None) -> str | None:
    """An export date → ``YYYY-MM-DD``; a timestamp keeps its date part."""
    if value is None or _blank(value):
        return None
    v = _SPACES.sub(" ", value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(v, fmt).date().isoformat()
        except ValueError:
            continue
    m = re.match(r"(\d{4}-\d{2}-\d{2})[T ]", v)
    if m:
        return m.group(1)
    for fmt in _TS_FORMATS:
        try:
            return dt.datetime.strptime(v, fmt).date().isoformat()
        except ValueError:
            continue
    return value
