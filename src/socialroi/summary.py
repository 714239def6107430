"""``socialroi summary``: the contract's JSON, every built capability side by side.

Composes the sections, each computed by the package that owns it:

- ``period``, ``currency``, ``totals``, ``social``, ``by_network``, ``by_channel``:
  :func:`socialroi.metrics.summary.channel_summary`;
- ``attribution`` (customers converted in the period, 90-day lookback, every model):
  :func:`socialroi.attribution.attribution_section`;
- ``engagement``, ``response``, ``share_of_voice``, ``clv``: :mod:`socialroi.metrics` sections;
- ``bots`` (bot and link-preview hits, never visits): :func:`socialroi.tracking.bots.bots_section`.

Keys of capabilities not built yet are absent, never zero-filled (data-contract.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from socialroi.attribution import attribution_section
from socialroi.engine import Engine
from socialroi.metrics import (
    channel_summary,
    clv_section,
    engagement_section,
    response_section,
    share_of_voice_section,
)
from socialroi.tracking.bots import bots_section

__all__ = ["SECTIONS", "summary"]

#: Top-level keys of the summary, in order.
SECTIONS: tuple[str, ...] = (
    "period",
    "currency",
    "totals",
    "social",
    "by_network",
    "by_channel",
    "attribution",
    "engagement",
    "response",
    "share_of_voice",
    "clv",
    "bots",
)


def summary(
    engine: Engine, workspace_id: str, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The summary of ``[date_from, date_to]`` (both days included, workspace calendar).

    Returns
    -------
    The contract's JSON as a dict with the keys :data:`SECTIONS`. Money in the base currency
    rounded to 2 decimals, ratios (fractions) to 4 decimals, null where a denominator is 0.

    Tested by ``tests/test_summary_sections.py`` and, section by section, by the tests of each
    package.
    """
    # one run: what the sections share (visitor contacts, touchpoints, conversions) is computed
    # once into temporary tables, and the workspace is looked up once
    with engine.shared(workspace_id):
        result = channel_summary(engine, workspace_id, date_from, date_to)
        result["attribution"] = attribution_section(engine, workspace_id, date_from, date_to)
        result["engagement"] = engagement_section(engine, workspace_id, date_from, date_to)
        result["response"] = response_section(engine, workspace_id, date_from, date_to)
        result["share_of_voice"] = share_of_voice_section(
            engine, workspace_id, date_from, date_to
        )
        result["clv"] = clv_section(engine, workspace_id, date_from, date_to)
        bots = bots_section(engine, workspace_id, date_from, date_to)
    if bots is not None:  # bot and preview-fetcher hits: never visits, their own figure
        result["bots"] = bots
    return result
