"""A key unique across files has the loader's index whoever creates the raw table: the dbt
source that creates it on an empty database names the same key as the contract."""

from __future__ import annotations

import yaml

from mtqg_warehouse.config import PROJECT_ROOT
from mtqg_warehouse.contracts.model import feeds, load_contract


def _source_meta(feed: str, table: str) -> dict:
    path = PROJECT_ROOT / "dbt_project" / "models" / "staging" / feed / f"_{feed}__sources.yml"
    if not path.exists():
        return {}
    sources = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    tables = [entry for source in sources for entry in source["tables"] if entry["name"] == table]
    return tables[0].get("config", {}).get("meta", {}) if tables else {}


def test_the_dbt_sources_name_the_contracts_keys_unique_across_files() -> None:
    for feed in feeds():
        for table in load_contract(feed).tables.values():
            declared = _source_meta(feed, table.name).get("natural_key_across_files", [])
            expected = list(table.natural_key) if table.natural_key_across_files else []
            assert declared == expected, f"{feed}.{table.name}: dbt source meta and contract disagree"


def test_the_bank_and_card_keys_are_unique_across_files() -> None:
    assert load_contract("bank").tables["loan_events"].natural_key_across_files
    assert load_contract("insurance").tables["cards"].natural_key_across_files
