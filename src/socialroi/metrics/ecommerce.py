"""Ecommerce from ``order_items``: revenue, orders, AOV and revenue per visit (business metrics §2).

**Lines.** A purchase (a ``purchase`` web event, deduplicated by ``transaction_id`` as in
:func:`~socialroi.metrics.revenue.transactions`) is the lines of its transaction in
``order_items``, each worth line_value = quantity × price_base (a null quantity counts 1, a null
price 0). A purchase without order items is one line with no product, SKU or category worth the
event's ``revenue_base``, so no sale is lost.

**Refunds are netted** at the refund's time: a refund of a transaction subtracts |refund| from
each line of that transaction in proportion to its value (line_refund = |refund| × line_value ÷
Σ line values of the transaction; equal shares when the lines are worth 0); a refund whose
transaction has no lines is one line with no product. So Σ over the lines of the net revenue is
purchases − refunds, as in the summary's web revenue.

**Where a sale comes from** is the visit the purchase happened in (GA4's session source /
medium): its ``network`` (null when not social) and ``source / medium``. A refund counts under
its purchase's visit when the purchase is known, else under its own visit.

Per group (formulas; ratios null over 0):

- revenue = Σ line_value of purchases in the period − Σ line_refund of refunds in the period;
- gross_revenue = Σ line_value of purchases; refunds = Σ line_refund;
- orders = number of distinct purchased transactions (a purchase without transaction id is one
  order); units = Σ quantity of purchased lines;
- average_order_value (AOV) = revenue ÷ orders;
- visits = visits started in the period with the group's network or source / medium (all visits
  when the group has neither); revenue_per_visit = revenue ÷ visits. Grouped by product alone
  this is the product's revenue per visit of the whole site.
"""

from __future__ import annotations

import datetime as dt
from itertools import product

import ibis
import ibis.expr.types as ir

from socialroi.engine import Tables
from socialroi.errors import ConfigError
from socialroi.metrics._period import period_bounds
from socialroi.metrics.revenue import REFUND_EVENT, transactions
from socialroi.metrics.roi import ratio
from socialroi.visits import events_with_sessions, sessions

__all__ = ["ECOMMERCE_ADDITIVE", "ECOMMERCE_BY", "ITEM_KEYS", "VISIT_KEYS", "ecommerce",
           "ecommerce_lines"]  # fmt: skip

ITEM_KEYS: tuple[str, ...] = ("product", "sku", "category")
VISIT_KEYS: tuple[str, ...] = ("network", "source_medium")
#: The allowed groupings: an item key, a visit key, or "item,visit" (``None``: the total).
ECOMMERCE_BY: tuple[str, ...] = (
    *ITEM_KEYS, *VISIT_KEYS, *(f"{i},{v}" for i, v in product(ITEM_KEYS, VISIT_KEYS)),
)  # fmt: skip
ECOMMERCE_ADDITIVE: tuple[str, ...] = ("revenue", "gross_revenue", "refunds", "orders", "units",
                                       "visits")  # fmt: skip


def _source_medium(source: ir.StringValue, medium: ir.StringValue) -> ir.StringValue:
    return source.coalesce("(direct)").concat(" / ", medium.coalesce("(none)"))


def ecommerce_lines(t: Tables, date_from: dt.date, date_to: dt.date) -> ir.Table:
    """The order lines and prorated refund lines of the period (rules: module docstring).

    Returns
    -------
    One row per line: ``transaction_id``, ``kind`` (``purchase`` or ``refund``), ``product``,
    ``sku``, ``category``, ``network``, ``source_medium``, ``quantity`` (purchases; 0 for refunds),
    ``value`` (line value, ≥ 0) and ``refund`` (line refund, ≥ 0).
    """
    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    lo = ibis.literal(start, type="timestamp")
    hi = ibis.literal(end, type="timestamp")
    # the visit each purchase and refund happened in, with its source / medium
    ev = events_with_sessions(t)
    ev = ev.filter(ev.event.isin(("purchase", REFUND_EVENT)))
    vs = sessions(t)
    vs = vs.select(v_session_id=vs.session_id, source_medium=_source_medium(vs.source, vs.medium))
    where = ev.left_join(vs, ev.session_id == vs.v_session_id).select(
        w_event_id=ev.event_id, w_network=ev.network.cast("string"), w_sm=vs.source_medium
    )
    tx = transactions(t.web_events)
    tx = tx.left_join(where, tx.event_id == where.w_event_id)
    tx = tx.select(
        "event_id", "event", "transaction_id", "occurred_at",
        amount=tx.revenue_base.coalesce(0.0).abs().cast("float64"),
        network=tx.w_network, source_medium=tx.w_sm,
    )  # fmt: skip
    buys = tx.filter(tx.event == "purchase")
    origin = buys.filter(buys.transaction_id.notnull()).select(
        o_tx=buys.transaction_id, o_network=buys.network, o_sm=buys.source_medium
    )
    tx = tx.filter(tx.occurred_at >= lo, tx.occurred_at < hi)
    tx = tx.left_join(origin, (tx.event == REFUND_EVENT) & (tx.transaction_id == origin.o_tx))
    is_refund = tx.event == REFUND_EVENT
    tx = tx.select(
        "event_id", "transaction_id", "amount",
        kind=tx.event.cast("string"),
        network=ibis.ifelse(is_refund & tx.o_tx.notnull(), tx.o_network, tx.network),
        source_medium=ibis.ifelse(is_refund & tx.o_tx.notnull(), tx.o_sm, tx.source_medium),
    )  # fmt: skip

    oi = t.order_items
    items = oi.select(
        i_tx=oi.transaction_id,
        product=oi.product.cast("string"),
        sku=oi.sku.cast("string"),
        category=oi.category.cast("string"),
        i_qty=oi.quantity.coalesce(1).cast("int64"),
        i_value=(oi.quantity.coalesce(1) * oi.price_base.coalesce(0.0)).cast("float64"),
    )
    win = ibis.window(group_by=items.i_tx)
    items = items.mutate(i_total=items.i_value.sum().over(win), i_n=items.i_tx.count().over(win))
    j = tx.left_join(items, tx.transaction_id == items.i_tx)
    has_lines = j.i_tx.notnull()
    share = ibis.ifelse(
        j.i_total > 0, j.i_value / j.i_total.nullif(0.0), 1.0 / j.i_n.cast("float64")
    )
    purchase = j.kind == "purchase"
    no_str = ibis.null("string")
    return j.select(
        transaction_id=j.transaction_id.coalesce(j.event_id).cast("string"),
        kind=j.kind,
        product=ibis.ifelse(has_lines, j.product, no_str),
        sku=ibis.ifelse(has_lines, j.sku, no_str),
        category=ibis.ifelse(has_lines, j.category, no_str),
        network=j.network,
        source_medium=j.source_medium,
        quantity=ibis.ifelse(purchase, j.i_qty.coalesce(0), 0).cast("int64"),
        value=ibis.ifelse(purchase, ibis.ifelse(has_lines, j.i_value, j.amount), 0.0).cast(
            "float64"
        ),
        refund=ibis.ifelse(purchase, 0.0, ibis.ifelse(has_lines, j.amount * share, j.amount)).cast(
            "float64"
        ),
    )


def _keys(by: str | None) -> list[str]:
    if by is None:
        return []
    if by not in ECOMMERCE_BY:
        raise ConfigError(
            f"unknown ecommerce grouping {by!r}", hint=f"use one of: {', '.join(ECOMMERCE_BY)}"
        )
    return by.split(",")


def ecommerce(
    t: Tables, date_from: dt.date, date_to: dt.date, *, by: str | None = "product"
) -> ir.Table:
    """Revenue, orders, AOV and revenue per visit by product, SKU or category and by source.

    Formulas in the module docstring: revenue = Σ line values − Σ prorated refunds;
    average_order_value = revenue ÷ orders; revenue_per_visit = revenue ÷ visits.

    Parameters
    ----------
    t
        The workspace's ``Tables``.
    date_from, date_to
        The period, both days included, in the workspace's calendar and time zone.
    by
        One of :data:`ECOMMERCE_BY` (``"category"``, ``"product,network"``,
        ``"sku,source_medium"`` …) or ``None`` (one row: the total).

    Returns
    -------
    One row per group with a line in the period: the key columns, ``revenue``,
    ``gross_revenue``, ``refunds`` (base currency), ``orders``, ``units``, ``visits`` (int64),
    ``average_order_value``, ``revenue_per_visit`` (float64, null over 0).

    Tested by ``tests/metrics/test_ecommerce.py`` (hand-computed, DuckDB == Spark).
    """
    keys = _keys(by)
    lines = ecommerce_lines(t, date_from, date_to)
    order = ibis.ifelse(lines.kind == "purchase", lines.transaction_id, ibis.null("string"))
    sums = {
        "gross_revenue": lines.value.sum(),
        "refunds": lines.refund.sum(),
        "orders": order.nunique(),
        "units": lines.quantity.sum(),
    }
    g = lines.group_by(keys).aggregate(**sums) if keys else lines.aggregate(**sums)
    g = g.mutate(
        gross_revenue=g.gross_revenue.coalesce(0.0).cast("float64"),
        refunds=g.refunds.coalesce(0.0).cast("float64"),
        orders=g.orders.coalesce(0).cast("int64"),
        units=g.units.coalesce(0).cast("int64"),
    )
    g = g.mutate(revenue=g.gross_revenue - g.refunds)

    start, end = period_bounds(date_from, date_to, t.workspace.timezone)
    vs = sessions(t)
    vs = vs.filter(
        vs.started_at >= ibis.literal(start, type="timestamp"),
        vs.started_at < ibis.literal(end, type="timestamp"),
    )
    vs = vs.select(network=vs.network.cast("string"),
                   source_medium=_source_medium(vs.source, vs.medium))  # fmt: skip
    visit_keys = [k for k in keys if k in VISIT_KEYS]
    if visit_keys:
        v = vs.group_by(visit_keys).aggregate(visits=vs.count())
        v = v.rename(**{f"_v_{k}": k for k in visit_keys})
        g = g.left_join(v, [g[k].identical_to(v[f"_v_{k}"]) for k in visit_keys])
        g = g.drop(*(f"_v_{k}" for k in visit_keys))
    else:
        g = g.cross_join(vs.aggregate(visits=vs.count()))
    g = g.mutate(visits=g.visits.coalesce(0).cast("int64"))
    return g.select(
        *keys,
        "revenue", "gross_revenue", "refunds", "orders", "units", "visits",
        average_order_value=ratio(g.revenue, g.orders),
        revenue_per_visit=ratio(g.revenue, g.visits),
    )  # fmt: skip
