"""Path reports: assisted conversions, top paths, path length, time lag, transitions.

All built in the engine from :func:`~socialroi.attribution.journeys` (and
:func:`~socialroi.attribution.null_journeys` where conversion rates or ``(null)`` need them).
Paths become strings (``'linkedin > Organic Search > Email'``) only for the distinct paths a
report returns: journeys are grouped by an order-aware signature (sums of hashes of
``credit_key`` salted with the position; three independent sums of 31-bit hashes, so two
different paths share a signature with probability about 2^-93), then one representative journey
per signature is turned into its string. Specs: ``../shared/specs/attribution.md`` §5.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from socialroi.attribution.touchpoints import (
    STEP_COLUMNS,
    UNASSIGNED,
    NullJourneys,
    journey_steps,
)
from socialroi.engine import Engine, memtable
from socialroi.errors import ConfigError

__all__ = [
    "CONVERSION_STATE",
    "NULL_STATE",
    "PATH_SEPARATOR",
    "START_STATE",
    "TIME_LAG_BUCKETS",
    "all_steps",
    "assisted_conversions",
    "MAX_TIED_PEOPLE",
    "channel_sets",
    "count_steps",
    "count_transitions",
    "path_counts",
    "path_length_distribution",
    "step_counts",
    "time_lag_distribution",
    "top_converting_paths",
    "top_paths",
    "transitions",
    "transitions_of_steps",
]

PATH_SEPARATOR = " > "
START_STATE = "(start)"
CONVERSION_STATE = "(conversion)"
NULL_STATE = "(null)"

#: Time-lag buckets: (label, first day, last day) in whole days from first touch to conversion.
TIME_LAG_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
)

_SALTS = ("a", "b", "c")
_HASH_MOD = 2_147_483_647
_POSITION_WIDTH = 6  # positions are zero-padded to sort as text (paths up to 999,999 touches)
_UNIT = "\x1f"


def _rows(journeys: ir.Table, null_journeys: ir.Table | None) -> ir.Table:
    """:func:`_unshared_rows`, computed once per query (the path reports use it twice)."""
    return _shared(_unshared_rows(journeys, null_journeys))


def _unshared_rows(journeys: ir.Table, null_journeys: ir.Table | None) -> ir.Table:
    """Converting and null journey rows together: ``_id, credit_key, position, n, value,
    _is_null``."""
    conv = journeys.select(
        _id=journeys.conversion_id.cast("string"),
        credit_key=journeys.credit_key.cast("string"),
        position=journeys.position.cast("int64"),
        n=journeys.n.cast("int64"),
        value=journeys.value.cast("float64"),
        _is_null=ibis.literal(0, type="int64"),
    )
    if null_journeys is None:
        return conv
    return ibis.union(conv, _null_rows(null_journeys))


def _null_rows(null_journeys: ir.Table) -> ir.Table:
    """Null journey rows in the shape of :func:`_unshared_rows` (value 0, ``_is_null`` 1)."""
    nj = null_journeys
    return nj.select(
        _id=nj.journey_id.cast("string"),
        credit_key=nj.credit_key.cast("string"),
        position=nj.position.cast("int64"),
        n=nj.n.cast("int64"),
        value=ibis.literal(0.0, type="float64"),
        _is_null=ibis.literal(1, type="int64"),
    )


def _shared(table: ir.Table) -> ir.Table:
    """``table`` computed once per query although used twice (``metrics.summary._shared``):
    Ibis emits an aggregate as one CTE; grouping by every column keeps distinct rows (one per
    journey and position here)."""
    return table.group_by(list(table.columns)).aggregate()


def _signatures(rows: ir.Table) -> ir.Table:
    """One row per journey: ``_id``, ``value``, ``_is_null`` and the signature ``_s0.._s2``."""
    term = rows.credit_key.concat(_UNIT, rows.position.cast("string"))
    sums = {
        f"_s{i}": (ibis.literal(salt).concat(_UNIT, term).hash() % _HASH_MOD).cast("int64").sum()
        for i, salt in enumerate(_SALTS)
    }
    at_last = rows.position == rows.n
    return rows.group_by("_id").aggregate(
        value=rows.value.max(where=at_last),
        _is_null=rows._is_null.max(),
        **sums,
    )


def _distinct_paths(rows: ir.Table) -> ir.Table:
    """One row per distinct path: ``_rep`` (a representative journey), conversions, value,
    nulls."""
    sig = _signatures(rows)
    keys = [f"_s{i}" for i in range(len(_SALTS))]
    agg = sig.group_by(keys).aggregate(
        _rep=sig._id.min(),
        conversions=(1 - sig._is_null).sum(),
        value=sig.value.sum(where=sig._is_null == 0),
        nulls=sig._is_null.sum(),
    )
    return agg.select(
        "_rep",
        conversions=agg.conversions.cast("int64"),
        value=agg.value.coalesce(0.0).cast("float64"),
        nulls=agg.nulls.cast("int64"),
    )


def _with_path(paths: ir.Table, rows: ir.Table) -> ir.Table:
    """``paths`` plus ``path``: its representative's credit keys in order, joined by ' > '."""
    reps = rows.semi_join(paths, rows._id == paths._rep)
    item = reps.position.cast("string").lpad(_POSITION_WIDTH, "0").concat(_UNIT, reps.credit_key)
    text = reps.group_by("_id").aggregate(_text=item.collect().sort().join(PATH_SEPARATOR))
    text = text.mutate(_text=text._text.re_replace(rf"[0-9]+{_UNIT}", ""))
    joined = paths.join(text, paths._rep == text._id)
    return joined.mutate(path=joined._text.cast("string")).drop("_text", "_id")


def path_counts(
    journeys: ir.Table, null_journeys: ir.Table | NullJourneys | None = None
) -> ir.Table:
    """Every distinct path with its conversions, value and null journeys.

    The input of Markov and Shapley models (ChannelAttribution's ``Data``: path, total_conv,
    total_conv_value, total_null). Paths are not collapsed (``A > A > B`` stays).

    Parameters
    ----------
    journeys
        :func:`~socialroi.attribution.journeys`.
    null_journeys
        :func:`~socialroi.attribution.null_journeys`, or None (every ``nulls`` is then 0).

    Returns
    -------
    ir.Table
        Grain: one row per distinct path (sequence of credit keys). Columns ``path``
        (credit keys in order joined by ``' > '``), ``conversions`` (int64), ``value``
        (float64, Σ conversion values), ``nulls`` (int64, null journeys with that path).

    Tested by ``tests/attribution/test_reports.py::test_path_counts_and_transitions``.
    """
    if isinstance(null_journeys, NullJourneys):
        null_journeys = null_journeys.rows()
    rows = _rows(journeys, null_journeys)
    out = _with_path(_distinct_paths(rows), rows)
    return out.select("path", "conversions", "value", "nulls")


def channel_sets(journeys: ir.Table) -> ir.Table:
    """Conversions and value per exact set of credit keys touched (Shapley's R(S)).

    Each conversion counts once under the set of distinct credit keys of its path. Sets are
    found by an order-free signature (sums of salted hashes over the distinct keys, as for
    paths), and only the distinct sets — at most 2^k for k keys — become strings.

    Returns
    -------
    ir.Table
        Grain: one row per distinct set. Columns ``channels`` (the set's keys, sorted, joined
        by ``' > '``), ``conversions`` (int64), ``value`` (float64). Tested by
        ``test_reports.py::test_channel_sets``.
    """
    j = journeys
    per = j.group_by(_id=j.conversion_id.cast("string"), credit_key=j.credit_key.cast("string"))
    per = per.aggregate(_value=j.value.cast("float64").max())
    term = per.credit_key
    sums = {
        f"_s{i}": (ibis.literal(salt).concat(_UNIT, term).hash() % _HASH_MOD).cast("int64").sum()
        for i, salt in enumerate(_SALTS)
    }
    sig = per.group_by("_id").aggregate(value=per._value.max(), **sums)
    keys = [f"_s{i}" for i in range(len(_SALTS))]
    sets = sig.group_by(keys).aggregate(
        _rep=sig._id.min(), conversions=sig.count(), value=sig.value.sum()
    )
    reps = per.semi_join(sets, per._id == sets._rep)
    text = reps.group_by("_id").aggregate(
        _text=reps.credit_key.collect().sort().join(PATH_SEPARATOR)
    )
    out = sets.join(text, sets._rep == text._id)
    return out.select(
        channels=out._text.cast("string"),
        conversions=out.conversions.cast("int64"),
        value=out.value.cast("float64"),
    )


def top_paths(
    journeys: ir.Table, null_journeys: ir.Table | NullJourneys | None = None, *, limit: int = 20
) -> ir.Table:
    """The converting paths with the most conversions (GA "Top conversion paths").

    conversion_rate = conversions ÷ (conversions + nulls) of the same path; null without
    ``null_journeys``. Only converting paths become strings; null journeys are matched to the
    reported paths by their signature.

    Returns
    -------
    ir.Table
        At most ``limit`` rows, one per distinct converting path, chosen and ordered by
        conversions then value (descending), then path: ``path``, ``conversions``, ``value``,
        ``nulls``, ``conversion_rate``. Tested by ``test_reports.py::test_top_paths``.
    """
    top = top_converting_paths(journeys, limit=limit)
    if null_journeys is None:
        out = top.mutate(nulls=ibis.literal(0, type="int64"), conversion_rate=ibis.null("float64"))
    else:
        nj = null_journeys.rows() if isinstance(null_journeys, NullJourneys) else null_journeys
        sig = _signatures(_null_rows(nj))
        keys = [f"_s{i}" for i in range(len(_SALTS))]
        counts = sig.group_by(keys).aggregate(nulls=sig.count())
        out = top.left_join(counts, keys)
        out = out.mutate(nulls=out.nulls.coalesce(0).cast("int64"))
        out = out.mutate(
            conversion_rate=out.conversions.cast("float64")
            / (out.conversions + out.nulls).cast("float64")
        )
    return out.select("path", "conversions", "value", "nulls", "conversion_rate").order_by(
        [ibis.desc("conversions"), ibis.desc("value"), "path"]
    )


def top_converting_paths(journeys: ir.Table, *, limit: int) -> ir.Table:
    """The ``limit`` converting paths with the most conversions, then value, then by path:
    ``path``, ``conversions``, ``value``, ``_rep`` (a journey with that path) and the path's
    signature ``_s0`` … ``_s2``. Every distinct converting path becomes a string (the
    converting journeys are few); null journeys are never read."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ConfigError(f"limit must be a positive whole number, got {limit!r}")
    rows = _rows(journeys, None)
    sig = _signatures(rows)
    keys = [f"_s{i}" for i in range(len(_SALTS))]
    agg = sig.group_by(keys).aggregate(
        _rep=sig._id.min(), conversions=sig.count(), value=sig.value.sum()
    )
    agg = agg.mutate(
        conversions=agg.conversions.cast("int64"), value=agg.value.coalesce(0.0).cast("float64")
    )
    # only the paths that can make the top (those ranked within the limit by conversions and
    # value, ties included: the path text breaks them) become strings
    rank = ibis.rank().over(order_by=[ibis.desc(agg.conversions), ibis.desc(agg.value)])
    agg = agg.filter(rank < limit)
    paths = _with_path(agg, rows)
    return paths.order_by(
        [ibis.desc(paths.conversions), ibis.desc(paths.value), paths.path]
    ).limit(limit)


def assisted_conversions(journeys: ir.Table) -> ir.Table:
    """Assisted, last-interaction and first-interaction conversions per credit key (GA MCF).

    A key **assists** a conversion when it appears anywhere in its path except as the last
    touch (counted once per conversion; the first touch assists too); it **closes** (``last``)
    the conversions whose last touch it is, Direct included. ratio = assisted ÷ last, null when
    last = 0.

    Returns
    -------
    ir.Table
        Grain: one row per credit_key in the journeys. Columns ``credit_key``,
        ``assisted_conversions``, ``assisted_value``, ``last_conversions``, ``last_value``,
        ``first_conversions``, ``first_value`` (counts int64, values float64),
        ``assisted_ratio`` (float64 or null). Tested by ``test_reports.py::test_example_4``.
    """
    j = journeys
    per = j.group_by(["conversion_id", "credit_key"]).aggregate(
        _assist=(j.position < j.n).cast("int64").max(),
        _last=(j.position == j.n).cast("int64").max(),
        _first=(j.position == 1).cast("int64").max(),
        _value=j.value.max(),
    )
    agg = per.group_by("credit_key").aggregate(
        assisted_conversions=per._assist.sum(),
        assisted_value=(per._assist.cast("float64") * per._value).sum(),
        last_conversions=per._last.sum(),
        last_value=(per._last.cast("float64") * per._value).sum(),
        first_conversions=per._first.sum(),
        first_value=(per._first.cast("float64") * per._value).sum(),
    )
    return agg.select(
        credit_key=agg.credit_key.cast("string"),
        assisted_conversions=agg.assisted_conversions.cast("int64"),
        assisted_value=agg.assisted_value.cast("float64"),
        last_conversions=agg.last_conversions.cast("int64"),
        last_value=agg.last_value.cast("float64"),
        first_conversions=agg.first_conversions.cast("int64"),
        first_value=agg.first_value.cast("float64"),
        assisted_ratio=(
            agg.assisted_conversions.cast("float64")
            / agg.last_conversions.cast("float64").nullif(0.0)
        ),
    )


def path_length_distribution(journeys: ir.Table) -> ir.Table:
    """Conversions by path length (touches per conversion).

    Returns one row per path length that occurs: ``path_length`` (int64), ``conversions``
    (int64), ``value`` (float64). Tested by ``test_reports.py::test_distributions``.
    """
    first = journeys.filter(journeys.position == 1)
    agg = first.group_by(path_length=first.n.cast("int64")).aggregate(
        conversions=first.count(), value=first.value.sum()
    )
    return agg.select(
        "path_length",
        conversions=agg.conversions.cast("int64"),
        value=agg.value.cast("float64"),
    )


def time_lag_distribution(journeys: ir.Table) -> ir.Table:
    """Conversions by days from first touch to conversion, in :data:`TIME_LAG_BUCKETS`.

    Whole days: floor of the first touch's ``days_before`` (day 0 = within 24 hours). A lag
    beyond 90 days (a window longer than 90) is bucket ``91+``.

    Returns one row per bucket that occurs: ``bucket`` (label), ``bucket_order`` (0.., int64),
    ``conversions`` (int64), ``value`` (float64). Tested by
    ``test_reports.py::test_distributions``.
    """
    first = journeys.filter(journeys.position == 1)
    days = first.days_before.floor().cast("int64")
    label = ibis.cases(*((days <= hi, name) for name, _, hi in TIME_LAG_BUCKETS), else_="91+")
    order = ibis.cases(
        *((days <= hi, i) for i, (_, _, hi) in enumerate(TIME_LAG_BUCKETS)),
        else_=len(TIME_LAG_BUCKETS),
    )
    x = first.mutate(bucket=label, bucket_order=order.cast("int64"))
    agg = x.group_by(["bucket", "bucket_order"]).aggregate(
        conversions=x.count(), value=x.value.sum()
    )
    return agg.select(
        bucket=agg.bucket.cast("string"),
        bucket_order=agg.bucket_order.cast("int64"),
        conversions=agg.conversions.cast("int64"),
        value=agg.value.cast("float64"),
    )


def transitions(
    journeys: ir.Table,
    null_journeys: ir.Table | NullJourneys | None = None,
    *,
    collapse_repeats: bool = True,
) -> ir.Table:
    """First-order transition counts between states (Markov chain input).

    States: ``(start)``, each credit key, ``(conversion)`` and ``(null)``. Every journey walks
    ``(start)`` → t1 → … → tn → ``(conversion)`` (a null journey ends in ``(null)``). With
    ``collapse_repeats`` (ChannelAttribution's behaviour) consecutive equal keys are one state,
    so there are no self-loops.

    ``null_journeys`` may be :class:`~socialroi.attribution.touchpoints.NullJourneys`: the null
    side is then read in one ordered pass over the touchpoints (the same counts).

    Returns
    -------
    ir.Table
        Grain: one row per (from_state, to_state) that occurs. Columns ``from_state``,
        ``to_state``, ``count`` (int64: journeys taking it, once per occurrence), ``value``
        (float64: Σ of those journeys' conversion values; 0 for null journeys).
        Tested by ``test_reports.py::test_path_counts_and_transitions``.
    """
    return transitions_of_steps(step_counts(all_steps(journeys, null_journeys)), collapse_repeats)


def all_steps(
    journeys: ir.Table, null_journeys: ir.Table | NullJourneys | None, depth: int = 1
) -> ir.Table:
    """:func:`~socialroi.attribution.touchpoints.journey_steps` of the converting and the null
    journeys together."""
    if isinstance(null_journeys, NullJourneys):
        conv = journey_steps(_unshared_rows(journeys, None), depth)
        return ibis.union(conv, null_journeys.steps(depth))
    return journey_steps(_unshared_rows(journeys, null_journeys), depth)


def step_counts(steps: ir.Table, paths: Sequence[Sequence[str | int]] = ()) -> ir.Table:
    """Steps counted by (previous key, key, ends the journey, null journey, matched path).

    ``_match`` is, on the last touch of a null journey whose whole path is ``paths[i]``
    (repeats kept), ``i``; else null. The steps need ``_lag1`` … ``_lag<max len(path)>``;
    the paths' keys are of the steps' key type (text, or numbers with coded keys).
    Columns ``_prev``, ``_key``, ``_last``, ``_is_null``, ``_match``, ``_count``, ``_value``:
    a few hundred rows whatever the number of touches. Steps with a ``_tied`` column
    (``NullJourneys.never_converted_steps(how="fast")``) are also counted by it.
    """
    tied = "_tied" in steps.columns
    depth = len(steps.columns) - len(STEP_COLUMNS) - tied
    whens: list[tuple[ir.BooleanValue, int]] = []
    for i, path in enumerate(paths):
        m = len(path)
        if not 1 <= m <= depth:
            raise ConfigError(f"a path of {m} touches needs steps of depth {m}, got {depth}")
        # the journey is exactly ``path``: its last m keys match and no touch comes before
        cond = steps._last & (steps._is_null == 1) & (steps._key == path[-1])
        for k in range(1, m):
            cond = cond & (steps[f"_lag{k}"] == path[m - 1 - k])
        whens.append((cond & steps[f"_lag{m}"].isnull(), i))
    match = ibis.cases(*whens, else_=ibis.null("int64")) if whens else ibis.null("int64")
    by: dict[str, ir.Value] = {
        "_prev": steps._lag1,
        "_key": steps._key,
        "_last": steps._last,
        "_is_null": steps._is_null,
        "_match": match.cast("int64"),
    }
    if tied:
        by["_tied"] = steps._tied
    return steps.group_by(**by).aggregate(_count=steps.count(), _value=steps._value.sum())


#: With more people than this whose steps depend on the order of touches at the same instant,
#: :func:`count_steps` counts every never-converter's steps again in exact order rather than
#: fetching those people's ids.
MAX_TIED_PEOPLE = 10_000

_COUNT_SCHEMA = pa.schema([
    ("_prev", pa.string()), ("_key", pa.string()), ("_last", pa.bool_()),
    ("_is_null", pa.int64()), ("_match", pa.int64()), ("_count", pa.int64()),
    ("_value", pa.float64()),
])  # fmt: skip
_COUNT_KEYS = ["_prev", "_key", "_last", "_is_null", "_match"]


def count_steps(
    engine: Engine,
    journeys: ir.Table | None,
    null_journeys: ir.Table | NullJourneys | None = None,
    depth: int = 1,
    paths: Sequence[Sequence[str]] = (),
) -> pa.Table:
    """:func:`step_counts` of :func:`all_steps`, computed: the same counts (in any row order).

    With :class:`~socialroi.attribution.touchpoints.NullJourneys` the counts come in parts,
    one query each, added up by the engine (so it holds one part's sort at a time):

    1. the null journeys of people without conversions, in one pass ordered by time alone
       (``NullJourneys.never_converted_steps(how="fast")``), their credit keys carried as
       numbers (``NullJourneys.key_names``). It marks the few steps that the order of touches
       at the same instant could change;
    2. the rest: the people with one conversion in one ordered pass
       (``NullJourneys.converted_once_steps``), the converting journeys' steps, the null
       journeys of people with several conversions (only when there are some), and the
       marked steps again in exact order (ties by ``touchpoint_id``) for the marked people
       only (``how="ties"``) — or, with more than :data:`MAX_TIED_PEOPLE` such people, every
       never-converter's steps again.

    ``journeys`` None (with ``NullJourneys`` only): the converting journeys are
    ``journeys(null_journeys.touchpoints, null_journeys.converting, window_days=…)``, those of
    people with one conversion counted in the same ordered pass as their null journeys (no
    range join, no second scan); the conversions with no touch in their window are the rest
    of the conversions' count and value (each its one synthetic ``Unassigned`` touch).

    Tested by ``tests/attribution/test_touchpoints.py::test_null_journey_steps_match_rows``.
    """
    counted = engine.execute(_counted(engine, journeys, null_journeys, depth, paths))
    return counted.select(_COUNT_SCHEMA.names).cast(_COUNT_SCHEMA)


def _counted(
    engine: Engine,
    journeys: ir.Table | None,
    null_journeys: ir.Table | NullJourneys | None,
    depth: int = 1,
    paths: Sequence[Sequence[str]] = (),
) -> ir.Table:
    """:func:`count_steps`' counts as an expression: with ``NullJourneys``, its parts are
    computed here and the expression adds them up (one more query, whatever reads it)."""
    if not isinstance(null_journeys, NullJourneys):
        return step_counts(all_steps(_given(journeys), null_journeys, depth), paths)
    lean = null_journeys
    build = journeys is None
    # the large pass carries each credit key as its number in the sorted distinct keys
    # (numbered by the engine: pyarrow turns Python values into Arrow through pandas)
    keys = engine.execute(lean.key_names())
    names = keys["_ck"].combine_chunks()
    codes = memtable(keys)
    number = {name: i for i, name in enumerate(names.to_pylist())}
    coded_paths = [[number.get(k, -1) for k in path] for path in paths]
    fast = engine.execute(
        step_counts(lean.never_converted_steps(depth, "fast", codes=codes), coded_paths)
    )
    fast = _named(fast, names)
    people = pc.unique(fast["_tied"]).drop_null()
    parts = []
    tied = None
    if len(people) <= MAX_TIED_PEOPLE:
        parts.append(fast.filter(pc.is_null(fast["_tied"])).drop_columns(["_tied"]))
        if len(people):
            tied = memtable(pa.table({"_tied": people}))
    # the people with conversions, their journeys and the tied steps are few rows: one query,
    # after the large pass rather than beside it, reading the touchpoints once more
    rest = [lean.converted_once_steps(depth, with_converting=build, tied=tied)]
    if len(people) > MAX_TIED_PEOPLE:
        rest.append(lean.never_converted_steps(depth))
    if journeys is not None:
        rest.append(journey_steps(_unshared_rows(journeys, None), depth))
    if engine.execute(lean.repeat_converters().limit(1)).num_rows:
        rest.append(lean.converter_steps(depth))
        if build:
            rest.append(journey_steps(_unshared_rows(lean.repeat_journeys(), None), depth))
    parts.append(engine.execute(step_counts(ibis.union(*rest), paths)))
    both = memtable(
        pa.concat_tables([p.select(_COUNT_SCHEMA.names).cast(_COUNT_SCHEMA) for p in parts])
    )
    if build:
        both = ibis.union(both, _untouched(both, lean))
    # a few hundred rows, added by the engine: pyarrow's own group-by loads pyarrow.dataset,
    # and with it pandas (0.3-0.5 s)
    return both.group_by(_COUNT_KEYS).aggregate(_count=both._count.sum(), _value=both._value.sum())


def _named(counts: pa.Table, names: pa.Array) -> pa.Table:
    """``counts`` whose ``_prev`` and ``_key`` are numbers into ``names``, with the names."""
    for column in ("_prev", "_key"):
        i = counts.schema.get_field_index(column)
        counts = counts.set_column(i, column, pc.take(names, counts[column]))
    return counts


def _given(journeys: ir.Table | None) -> ir.Table:
    if journeys is None:
        raise ConfigError(
            "the journeys are needed unless the null journeys are given as NullJourneys",
            hint="pass journeys(touchpoints, conversions), or NullJourneys(...) as null_journeys",
        )
    return journeys


def _untouched(counts: ir.Table, lean: NullJourneys) -> ir.Table:
    """The counted row of the conversions with no touch in their window: each is one
    synthetic ``Unassigned`` touch (:func:`journeys`' ``keep_untouched``); no row when there
    are none.

    Every other converting journey has exactly one first step (no previous key, not null) in
    ``counts``, so those conversions number Σ conversions − Σ first steps, and their value is
    the rest of the conversions' value (equal up to the order of summation).
    """
    first = counts.filter(counts._prev.isnull() & (counts._is_null == 0))
    firsts = first.aggregate(_n=first._count.sum(), _v=first._value.sum())
    cv = lean.converting if lean.converting is not None else lean.conversions
    total = cv.aggregate(_cn=cv.count(), _cv=cv.value.cast("float64").sum())
    x = total.cross_join(firsts)
    x = x.mutate(
        _count=(x._cn - x._n.fill_null(0)).cast("int64"),
        _value=x._cv.fill_null(0.0) - x._v.fill_null(0.0),
    )
    return x.filter(x._count > 0).select(
        _prev=ibis.null("string"),
        _key=ibis.literal(UNASSIGNED, type="string"),
        _last=ibis.literal(True),
        _is_null=ibis.literal(0, type="int64"),
        _match=ibis.null("int64"),
        _count=x._count,
        _value=x._value.cast("float64"),
    )


def count_transitions(
    engine: Engine,
    journeys: ir.Table | None,
    null_journeys: ir.Table | NullJourneys | None = None,
    *,
    collapse_repeats: bool = True,
) -> pa.Table:
    """:func:`transitions`, computed from :func:`count_steps` (its parts, its exact ties;
    ``journeys`` None as there)."""
    counted = _counted(engine, journeys, null_journeys)
    return engine.execute(transitions_of_steps(counted, collapse_repeats))


def transitions_of_steps(pairs: ir.Table, collapse_repeats: bool = True) -> ir.Table:
    """:func:`transitions` from :func:`step_counts` (an engine table, or the same rows fetched
    and handed back as a memtable).

    Each counted step yields up to two transitions — its move (previous key or ``(start)`` →
    key) and, when it ends its journey, its end (key → ``(conversion)`` or ``(null)``) — read
    by unnesting the two kinds into every count rather than reading the counts twice (an
    engine may otherwise compute everything under them twice).
    """
    x = pairs.mutate(_end=ibis.literal([False, True], type="array<boolean>").unnest())
    move = ibis.literal(True)
    if collapse_repeats:
        move = x._prev.isnull() | (x._prev != x._key)
    x = x.filter(ibis.ifelse(x._end, x._last, move))
    x = x.select(
        from_state=ibis.ifelse(
            x._end, x._key, x._prev.coalesce(ibis.literal(START_STATE))
        ).cast("string"),
        to_state=ibis.ifelse(
            x._end,
            ibis.ifelse(x._is_null == 1, NULL_STATE, CONVERSION_STATE),
            x._key,
        ).cast("string"),
        _count=x._count,
        value=x._value,
    )
    agg = x.group_by(["from_state", "to_state"]).aggregate(
        count=x._count.sum(), value=x.value.sum()
    )
    return agg.select(
        "from_state",
        "to_state",
        count=agg["count"].cast("int64"),
        value=agg.value.cast("float64"),
    )
