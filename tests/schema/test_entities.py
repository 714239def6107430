from __future__ import annotations

from pathlib import Path

from socialroi.schema import ENTITIES, IMPORT_ORDER, NETWORKS, ColumnType
from socialroi.schema.docs import data_model_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_data_model_doc_is_generated_from_the_schema() -> None:
    committed = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert committed == data_model_markdown(), (
        "docs/data-model.md is stale: run python -m socialroi.schema.docs > docs/data-model.md"
    )


def test_every_key_and_money_column_is_a_column() -> None:
    for ent in ENTITIES.values():
        names = set(ent.column_names)
        assert set(ent.key) <= names, ent.name
        for amount, currency in ent.money:
            assert amount in names and currency in names, ent.name
            assert ent.column(currency).type is ColumnType.CURRENCY


def test_import_order_loads_rates_first_and_covers_every_entity() -> None:
    assert IMPORT_ORDER[0] == "fx_rates"
    assert sorted(IMPORT_ORDER) == sorted(ENTITIES)


def test_contract_networks() -> None:
    assert NETWORKS == (
        "facebook", "instagram", "linkedin", "x", "tiktok", "youtube", "pinterest", "threads",
        "bluesky", "mastodon", "reddit", "other",
    )  # fmt: skip
