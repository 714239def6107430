"""SQL for validating and typing string batches in DuckDB, built from the schema only.

Identifiers come from :mod:`socialroi.schema` (or are generated here: ``_x0``, ``_row``) and
are checked against :data:`_IDENT` before they reach SQL; every value from a file (unknown
column names included) travels as a bound parameter. Constants inlined as literals
(network names, choices, defaults) come from the schema module and are checked by
:func:`lit`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from socialroi.schema import NETWORKS, Column, ColumnType, Entity
from socialroi.schema.entities import NETWORK_ALIASES

__all__ = ["Params", "TypedColumn", "code_expected", "ident", "lit", "typed_columns"]

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_LITERAL = re.compile(r"^[A-Za-z0-9_.+: -]*$")

# Accepted spellings (checked with regexp_full_match before the cast, so DuckDB's lenient
# casts cannot let "2025-1-1" or "1,5" through).
TIMESTAMP_RE = r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?"
DATE_RE = r"\d{4}-\d{2}-\d{2}"
NUMBER_RE = r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"
INTEGER_RE = r"[+-]?\d+(\.0*)?"
CURRENCY_RE = r"[A-Z]{3}"

TYPE_CODES: dict[ColumnType, str] = {
    ColumnType.TIMESTAMP: "bad-timestamp",
    ColumnType.DATE: "bad-date",
    ColumnType.NUMBER: "bad-number",
    ColumnType.INTEGER: "bad-integer",
    ColumnType.BOOLEAN: "bad-boolean",
    ColumnType.NETWORK: "bad-network",
    ColumnType.CURRENCY: "bad-currency",
}

_EXPECTED: dict[str, str] = {
    "missing-value": "a value (the column is required)",
    "bad-timestamp": "an ISO 8601 timestamp such as 2025-01-31T14:05:00Z",
    "bad-date": "a date YYYY-MM-DD",
    "bad-number": "a number with '.' as decimal separator",
    "bad-integer": "a whole number",
    "bad-boolean": "true/false, 1/0 or yes/no",
    "bad-network": "one of " + ", ".join(NETWORKS) + " (or an alias such as twitter)",
    "bad-currency": "a 3-letter ISO 4217 code such as EUR",
}


def code_expected(entity: Entity, column: str, code: str) -> str:
    """What a cell of ``column`` should have held, for problem ``code``."""
    if code == "bad-choice":
        choices = entity.column(column).choices or ()
        return "one of " + ", ".join(choices)
    if code == "bad-number" and (entity.name, column) == ("fx_rates", "rate"):
        return "a positive number with '.' as decimal separator"
    return _EXPECTED.get(code, code)


def ident(name: str) -> str:
    """``"name"`` for an identifier from the schema (or generated here); refuses anything else."""
    if not _IDENT.match(name):
        raise ValueError(f"not a schema identifier: {name!r}")
    return f'"{name}"'


def lit(value: str) -> str:
    """A SQL string literal for a schema constant; refuses anything that needs escaping."""
    if not _LITERAL.match(value):
        raise ValueError(f"not a schema constant: {value!r}")
    return f"'{value}'"


@dataclass
class Params:
    """Bound parameters of one statement: ``p(value)`` returns its ``$n`` placeholder."""

    values: list[Any] = field(default_factory=list)

    def __call__(self, value: Any) -> str:
        for i, known in enumerate(self.values):
            if type(known) is type(value) and known == value:
                return f"${i + 1}"
        self.values.append(value)
        return f"${len(self.values)}"


@dataclass(frozen=True, slots=True)
class TypedColumn:
    """SQL for one canonical column over a batch of strings.

    ``raw`` (over the batch) is the trimmed cell, NULL when empty, selected as ``r_<name>``;
    ``typed`` (over ``r_<name>``) its typed value before defaults, NULL when empty or malformed,
    selected as ``t_<name>``. ``check`` (over both) is true for a bad cell and ``code`` names
    the problem; ``final`` applies defaults.
    """

    column: Column
    raw: str
    typed: str
    check: str | None
    code: str
    final: str


def _typed(col: Column, v: str) -> tuple[str, str | None]:
    """(typed expression over raw ``v``, problem code) for a column type."""
    t = col.type
    if col.choices:
        allowed = ", ".join(lit(c) for c in col.choices)
        return f"CASE WHEN lower({v}) IN ({allowed}) THEN lower({v}) END", "bad-choice"
    if t is ColumnType.STRING:
        return v, None
    if t is ColumnType.TIMESTAMP:
        return (
            f"CASE WHEN regexp_full_match({v}, {lit_re(TIMESTAMP_RE)}) "
            f"THEN timezone('UTC', TRY_CAST({v} AS TIMESTAMPTZ)) END",
            TYPE_CODES[t],
        )
    if t is ColumnType.DATE:
        return (
            f"CASE WHEN regexp_full_match({v}, {lit_re(DATE_RE)}) THEN TRY_CAST({v} AS DATE) END",
            TYPE_CODES[t],
        )
    if t is ColumnType.NUMBER:
        return (
            f"CASE WHEN regexp_full_match({v}, {lit_re(NUMBER_RE)}) "
            f"THEN TRY_CAST({v} AS DOUBLE) END",
            TYPE_CODES[t],
        )
    if t is ColumnType.INTEGER:
        return (
            f"CASE WHEN regexp_full_match({v}, {lit_re(INTEGER_RE)}) "
            f"THEN TRY_CAST(regexp_replace({v}, '\\.0*$', '') AS BIGINT) END",
            TYPE_CODES[t],
        )
    if t is ColumnType.BOOLEAN:
        return (
            f"CASE WHEN lower({v}) IN ('true', '1', 'yes') THEN true "
            f"WHEN lower({v}) IN ('false', '0', 'no') THEN false END",
            TYPE_CODES[t],
        )
    if t is ColumnType.NETWORK:
        aliases = " ".join(f"WHEN {lit(a)} THEN {lit(n)}" for a, n in NETWORK_ALIASES.items())
        mapped = f"CASE lower({v}) {aliases} ELSE lower({v}) END"
        allowed = ", ".join(lit(n) for n in NETWORKS)
        return f"CASE WHEN {mapped} IN ({allowed}) THEN {mapped} END", TYPE_CODES[t]
    if t is ColumnType.CURRENCY:
        return (
            f"CASE WHEN regexp_full_match(upper({v}), {lit_re(CURRENCY_RE)}) THEN upper({v}) END",
            TYPE_CODES[t],
        )
    raise AssertionError(t)  # pragma: no cover


def lit_re(pattern: str) -> str:
    """A SQL literal for one of this module's regular expressions (constants, no quotes)."""
    if "'" in pattern:
        raise ValueError(pattern)
    return f"'{pattern}'"


def typed_columns(
    entity: Entity,
    present: set[str],
    p: Params,
    *,
    currency: str,
    brand: str | None,
    pretyped: frozenset[str] = frozenset(),
) -> list[TypedColumn]:
    """SQL for every canonical column of ``entity``; ``present`` are the ones the batch has.

    ``pretyped``: columns the batch also has already typed, as ``_typed_<name>`` (a preset's
    ``typed``), carried beside ``r_<name>``: where that value is not NULL it is the typed value.
    """
    out = []
    for col in entity.columns:
        name = col.name
        if name in present and (col.type is not ColumnType.STRING or col.choices):
            raw = f"NULLIF(trim({ident(name)}), '')"
        elif name in present:  # ids and text: kept as written (trimming 1M strings is costly)
            raw = f"NULLIF({ident(name)}, '')"
        else:
            raw = "CAST(NULL AS VARCHAR)"
        r, t = ident("r_" + name), ident("t_" + name)
        typed, code = _typed(col, r)
        if name in pretyped:
            given = ident("_typed_" + name)
            typed = f"CASE WHEN {given} IS NOT NULL THEN {given} ELSE {typed} END"
        checks = []
        if col.required:
            checks.append(f"{r} IS NULL")
        if code is not None:
            if (entity.name, name) == ("fx_rates", "rate"):
                typed = f"CASE WHEN ({typed}) > 0 THEN ({typed}) END"
            checks.append(f"({r} IS NOT NULL AND {t} IS NULL)")
        check = " OR ".join(checks) or None
        code_sql = (
            f"CASE WHEN {r} IS NULL THEN 'missing-value' ELSE {lit(code)} END"
            if code
            else "'missing-value'"
        )
        final = t
        if col.type is ColumnType.CURRENCY and name == "currency":
            final = f"coalesce({t}, {p(currency)})"
        elif (entity.name, name) == ("messages", "needs_response"):
            final = f"coalesce({t}, t_direction = 'inbound')"
        elif (entity.name, name) == ("profiles", "brand") and brand is not None:
            final = f"coalesce({t}, {p(brand)})"
        elif col.default is not None:
            default_typed, _ = _typed(col, lit(col.default))
            final = f"coalesce({t}, {default_typed})"
        if col.type is not ColumnType.STRING or col.choices:
            final = f"CAST({final} AS {col.type.sql_type})"
        out.append(TypedColumn(col, raw, typed, check, code_sql, final))
    return out
