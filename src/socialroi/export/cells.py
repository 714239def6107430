"""Spreadsheet formula injection: the one helper every CSV and XLSX writer calls.

A spreadsheet runs a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@``,
and some also after a leading tab or carriage return (OWASP "CSV Injection"; Countly #7877:
"quoting is not neutralization", headers and leading tab/CR were exploitable too). Data such as
post text, UTM values, mention text or a referrer is written by outsiders, so every text cell and
every header goes through :func:`neutralise`, which prefixes such text with an apostrophe: the
spreadsheet then shows the text as typed and never evaluates it
(reliability.md, scenario 20).

Numbers written as numbers (``int``/``float``, a typed XLSX cell or a plain CSV number) are data,
not text, and are left alone: ``-0.25`` is a negative ROI, not a formula.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

__all__ = ["FORMULA_PREFIXES", "neutralise", "safe_cell"]

#: Leading characters that make a spreadsheet evaluate (or strip and then evaluate) a cell.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: prefixed with ``'`` when it starts like a formula.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> neutralise("linkedin")
    'linkedin'

    Tested by ``tests/export/test_cells.py``.
    """
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_cell(value: Any) -> Any:
    """A cell value for CSV/XLSX: text neutralised, numbers, booleans, dates and None unchanged.

    Anything that is not a number, bool, date or None is written as its text, so it is
    neutralised as text too.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dt.date):
        return value
    return neutralise(str(value))
