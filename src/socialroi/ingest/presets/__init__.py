"""Presets: the exports companies already have, mapped onto the canonical entities.

``socialroi import ENTITY FILE --preset NAME`` reads FILE with the preset ``NAME``; without
``--preset`` the header is compared with the canonical columns and with every preset of the
entity (:func:`detect`) and the choice is printed. A preset only maps columns and reformats
values (:mod:`._parse`); validation, deduplication and the atomic load are the canonical
import's. The registry :data:`PRESETS` is the one place presets are declared.
"""

from __future__ import annotations

from socialroi.errors import ConfigError
from socialroi.ingest.presets._model import JsonPreset, TablePreset
from socialroi.ingest.presets._tables import TABLE_PRESETS
from socialroi.ingest.presets.ga4 import GA4

__all__ = ["PRESETS", "Preset", "JsonPreset", "TablePreset", "detect", "get_preset"]

Preset = TablePreset | JsonPreset

#: Every preset by name.
PRESETS: dict[str, Preset] = {GA4.name: GA4, **{p.name: p for p in TABLE_PRESETS}}


def get_preset(name: str, entity: str) -> Preset:
    """The preset ``name`` for ``entity``; ``ConfigError`` naming the valid ones otherwise."""
    preset = PRESETS.get(name.strip().lower())
    fitting = sorted(p.name for p in PRESETS.values() if p.entity == entity)
    if preset is None or preset.entity != entity:
        what = "unknown preset" if preset is None else f"preset {name} imports {preset.entity}"
        raise ConfigError(
            f"{what}, not {entity}" if preset is not None else f"{what} {name!r}",
            hint=f"presets for {entity}: "
            + (", ".join(fitting) or "none")
            + " (socialroi presets lists them all)",
        )
    return preset


def detect(entity: str, columns: list[str]) -> Preset | None:
    """The preset of ``entity`` whose ``detect`` headers are all in ``columns`` (lower-case),
    the most specific (most detect headers) first; None when none matches."""
    fits = [p for p in PRESETS.values() if p.entity == entity and p.matches(columns)]
    fits.sort(key=lambda p: -len(p.detect))
    return fits[0] if fits else None
