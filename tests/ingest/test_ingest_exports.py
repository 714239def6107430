"""The public names of socialroi.ingest are pinned."""

from __future__ import annotations

import socialroi.ingest


def test_public_api() -> None:
    assert sorted(socialroi.ingest.__all__) == [
        "FORMATS",
        "ImportResult",
        "MAX_PROBLEMS",
        "MONEY_DATE",
        "import_dir",
        "import_file",
        "recompute_money",
    ]
    for name in socialroi.ingest.__all__:
        assert hasattr(socialroi.ingest, name)
