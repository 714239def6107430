"""Attribution: which touchpoints get credit for leads, customers and revenue.

- :mod:`~socialroi.attribution.touchpoints` — touchpoints (visits, clicks, social conversations),
  conversions, journeys (paths inside the lookback window) and null journeys;
- :mod:`~socialroi.attribution.heuristics` — rule-based models (first, last, last non-direct,
  linear, time decay, position-based) and their registry :data:`MODELS`;
- :mod:`~socialroi.attribution.reports` — assisted conversions, top paths, path length, time lag,
  distinct path counts and transitions (the inputs of Markov and Shapley models);
- :mod:`~socialroi.attribution.markov` and :mod:`~socialroi.attribution.shapley` — exact
  data-driven models solved with NumPy on the small path table;
- :mod:`~socialroi.attribution.uncertainty` — bootstrap intervals of Markov and Shapley credit
  and small-sample warnings;
- :mod:`~socialroi.attribution.compare` — every model, the reports and the intervals in one
  call (:func:`compare_models`), at network, campaign or post level;
- :mod:`~socialroi.attribution.section` — the ``attribution`` part of ``socialroi summary``
  (with cost and ROI by model).

Every function builds an Ibis expression and runs on DuckDB and Spark alike. Definitions,
conventions and worked examples: ``docs/attribution.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from socialroi.attribution.compare import ALL_MODELS, LEVELS, at_level, compare_models
from socialroi.attribution.heuristics import (
    MODELS,
    AttributionModel,
    first_touch,
    heuristic_credit,
    last_non_direct,
    last_touch,
    linear,
    position_based,
    time_decay,
    without_direct,
)
from socialroi.attribution.markov import (
    MarkovResult,
    PathTable,
    markov_attribution,
    markov_from_transitions,
)
from socialroi.attribution.reports import (
    TIME_LAG_BUCKETS,
    assisted_conversions,
    channel_sets,
    path_counts,
    path_length_distribution,
    time_lag_distribution,
    top_paths,
    transitions,
)
from socialroi.attribution.shapley import (
    ShapleyCredit,
    ordered_shapley,
    shapley_attribution,
    shapley_from_value_function,
)
from socialroi.attribution.touchpoints import (
    CONVERSIONS,
    NullJourneys,
    conversions,
    credit_key,
    journeys,
    null_journeys,
    touchpoints,
)
from socialroi.attribution.uncertainty import (
    MIN_CONVERSIONS,
    Interval,
    bootstrap_intervals,
    conversions_on_paths,
    small_sample_warnings,
)

__all__ = [
    "ALL_MODELS",
    "AttributionModel",
    "CONVERSIONS",
    "Interval",
    "LEVELS",
    "MIN_CONVERSIONS",
    "MODELS",
    "MarkovResult",
    "NullJourneys",
    "PathTable",
    "SUMMARY_MODELS",
    "ShapleyCredit",
    "TIME_LAG_BUCKETS",
    "assisted_conversions",
    "at_level",
    "attribution_section",
    "bootstrap_intervals",
    "channel_sets",
    "compare_models",
    "conversions",
    "conversions_on_paths",
    "cost_by_key",
    "credit_key",
    "first_touch",
    "heuristic_credit",
    "journeys",
    "last_non_direct",
    "last_touch",
    "linear",
    "markov_attribution",
    "markov_from_transitions",
    "null_journeys",
    "ordered_shapley",
    "path_counts",
    "path_length_distribution",
    "position_based",
    "roi_by_model",
    "shapley_attribution",
    "shapley_from_value_function",
    "small_sample_warnings",
    "time_decay",
    "time_lag_distribution",
    "top_paths",
    "touchpoints",
    "transitions",
    "without_direct",
]

if TYPE_CHECKING:
    from socialroi.attribution.section import (
        SUMMARY_MODELS,
        attribution_section,
        cost_by_key,
        roi_by_model,
    )

# The summary's section (cost and ROI by model) needs socialroi.metrics, whose package loads
# statsmodels and SciPy (~1.5 s): it is imported on first use, so the models alone start fast.
_SECTION = frozenset({"SUMMARY_MODELS", "attribution_section", "cost_by_key", "roi_by_model"})


def __getattr__(name: str) -> Any:
    if name in _SECTION:
        from socialroi.attribution import section

        return getattr(section, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
