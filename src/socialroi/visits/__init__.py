"""Visits: sessions, GA4 channel groups and social networks of web traffic.

``sessions(t)`` (one row per visit) and ``events_with_sessions(t)`` (one row per web event)
cut ``web_events`` into visits; ``default_channel_group`` and the ``network_from_*`` functions
are the rules they use, written as Ibis expressions over data lists (:mod:`.sources`).
See ``docs/visits.md``.
"""

from __future__ import annotations

from socialroi.visits.channels import CHANNELS, default_channel_group
from socialroi.visits.networks import host_of, network_from_referrer, network_from_source
from socialroi.visits.sessions import SESSION_COLUMNS, SOURCE_KEY, events_with_sessions, sessions
from socialroi.visits.sources import MASTODON_INSTANCES

__all__ = [
    "CHANNELS",
    "MASTODON_INSTANCES",
    "SESSION_COLUMNS",
    "SOURCE_KEY",
    "default_channel_group",
    "events_with_sessions",
    "host_of",
    "network_from_referrer",
    "network_from_source",
    "sessions",
]
