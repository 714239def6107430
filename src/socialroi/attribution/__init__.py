"""Attribution: which touchpoints get credit for leads, customers and revenue.

- :mod:`~socialroi.attribution.touchpoints` — touchpoints (visits, clicks, social conversations),
  conversions, journeys (paths inside the lookback window) and null journeys;
- :mod:`~socialroi.attribution.heuristics` — rule-based models (first, last, last non-direct,
  linear, time decay, position-based) and their registry :data:`MODELS`;
- :mod:`~socialroi.attribution.reports` — assisted conversions, top paths, path length, time lag,
  distinct path counts and transitions (the inputs of Markov and Shapley models);
- :mod:`~socialroi.attribution.markov` and :mod:`~socialroi.attribution.shapley` — exact
  data-driven models solved with NumPy on the small path table;
- :mod:`~socialroi.attribution.section` — the ``attribution`` part of ``socialroi summary``.

Every function builds an Ibis expression and runs on DuckDB and Spark alike. Definitions,
conventions and worked examples: ``docs/attribution.md``.
"""

from __future__ import annotations

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
    path_counts,
    path_length_distribution,
    time_lag_distribution,
    top_paths,
    transitions,
)
from socialroi.attribution.section import SUMMARY_MODELS, attribution_section
from socialroi.attribution.shapley import (
    ShapleyCredit,
    ordered_shapley,
    shapley_attribution,
    shapley_from_value_function,
)
from socialroi.attribution.touchpoints import (
    CONVERSIONS,
    conversions,
    credit_key,
    journeys,
    null_journeys,
    touchpoints,
)

__all__ = [
    "AttributionModel",
    "CONVERSIONS",
    "MODELS",
    "MarkovResult",
    "PathTable",
    "SUMMARY_MODELS",
    "ShapleyCredit",
    "TIME_LAG_BUCKETS",
    "assisted_conversions",
    "attribution_section",
    "conversions",
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
    "shapley_attribution",
    "shapley_from_value_function",
    "time_decay",
    "time_lag_distribution",
    "top_paths",
    "touchpoints",
    "transitions",
    "without_direct",
]
