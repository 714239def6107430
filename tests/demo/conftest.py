"""One small demo company per test session (20,000 visits), shared by the demo tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from socialroi.demo import GroundTruth, generate
from socialroi.schema import ENTITIES

SMALL_VISITS = 20_000


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, visits=SMALL_VISITS)
    return out


@pytest.fixture(scope="session")
def truth(demo_dir: Path) -> GroundTruth:
    return GroundTruth.read(demo_dir / "ground_truth.json")


@pytest.fixture(scope="session")
def frames(demo_dir: Path) -> dict[str, pd.DataFrame]:
    """Every canonical file as strings (empty cells as NaN), keyed by entity."""
    return {
        name: pd.read_csv(
            demo_dir / f"{name}.csv", dtype=str, keep_default_na=False, na_values=[""]
        )
        for name in ENTITIES
    }
