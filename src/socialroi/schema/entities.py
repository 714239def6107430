"""Canonical entities (``../shared/specs/data-contract.md``), as data.

Every entity is stored in a DuckDB table of the same name whose first column is ``workspace_id``;
the canonical columns follow with the types below, then the columns socialroi derives at import
(``amount_base`` and friends: money converted to the workspace's base currency) and ``extra``
(unknown columns of the file, as JSON text). The migration SQL in ``engine/migrations`` creates
them and ``tests/schema/test_entities.py`` checks the two agree.

Natural keys decide what a re-import updates. Entities without an id of their own (costs,
staff hours) are keyed on a hash of their canonical values plus the occurrence of identical rows
within the file, so re-importing the same file adds nothing and two identical cost lines in one
file stay two.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "ENTITIES",
    "IMPORT_ORDER",
    "MONEY_COLUMNS",
    "NETWORK_ALIASES",
    "NETWORKS",
    "SOCIAL_NETWORKS",
    "Column",
    "ColumnType",
    "Entity",
    "entity",
]

#: Network values of the contract, in its order. Every one of them is a social network.
NETWORKS: tuple[str, ...] = (
    "facebook",
    "instagram",
    "linkedin",
    "x",
    "tiktok",
    "youtube",
    "pinterest",
    "threads",
    "bluesky",
    "mastodon",
    "reddit",
    "other",
)
SOCIAL_NETWORKS: frozenset[str] = frozenset(NETWORKS)

#: Aliases accepted wherever a network is imported (lower-cased, trimmed first).
NETWORK_ALIASES: dict[str, str] = {
    "twitter": "x",
    "x.com": "x",
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "li": "linkedin",
    "yt": "youtube",
    "bsky": "bluesky",
    "meta": "facebook",
}


class ColumnType(StrEnum):
    """Types a canonical column can have, with the DuckDB type it is stored as."""

    STRING = "string"
    TIMESTAMP = "timestamp"  # ISO 8601; without an offset: the workspace's time zone; stored UTC
    DATE = "date"  # YYYY-MM-DD
    NUMBER = "number"  # a decimal number with '.' as separator (money, rates, hours)
    INTEGER = "integer"  # a whole count (impressions, quantity)
    BOOLEAN = "boolean"  # true/false, 1/0, yes/no
    NETWORK = "network"  # one of NETWORKS or an alias
    CURRENCY = "currency"  # an ISO 4217 code, upper-cased

    @property
    def sql_type(self) -> str:
        return _SQL_TYPES[self]


_SQL_TYPES = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.DATE: "DATE",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.NETWORK: "VARCHAR",
    ColumnType.CURRENCY: "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One canonical column: name, type, whether the file must fill it, allowed values, default."""

    name: str
    type: ColumnType = ColumnType.STRING
    required: bool = False
    choices: tuple[str, ...] | None = None
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity: its columns, natural key and money columns.

    ``key`` lists the columns that identify a row within a workspace; an empty key means the row
    is keyed on the hash of its values (see the module docstring). ``money`` maps an amount
    column to the currency column that qualifies it; the import adds ``<amount>_base``.
    ``dedupe_only`` marks the high-volume append tables (events, clicks): a known key is skipped,
    never updated, and the table carries no PK/UNIQUE constraint (reliability.md, WAL replay).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    money: tuple[tuple[str, str], ...] = ()
    dedupe_only: bool = False
    description: str = ""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def stored_columns(self) -> tuple[tuple[str, str], ...]:
        """``(name, sql_type)`` of every stored column after ``workspace_id``, in table order."""
        cols = [(c.name, c.type.sql_type) for c in self.columns]
        cols += [(f"{amount}_base", "DOUBLE") for amount, _ in self.money]
        if not self.key:
            cols.append(("row_key", "VARCHAR"))
        cols.append(("extra", "VARCHAR"))
        return tuple(cols)


S, TS, D, N, INT, B, NW, CUR = (
    ColumnType.STRING,
    ColumnType.TIMESTAMP,
    ColumnType.DATE,
    ColumnType.NUMBER,
    ColumnType.INTEGER,
    ColumnType.BOOLEAN,
    ColumnType.NETWORK,
    ColumnType.CURRENCY,
)


def _c(
    name: str,
    type_: ColumnType = S,
    *,
    req: bool = False,
    choices: tuple[str, ...] | None = None,
    default: str | None = None,
) -> Column:
    return Column(name, type_, req, choices, default)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "fx_rates",
            (_c("date", D, req=True), _c("currency", CUR, req=True), _c("rate", N, req=True)),
            key=("date", "currency"),
            description="units of base currency per 1 unit of `currency`, from `date` on",
        ),
        Entity(
            "profiles",
            (
                _c("profile_id", req=True),
                _c("network", NW, req=True),
                _c("handle"),
                _c("name"),
                _c("brand"),
                _c("owned", B, default="true"),
            ),
            key=("profile_id",),
            description="social profiles, owned or a competitor's",
        ),
        Entity(
            "profile_metrics",
            (
                _c("profile_id", req=True),
                _c("date", D, req=True),
                _c("followers", INT),
                _c("impressions", INT),
                _c("reach", INT),
                _c("profile_visits", INT),
            ),
            key=("profile_id", "date"),
            description="daily profile figures",
        ),
        Entity(
            "posts",
            (
                _c("post_id", req=True),
                _c("profile_id", req=True),
                _c("published_at", TS, req=True),
                _c("text"),
                _c("url"),
                _c("campaign"),
                _c("content_type"),
                _c("variant"),
                _c("paid", B, default="false"),
            ),
            key=("post_id",),
            description="posts published on a profile",
        ),
        Entity(
            "post_metrics",
            (
                _c("post_id", req=True),
                _c("date", D, req=True),
                _c("impressions", INT),
                _c("reach", INT),
                _c("reactions", INT),
                _c("comments", INT),
                _c("shares", INT),
                _c("saves", INT),
                _c("clicks", INT),
                _c("video_views", INT),
            ),
            key=("post_id", "date"),
            description="activity on a post on that date (period semantics)",
        ),
        Entity(
            "links",
            (
                _c("code", req=True),
                _c("target_url", req=True),
                _c("utm_source"),
                _c("utm_medium"),
                _c("utm_campaign"),
                _c("utm_content"),
                _c("utm_term"),
                _c("utm_id"),
                _c("post_id"),
                _c("created_at", TS),
            ),
            key=("code",),
            description="tracked short links",
        ),
        Entity(
            "clicks",
            (
                _c("code", req=True),
                _c("clicked_at", TS, req=True),
                _c("click_id"),
                _c("visitor_id"),
                _c("referrer"),
                _c("user_agent"),
                _c("country"),
            ),
            key=("code", "clicked_at", "click_id", "visitor_id"),
            dedupe_only=True,
            description="clicks on tracked links",
        ),
        Entity(
            "web_events",
            (
                _c("event_id", req=True),
                _c("visitor_id", req=True),
                _c("occurred_at", TS, req=True),
                _c("event", req=True),
                _c("url"),
                _c("referrer"),
                _c("utm_source"),
                _c("utm_medium"),
                _c("utm_campaign"),
                _c("utm_content"),
                _c("utm_term"),
                _c("click_id"),
                _c("goal"),
                _c("revenue", N),
                _c("currency", CUR),
                _c("transaction_id"),
                _c("contact_id"),
                _c("email"),
                _c("user_agent"),
            ),
            key=("event_id",),
            money=(("revenue", "currency"),),
            dedupe_only=True,
            description="website events: pageview, goal, lead, purchase, refund, identify, custom",
        ),
        Entity(
            "contacts",
            (
                _c("contact_id", req=True),
                _c("created_at", TS, req=True),
                _c("email"),
                _c("lifecycle_stage"),
                _c("became_lead_at", TS),
                _c("became_customer_at", TS),
                _c("original_source"),
                _c("original_source_detail"),
                _c("visitor_id"),
            ),
            key=("contact_id",),
            description="CRM contacts",
        ),
        Entity(
            "deals",
            (
                _c("deal_id", req=True),
                _c("contact_id", req=True),
                _c("created_at", TS, req=True),
                _c("stage", req=True, choices=("open", "won", "lost")),
                _c("closed_at", TS),
                _c("amount", N),
                _c("currency", CUR),
            ),
            key=("deal_id",),
            money=(("amount", "currency"),),
            description="CRM deals",
        ),
        Entity(
            "messages",
            (
                _c("message_id", req=True),
                _c("network", NW, req=True),
                _c("sent_at", TS, req=True),
                _c("direction", req=True, choices=("inbound", "outbound")),
                _c("thread_id"),
                _c("in_reply_to"),
                _c("profile_id"),
                _c("author"),
                _c("contact_id"),
                _c("agent"),
                _c("text"),
                _c("needs_response", B),
            ),
            key=("message_id",),
            description="social inbox messages; needs_response defaults to true for inbound",
        ),
        Entity(
            "order_items",
            (
                _c("transaction_id", req=True),
                _c("sku", req=True),
                _c("quantity", INT, default="1"),
                _c("price", N),
                _c("currency", CUR),
                _c("product"),
                _c("category"),
            ),
            key=("transaction_id", "sku"),
            money=(("price", "currency"),),
            description="lines of a purchase",
        ),
        Entity(
            "mentions",
            (
                _c("mention_id", req=True),
                _c("network", NW, req=True),
                _c("published_at", TS, req=True),
                _c("brand", req=True),
                _c("keyword"),
                _c("author"),
                _c("reach", INT),
                _c("sentiment", choices=("positive", "neutral", "negative")),
                _c("url"),
                _c("text"),
            ),
            key=("mention_id",),
            description="brand and competitor mentions",
        ),
        Entity(
            "costs",
            (
                _c("date", D, req=True),
                _c("amount", N, req=True),
                _c("category", req=True, choices=("ads", "tools", "agency", "content", "other")),
                _c("currency", CUR),
                _c("network", NW),
                _c("campaign"),
                _c("post_id"),
                _c("end_date", D),
            ),
            money=(("amount", "currency"),),
            description="costs; with end_date, spread evenly over date..end_date",
        ),
        Entity(
            "staff_hours",
            (
                _c("date", D, req=True),
                _c("person", req=True),
                _c("hours", N, req=True),
                _c("hourly_rate", N, req=True),
                _c("currency", CUR),
                _c("network", NW),
                _c("campaign"),
                _c("activity"),
            ),
            money=(("hourly_rate", "currency"),),
            description="staff time spent on social, valued at hourly_rate",
        ),
        Entity(
            "goals",
            (
                _c("metric", req=True),
                _c("period_start", D, req=True),
                _c("period_end", D, req=True),
                _c("target", N, req=True),
                _c("network", NW),
                _c("campaign"),
            ),
            key=("metric", "period_start", "period_end", "network", "campaign"),
            description="targets to track (leads, customers, revenue, …)",
        ),
    )
}

#: The order ``import-dir`` loads files in: rates first (money is converted on import), parents
#: before children.
IMPORT_ORDER: tuple[str, ...] = tuple(ENTITIES)

#: ``(entity, amount column, currency column)`` for every money column.
MONEY_COLUMNS: tuple[tuple[str, str, str], ...] = tuple(
    (e.name, amount, cur) for e in ENTITIES.values() for amount, cur in e.money
)


def entity(name: str) -> Entity:
    """The entity called ``name`` (a file stem such as ``web_events``)."""
    try:
        return ENTITIES[name]
    except KeyError:
        from socialroi.errors import ConfigError

        raise ConfigError(
            f"unknown entity {name!r}",
            hint="use one of: " + ", ".join(ENTITIES),
        ) from None
