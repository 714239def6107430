"""The demo company "Acme Analytics": a seeded generator of every canonical file, with ground truth.

``generate(out_dir)`` writes one ``<entity>.csv`` per canonical entity plus ``ground_truth.json``
and ``README.md``; the returned :class:`GroundTruth` lists the rules the data follows.
"""

from __future__ import annotations

from socialroi.demo.generator import BRAND, CAMPAIGN_CHALLENGE, RIVALS, generate
from socialroi.demo.ground_truth import GroundTruth, Rule

__all__ = ["BRAND", "CAMPAIGN_CHALLENGE", "RIVALS", "GroundTruth", "Rule", "generate"]
