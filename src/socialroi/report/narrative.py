"""The report's generated sentences: fixed rules over the computed numbers, nothing else.

Each function takes a section's numbers (dicts shaped like the summary JSON) and returns plain
sentences (escaped where rendered). The rules, their thresholds and why are listed in
``docs/report.md`` ("Narrative rules"); each has a test in ``tests/report/test_narrative.py``.
A rule whose inputs are missing or null says nothing: the report never guesses.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "CUT_MIN_COST_SHARE",
    "VERY_RESPONSIVE_MINUTES",
    "VERY_RESPONSIVE_RATE",
    "CLV_ALPHA",
    "attribution_sentences",
    "channel_sentences",
    "clv_sentences",
    "forecast_sentences",
    "fmt_money",
    "fmt_pct",
    "fmt_times",
    "opportunity_sentences",
    "reach_sentences",
    "response_sentences",
    "share_of_voice_sentences",
]

#: A network is a "cut" candidate only if it takes at least this share of social cost with
#: labour: a loss-making network that costs next to nothing is not worth the CEO's attention.
CUT_MIN_COST_SHARE = 0.05
#: Facebook's "very responsive" badge: ≥ 90 % response rate and ≤ 15 min (social-metrics.md §8).
VERY_RESPONSIVE_RATE = 0.90
VERY_RESPONSIVE_MINUTES = 15.0
#: A network "assists more than it closes" when assisted ÷ last-touch conversions ≥ this, with
#: at least :data:`MIN_ASSISTS` assists (fewer is noise).
ASSIST_RATIO = 1.5
MIN_ASSISTS = 5
#: At most this many "assists more than it closes" sentences (the highest ratios).
MAX_ASSIST_SENTENCES = 3
#: The CLV gap between social and other customers is called significant when Welch's two-sided
#: p-value is below this (the usual 5 % level).
CLV_ALPHA = 0.05


def fmt_money(value: float | None, currency: str) -> str:
    """``EUR 48,120`` (whole units; cents are in the tables and exports)."""
    return "–" if value is None else f"{currency} {value:,.0f}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.2534 → ``25.3 %``."""
    return "–" if value is None else f"{value * 100:,.{digits}f} %"


def fmt_times(value: float | None) -> str:
    """An ROI (a ratio of net return to cost) as a multiple: 2.4 → ``2.40×``."""
    return "–" if value is None else f"{value:,.2f}×"


def channel_sentences(
    by_network: Sequence[Mapping[str, Any]],
    social: Mapping[str, Any],
    currency: str,
    previous: Mapping[str, Any] | None = None,
) -> list[str]:
    """Which network to grow, which to cut, where labour eats the return, what changed.

    Rules (``docs/report.md``):

    1. **Grow**: the network with the highest ROI with staff time, among networks with a cost
       and a positive ROI with staff time.
    2. **Cut or fix**: every network that loses money on spend alone too (ROI ≤ 0 or no spend)
       and with staff time (ROI < 0), whose cost with labour is at least
       :data:`CUT_MIN_COST_SHARE` of social cost with labour.
    3. **Labour eats the return**: every network with a positive ROI on spend alone but an ROI
       with staff time at or below 0.
    4. **No cost recorded**: networks with revenue but no cost (ROI null), named once.
    5. **Versus the comparison period**: social revenue and customers then and now (a change
       in percent only when the earlier value is not 0).
    """
    out: list[str] = []
    costed = [n for n in by_network if n.get("roi_with_labour") is not None]
    growing = [n for n in costed if n["roi_with_labour"] > 0]
    if growing:
        best = max(growing, key=lambda n: (n["roi_with_labour"], n["revenue"]))
        out.append(
            f"Grow {best['network']}: the best return with staff time counted, ROI "
            f"{fmt_times(best['roi_with_labour'])} ({fmt_money(best['revenue'], currency)} "
            f"revenue from {best['customers']:,} customers for "
            f"{fmt_money(best['cost_with_labour'], currency)} of spend and staff time)."
        )
    total_cost = social.get("cost_with_labour") or 0.0
    for n in sorted(costed, key=lambda n: n["roi_with_labour"]):
        share = n["cost_with_labour"] / total_cost if total_cost else 0.0
        labour_only = n.get("roi") is not None and n["roi"] > 0  # rule 3 speaks for it
        if n["roi_with_labour"] < 0 and share >= CUT_MIN_COST_SHARE and not labour_only:
            out.append(
                f"Cut or fix {n['network']}: it cost {fmt_money(n['cost_with_labour'], currency)} "
                f"({fmt_pct(share, 0)} of social cost with staff time) and brought "
                f"{fmt_money(n['revenue'], currency)}, ROI {fmt_times(n['roi_with_labour'])}."
            )
    for n in costed:
        if n.get("roi") is not None and n["roi"] > 0 >= n["roi_with_labour"]:
            out.append(
                f"On {n['network']} staff time eats the return: ROI {fmt_times(n['roi'])} on "
                f"spend alone, {fmt_times(n['roi_with_labour'])} once "
                f"{fmt_money(n['cost_with_labour'] - n['cost'], currency)} of staff time is "
                "counted."
            )
    uncosted = [n["network"] for n in by_network if n.get("roi") is None and n.get("revenue")]
    if uncosted:
        out.append(
            f"{', '.join(uncosted)} brought revenue with no cost recorded: import their costs and "
            "staff hours to judge their ROI."
        )
    if previous is not None:
        before, now = previous.get("social", {}), social
        change = ""
        if before.get("revenue"):
            change = f" ({fmt_pct((now['revenue'] - before['revenue']) / before['revenue'], 0)})"
        out.append(
            f"Versus the comparison period, revenue from social went from "
            f"{fmt_money(before.get('revenue'), currency)} to "
            f"{fmt_money(now.get('revenue'), currency)}"
            f"{change} and customers from {before.get('customers', 0):,} to "
            f"{now.get('customers', 0):,}."
        )
    return out


def attribution_sentences(
    models: Mapping[str, Mapping[str, float]],
    assisted: Sequence[Mapping[str, Any]],
    social_keys: frozenset[str],
) -> list[str]:
    """Do the models agree, how much credit social gets, who assists more than it closes.

    Rules: (1) the key with the most credit under each model: "every model" when all agree,
    else how many models back the leader and what the others pick. (2) social's share of
    credit: the lowest and highest over the models.
    (3) social networks with assisted ÷ last-touch ≥ :data:`ASSIST_RATIO` and at least
    :data:`MIN_ASSISTS` assists, the :data:`MAX_ASSIST_SENTENCES` highest ratios.
    """
    out: list[str] = []
    tops = {m: max(c.items(), key=lambda kv: kv[1])[0] for m, c in models.items() if c}
    if tops:
        votes = Counter(tops.values())
        leader, n = votes.most_common(1)[0]
        if n == len(tops):
            out.append(f"Every model gives the most credit to {leader}.")
        else:
            others = ", ".join(f"{m}: {k}" for m, k in tops.items() if k != leader)
            out.append(f"{n} of {len(tops)} models give the most credit to {leader} ({others}).")
    shares = {
        m: sum(v for k, v in c.items() if k in social_keys) / sum(c.values())
        for m, c in models.items()
        if c and sum(c.values())
    }
    if shares:
        lo = min(shares, key=lambda m: shares[m])
        hi = max(shares, key=lambda m: shares[m])
        out.append(
            f"Social networks earn between {fmt_pct(shares[lo], 0)} ({lo}) and "
            f"{fmt_pct(shares[hi], 0)} ({hi}) of the credit."
        )
    assisting = [
        row
        for row in assisted
        if row["credit_key"] in social_keys
        and row.get("assisted_ratio") is not None
        and row["assisted_ratio"] >= ASSIST_RATIO
        and row["assisted_conversions"] >= MIN_ASSISTS
    ]
    assisting.sort(key=lambda r: (-r["assisted_ratio"], r["credit_key"]))
    for row in assisting[:MAX_ASSIST_SENTENCES]:
        out.append(
            f"{row['credit_key']} assists {row['assisted_ratio']:,.1f}× as many conversions as it "
            f"closes ({row['assisted_conversions']:,} assisted, {row['last_conversions']:,} last "
            "touch): last-touch reports undervalue it."
        )
    return out


def response_sentences(response: Mapping[str, Any]) -> list[str]:
    """Response rate and median first response, against Facebook's "very responsive" badge;
    the slowest network by median."""
    if not response.get("inbound"):
        return ["No inbound social message needed a response in this period."]
    rate, median = response.get("response_rate"), response.get("median_first_response_minutes")
    out = [
        f"{response['answered']:,} of {response['inbound']:,} messages needing a reply got one "
        f"({fmt_pct(rate)}); the median first response took "
        f"{'–' if median is None else f'{median:,.0f} min'}."
    ]
    if rate is not None and median is not None:
        meets = rate >= VERY_RESPONSIVE_RATE and median <= VERY_RESPONSIVE_MINUTES
        out.append(
            "That meets Facebook's “very responsive” bar (≥ 90 %, ≤ 15 min)."
            if meets
            else "That misses Facebook's “very responsive” bar (≥ 90 % answered, ≤ 15 min)."
        )
    timed = [
        n
        for n in response.get("by_network", [])
        if n.get("median_first_response_minutes") is not None
    ]
    if len(timed) > 1:
        slow = max(timed, key=lambda n: n["median_first_response_minutes"])
        out.append(
            f"Slowest: {slow['network']}, median {slow['median_first_response_minutes']:,.0f} min."
        )
    return out


def opportunity_sentences(
    opportunities: Mapping[str, Any], deals: Mapping[str, Any], currency: str
) -> list[str]:
    """Conversations with leads and prospects, how they were answered, and won deals after
    social."""
    out: list[str] = []
    if opportunities.get("inbound"):
        median = opportunities.get("median_first_response_minutes")
        out.append(
            f"{opportunities['contacts']:,} leads or prospects wrote {opportunities['inbound']:,} "
            f"messages on social; {fmt_pct(opportunities.get('response_rate'))} were answered, "
            f"median {'–' if median is None else f'{median:,.0f} min'}."
        )
    else:
        out.append("No lead or prospect wrote on social in this period.")
    if deals.get("deals_won"):
        out.append(
            f"{deals['deals_after_social']:,} of {deals['deals_won']:,} deals won "
            f"({fmt_pct(deals.get('share_after_social'), 0)}) followed a social conversation, "
            f"worth {fmt_money(deals.get('revenue_after_social'), currency)}"
            + (
                ""
                if deals.get("revenue_share_after_social") is None
                else f" ({fmt_pct(deals['revenue_share_after_social'], 0)} of won revenue)"
            )
            + "."
        )
    return out


def reach_sentences(engagement: Sequence[Mapping[str, Any]]) -> list[str]:
    """The network with the highest engagement rate and the one whose posts are shared most
    (amplification: shares per post), with at least one post."""
    rows = [r for r in engagement if r.get("posts")]
    out: list[str] = []
    rated = [r for r in rows if r.get("engagement_rate") is not None]
    if rated:
        best = max(rated, key=lambda r: r["engagement_rate"])
        out.append(
            f"{best['network']} engages best: {fmt_pct(best['engagement_rate'], 2)} of "
            f"impressions led to an engagement over {best['posts']:,} posts."
        )
    amplified = [r for r in rows if r.get("amplification_rate") is not None]
    if amplified:
        top = max(amplified, key=lambda r: r["amplification_rate"])
        out.append(
            f"{top['network']} posts travel furthest: {top['amplification_rate']:,.1f} shares per "
            "post (amplification), the engagement that reaches people beyond the followers."
        )
    return out


def share_of_voice_sentences(sov: Mapping[str, float | None], own_brand: str | None) -> list[str]:
    """The own brand's share of mentions against the leading other brand."""
    shares = {b: s for b, s in sov.items() if s is not None}
    if not shares:
        return ["No tracked brand was mentioned in this period."]
    own = (own_brand or "").strip().lower()
    others = {b: s for b, s in shares.items() if b != own}
    if own not in shares:
        return []
    if not others:
        return [f"{own} is the only tracked brand mentioned ({fmt_pct(shares[own])})."]
    rival = max(others, key=lambda b: others[b])
    position = (
        "ahead of"
        if shares[own] > others[rival]
        else "behind"
        if shares[own] < others[rival]
        else "level with"
    )
    return [
        f"{own} has {fmt_pct(shares[own])} of mentions, {position} {rival} "
        f"({fmt_pct(others[rival])})."
    ]


def clv_sentences(clv: Mapping[str, Any], currency: str) -> list[str]:
    """Historical CLV of social vs other customers with its interval, and whether the gap is
    significant (Welch's p < :data:`CLV_ALPHA`) or only a hint; the small-sample warning."""
    social, other = clv.get("social"), clv.get("non_social")
    if social is None or other is None:
        missing = "social" if social is None else "other"
        return [f"No {missing} customers yet, so social and other customers cannot be compared."]
    level = fmt_pct(clv.get("level"), 0)
    ci = clv.get("social_ci")
    interval = "" if not ci else (
        f", {level} interval {fmt_money(ci[0], currency)} to {fmt_money(ci[1], currency)}"
    )
    out = [
        f"A customer who came through social is worth {fmt_money(social, currency)} to date on "
        f"average ({clv['social_n']:,} customers{interval}); other customers "
        f"{fmt_money(other, currency)} ({clv['non_social_n']:,})."
    ]
    diff, p = clv.get("difference"), clv.get("p_value")
    if diff is not None and p is not None:
        gap = f"{'+' if diff >= 0 else '−'}{fmt_money(abs(diff), currency)}"
        if p < CLV_ALPHA:
            out.append(
                f"The gap of {gap} is statistically significant (Welch's test, "
                f"{'p < 0.001' if p < 0.001 else f'p = {p:.3f}'})."
            )
        else:
            out.append(
                f"The gap of {gap} is not statistically significant (p = {p:.2f}): "
                "treat it as a hint, not a finding."
            )
    if clv.get("warning"):
        out.append(str(clv["warning"]))
    return out


def _amount(metric: str, value: float, currency: str) -> str:
    """Revenue as money, counts (leads, customers, visits) as whole numbers."""
    return fmt_money(value, currency) if metric == "revenue" else f"{value:,.0f}"


def forecast_sentences(
    series: Mapping[str, Mapping[str, Any]], goals: Sequence[Mapping[str, Any]], currency: str
) -> list[str]:
    """The next month's forecast of each metric with its 80 % interval; goals behind pace with
    their projection, or that every goal is on track or met."""
    out: list[str] = []
    upcoming = [(m, series[m]["points"][0]) for m in ("leads", "customers", "revenue")
                if series.get(m, {}).get("points")]  # fmt: skip
    if upcoming:
        parts = [
            f"{_amount(m, p['value'], currency)} {m} (80 %: {_amount(m, p['lo80'], currency)} "
            f"to {_amount(m, p['hi80'], currency)})"
            for m, p in upcoming
        ]
        month = upcoming[0][1]["month"]
        out.append(f"Forecast for {month:%B %Y} from social: " + "; ".join(parts) + ".")
    tracked = [g for g in goals if g.get("status") in ("on_track", "behind", "met", "missed")]
    behind = [g for g in tracked if g["status"] in ("behind", "missed")]
    for g in behind[:3]:
        scope = " ".join(x for x in (g.get("network"), g.get("campaign")) if x) or "all"
        verb = "is projected at" if g["status"] == "behind" else "ended at"
        out.append(
            f"Goal {g['metric']} ({scope}, {g['period_start']} to {g['period_end']}) "
            f"{verb} {_amount(g['metric'], g['projected'], currency)} against a target of "
            f"{_amount(g['metric'], g['target'], currency)}."
        )
    if tracked and not behind:
        out.append(f"All {len(tracked)} goals are on track or met.")
    return out
