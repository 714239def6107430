"""The report's charts: one Altair spec each, interactive in HTML, SVG in the PDF.

The same Vega-Lite spec is embedded in the HTML (drawn by the Vega scripts bundled inline, see
:func:`vega_script`) and converted to SVG by vl-convert for the PDF, so both show the same
chart. Each network always has the same colour (:data:`NETWORK_COLOURS`, from the Okabe–Ito
colour-blind-safe palette plus darker tones), and no chart relies on colour alone: bars carry
their value as a text label and the network or model on the axis, so a greyscale print reads
the same.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import altair as alt

__all__ = [
    "NETWORK_COLOURS",
    "OTHER_COLOUR",
    "chart_svg",
    "embed_json",
    "forecast_band",
    "network_bars",
    "model_heatmap",
    "paired_bars",
    "svg_data_uri",
    "vega_script",
]

#: Colour per network (and for channel groups, :data:`OTHER_COLOUR`).
NETWORK_COLOURS: dict[str, str] = {
    "linkedin": "#0072B2",
    "facebook": "#56B4E9",
    "instagram": "#CC79A7",
    "x": "#000000",
    "tiktok": "#009E73",
    "youtube": "#D55E00",
    "pinterest": "#E69F00",
    "threads": "#6A3D9A",
    "bluesky": "#1F78B4",
    "mastodon": "#8C564B",
    "reddit": "#F0E442",
    "other": "#999999",
}
OTHER_COLOUR = "#BBBBBB"

_WIDTH = 460
_FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"


def _colour_scale(keys: Sequence[str]) -> alt.Scale:
    domain = list(dict.fromkeys(keys))
    return alt.Scale(domain=domain, range=[NETWORK_COLOURS.get(k, OTHER_COLOUR) for k in domain])


def _config(chart: Any) -> Any:
    return (
        chart.configure(font=_FONT)
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, grid=False)
    )


def network_bars(
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    value: str,
    title: str,
    value_format: str = ",.0f",
    label_suffix: str = "",
) -> dict[str, Any]:
    """A horizontal bar per row (largest first), coloured by network, labelled with its value.

    Rows with a null ``value`` are left out (a ratio over zero is not a bar of 0).
    """
    data: list[dict[str, Any]] = [
        {"key": str(r[key]), "value": float(r[value])} for r in rows if r.get(value) is not None
    ]
    base = alt.Chart({"values": data}).encode(
        y=alt.Y("key:N", sort="-x", title=None),
        x=alt.X("value:Q", title=title, axis=alt.Axis(format=value_format)),
    )
    bars = base.mark_bar(stroke="#333333", strokeWidth=0.5).encode(
        color=alt.Color("key:N", scale=_colour_scale([d["key"] for d in data]), legend=None),
        tooltip=[
            alt.Tooltip("key:N", title=key),
            alt.Tooltip("value:Q", title=title, format=value_format),
        ],
    )
    labels = base.mark_text(align="left", dx=3, fontSize=10).encode(
        text=alt.Text("value:Q", format=value_format)
    )
    if label_suffix:
        labels = (
            base.mark_text(align="left", dx=3, fontSize=10)
            .transform_calculate(label=f"format(datum.value, '{value_format}') + '{label_suffix}'")
            .encode(text="label:N")
        )
    chart = (bars + labels).properties(width=_WIDTH, height=max(60, 22 * len(data)))
    return dict(_config(chart).to_dict())


def paired_bars(
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    series: Mapping[str, str],
    title: str,
    value_format: str = ",.0f",
) -> dict[str, Any]:
    """Two or more bars per row side by side (``series``: column → label), e.g. this period and
    the previous one, or ROI with and without staff time.

    The first series is solid, the next ones lighter with a dashed outline, and each bar's
    value is printed, so the pair reads without colour.
    """
    data: list[dict[str, Any]] = []
    for r in rows:
        for column, label in series.items():
            if r.get(column) is not None:
                data.append({"key": str(r[key]), "series": label, "value": float(r[column])})
    labels = list(series.values())
    order = [str(r[key]) for r in rows]
    base = alt.Chart({"values": data}).encode(
        y=alt.Y("key:N", sort=order, title=None),
        yOffset=alt.YOffset("series:N", sort=labels),
        x=alt.X("value:Q", title=title, axis=alt.Axis(format=value_format)),
    )
    bars = base.mark_bar(stroke="#333333", strokeWidth=0.6).encode(
        color=alt.Color("key:N", scale=_colour_scale(order), legend=None),
        opacity=alt.Opacity(
            "series:N",
            scale=alt.Scale(domain=labels, range=[1.0, *([0.35] * (len(labels) - 1))]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        strokeDash=alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=labels, range=[[1, 0], *([[3, 2]] * (len(labels) - 1))]),
            # the same legend as opacity: Vega-Lite merges them into one (None would drop both)
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("key:N", title=key),
            alt.Tooltip("series:N", title=" "),
            alt.Tooltip("value:Q", title=title, format=value_format),
        ],
    )
    text = base.mark_text(align="left", dx=3, fontSize=9).encode(
        text=alt.Text("value:Q", format=value_format)
    )
    height = max(80, 14 * len(data))
    return dict(_config((bars + text).properties(width=_WIDTH, height=height)).to_dict())


def forecast_band(
    history: Sequence[Mapping[str, Any]],
    points: Sequence[Mapping[str, Any]],
    *,
    title: str,
    value_format: str = ",.0f",
) -> dict[str, Any]:
    """Monthly actuals (solid line) then the forecast (dashed line) inside its 95 % and 80 %
    intervals (two grey bands, darker for 80 %): readable without colour."""
    actual = [{"month": str(h["month"]), "value": float(h["value"]), "kind": "actual"}
              for h in history]  # fmt: skip
    ahead = [{"month": str(p["month"]), "value": float(p["value"]), "kind": "forecast",
              "lo80": float(p["lo80"]), "hi80": float(p["hi80"]), "lo95": float(p["lo95"]),
              "hi95": float(p["hi95"])} for p in points]  # fmt: skip
    if actual and ahead:  # join the two lines at the last actual month
        ahead.insert(0, {**actual[-1], "kind": "forecast", "lo80": actual[-1]["value"],
                         "hi80": actual[-1]["value"], "lo95": actual[-1]["value"],
                         "hi95": actual[-1]["value"]})  # fmt: skip
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))
    y_title = alt.Axis(format=value_format, title=title)
    band95 = alt.Chart({"values": ahead}).mark_area(color="#bbbbbb", opacity=0.5).encode(
        x=x, y=alt.Y("lo95:Q", axis=y_title), y2="hi95:Q"
    )
    band80 = alt.Chart({"values": ahead}).mark_area(color="#888888", opacity=0.5).encode(
        x=x, y="lo80:Q", y2="hi80:Q"
    )
    line = alt.Chart({"values": actual + ahead}).mark_line(color="#222222", point=True).encode(
        x=x,
        y=alt.Y("value:Q", axis=y_title),
        strokeDash=alt.StrokeDash(
            "kind:N",
            scale=alt.Scale(domain=["actual", "forecast"], range=[[1, 0], [5, 3]]),
            legend=alt.Legend(title=None, orient="bottom"),
        ),
        tooltip=[alt.Tooltip("month:T", format="%B %Y"),
                 alt.Tooltip("value:Q", title=title, format=value_format)],
    )  # fmt: skip
    chart = (band95 + band80 + line).properties(width=_WIDTH, height=160)
    return dict(_config(chart).to_dict())


def model_heatmap(models: Mapping[str, Mapping[str, float]], *, title: str) -> dict[str, Any]:
    """Credit per key (rows) under each model (columns), each cell printed with its value."""
    keys = sorted(
        {k for credits in models.values() for k in credits},
        key=lambda k: -max(credits.get(k, 0.0) for credits in models.values()),
    )
    data = [
        {"key": k, "model": m, "credit": float(credits.get(k, 0.0))}
        for m, credits in models.items()
        for k in keys
    ]
    base = alt.Chart({"values": data}).encode(
        x=alt.X("model:N", sort=list(models), title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("key:N", sort=keys, title=None),
    )
    cells = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color("credit:Q", scale=alt.Scale(scheme="greys"), title=title),
        tooltip=[
            alt.Tooltip("key:N", title="credited to"),
            alt.Tooltip("model:N"),
            alt.Tooltip("credit:Q", format=",.1f"),
        ],
    )
    text = (
        base.mark_text(fontSize=9)
        .encode(
            text=alt.Text("credit:Q", format=",.1f"),
            color=alt.condition(
                "datum.credit > 0.5 * datum.domainMax", alt.value("white"), alt.value("black")
            ),
        )
        .transform_joinaggregate(domainMax="max(credit)")
    )
    chart = (cells + text).properties(width=_WIDTH, height=max(80, 20 * len(keys)))
    return dict(_config(chart).to_dict())


def chart_svg(spec: Mapping[str, Any]) -> str:
    """The chart as an SVG document (vl-convert, offline)."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(dict(spec)))


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI: an ``<img>`` that cannot run script or reach the document."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def embed_json(spec: Mapping[str, Any]) -> str:
    """The spec as JSON safe inside ``<script>``: ``<``, ``>``, ``&`` and line separators are
    escaped, so text from the data cannot close the script element."""
    text = json.dumps(spec, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


@cache
def vega_script() -> str:
    """Vega, Vega-Lite and vega-embed as one classic script (from vl-convert, no network).

    Defines the global ``vegaEmbed``. ``</script`` is broken up so the bundle can be inlined.
    """
    import vl_convert as vlc

    vl_version = ".".join(alt.SCHEMA_VERSION.split(".")[:2])  # "v6.1.0" -> "v6.1"
    try:
        bundle = str(vlc.javascript_bundle(vl_version=vl_version))  # type: ignore[call-arg]
    except ValueError:  # an Altair newer than this vl-convert: its default Vega-Lite
        bundle = str(vlc.javascript_bundle())  # type: ignore[call-arg,unused-ignore]
    return bundle.replace("</script", "<\\/script")
