"""The demo company's known rules, as data: what analysis of the generated files must recover.

``generate()`` returns a :class:`GroundTruth` and writes it to ``ground_truth.json``. Each
:class:`Rule` has a stable ``id``, a sentence, the ``figures`` that prove it (computed from the
same arrays the CSV files are written from, in base currency EUR) and ``holds``, the check of
the statement against those figures. ``tests/demo/test_ground_truth.py`` recomputes the figures
from the CSV files with pandas.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GroundTruth", "Rule"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One known behaviour of the demo company.

    ``figures`` holds plain JSON values (numbers, or mappings network → number); ``holds`` says
    whether the statement is true of those figures for this seed and size.
    """

    id: str
    statement: str
    figures: dict[str, Any]
    holds: bool


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """What was generated and the rules it follows.

    ``counts`` maps each file stem to its row count; ``first_touch`` maps a first-touch source
    (a network, or ``organic_search``, ``paid_search``, ``direct``, ``email``, ``referral``,
    ``offline``) to its ``leads``, ``customers`` and ``revenue`` (EUR, the demo period).
    """

    seed: int
    visits: int
    period_from: str
    period_to: str
    currency: str
    brand: str
    rivals: tuple[str, ...]
    counts: dict[str, int]
    totals: dict[str, float]
    first_touch: dict[str, dict[str, float]]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def rule(self, rule_id: str) -> Rule:
        """The rule called ``rule_id``."""
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (the content of ``ground_truth.json``)."""
        data = asdict(self)
        data["rivals"] = list(self.rivals)
        data["rules"] = [asdict(r) for r in self.rules]
        return data

    def write(self, path: Path) -> Path:
        """Write :meth:`to_dict` as indented JSON to ``path``."""
        path.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n", "utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> GroundTruth:
        """Load a ``ground_truth.json`` written by :meth:`write`."""
        data = json.loads(path.read_text("utf-8"))
        rules = tuple(Rule(**r) for r in data.pop("rules"))
        data["rivals"] = tuple(data["rivals"])
        return cls(**data, rules=rules)
