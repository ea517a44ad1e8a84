"""The dbt project's conventions, checked by a tool rather than a reviewer.

Model prefixes per layer, one models YAML per folder (plus one sources YAML per staging
source), every model and column documented with more than its own name, every model
tested, contracts enforced on every published model, and no personal column of any feed
contract named past staging.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mtqg_warehouse.contracts.model import feeds, load_contract

MODELS = Path(__file__).resolve().parents[3] / "dbt_project" / "models"
SEEDS_YAML = MODELS.parent / "seeds" / "_seeds.yml"
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("dim_", "fct_", "rpt_")}


def _folders() -> list[Path]:
    return sorted({path.parent for path in MODELS.rglob("*.sql")})


def _models_yaml(folder: Path) -> dict:
    return yaml.safe_load((folder / f"_{folder.name}__models.yml").read_text(encoding="utf-8"))


def _says_more_than(name: str, description: str | None) -> bool:
    words = re.sub(r"[^a-z0-9]+", " ", (description or "").lower()).strip()
    return bool(words) and words != name.replace("_", " ")


def _personal_columns() -> set[str]:
    return {
        column.name
        for feed in feeds()
        for table in load_contract(feed).tables.values()
        for column in table.columns
        if column.personal
    }


@pytest.mark.parametrize("folder", _folders(), ids=lambda f: str(f.relative_to(MODELS)))
def test_model_names_carry_their_layer_prefix(folder: Path) -> None:
    layer = folder.relative_to(MODELS).parts[0]
    for path in folder.glob("*.sql"):
        assert path.stem.startswith(PREFIXES[layer]), (
            f"{path.name} in {layer} must start with {PREFIXES[layer]}"
        )
        if layer == "staging":
            assert path.stem.startswith(f"stg_{folder.name}__"), f"{path.name}: stg_<source>__<entity>"


@pytest.mark.parametrize("folder", _folders(), ids=lambda f: str(f.relative_to(MODELS)))
def test_one_models_yaml_per_folder_lists_and_documents_every_model(folder: Path) -> None:
    allowed = {f"_{folder.name}__models.yml", f"_{folder.name}__sources.yml"}
    assert {path.name for path in folder.glob("*.yml")} <= allowed
    spec = _models_yaml(folder)
    documented = {model["name"]: model for model in spec.get("models", [])}
    assert {path.stem for path in folder.glob("*.sql")} == set(documented)
    for name, model in documented.items():
        assert _says_more_than(name, model.get("description")), f"{name} needs a description"
        for column in model.get("columns", []):
            assert _says_more_than(column["name"], column.get("description")), f"{name}.{column['name']}"


@pytest.mark.parametrize("folder", _folders(), ids=lambda f: str(f.relative_to(MODELS)))
def test_every_model_is_tested(folder: Path) -> None:
    spec = _models_yaml(folder)
    unit_tested = {test["model"] for test in spec.get("unit_tests", [])}
    for model in spec.get("models", []):
        tests = [*model.get("data_tests", [])]
        for column in model.get("columns", []):
            tests += column.get("data_tests", []) + column.get("constraints", [])
        assert tests or model["name"] in unit_tested, f"{model['name']} has no test"


@pytest.mark.parametrize(
    "folder", [f for f in _folders() if f.relative_to(MODELS).parts[0] == "marts"], ids=lambda f: f.name
)
def test_published_models_enforce_contracts_and_type_every_column(folder: Path) -> None:
    for model in _models_yaml(folder)["models"]:
        assert model.get("config", {}).get("contract", {}).get("enforced") is True, model["name"]
        assert all(column.get("data_type") for column in model["columns"]), model["name"]


def test_no_personal_column_is_named_past_staging() -> None:
    personal = _personal_columns()
    assert {"head_name", "head_national_id", "borrower_national_id"} <= personal
    for path in [*MODELS.glob("intermediate/**/*"), *MODELS.glob("marts/**/*")]:
        if path.suffix in (".sql", ".yml"):
            named = set(re.findall(r"[a-z_]+", path.read_text(encoding="utf-8")))
            assert not named & personal, f"{path.relative_to(MODELS)} names {named & personal}"


def test_every_seed_column_is_described() -> None:
    for seed in yaml.safe_load(SEEDS_YAML.read_text(encoding="utf-8"))["seeds"]:
        assert _says_more_than(seed["name"], seed.get("description")), seed["name"]
        for column in seed["columns"]:
            assert _says_more_than(column["name"], column.get("description")), (
                f"{seed['name']}.{column['name']}"
            )


def _fact_models() -> list[dict]:
    marts = [f for f in _folders() if f.relative_to(MODELS).parts[0] == "marts"]
    return [
        model
        for folder in marts
        for model in _models_yaml(folder)["models"]
        if model["name"].startswith("fct_")
    ]


@pytest.mark.parametrize("model", _fact_models(), ids=lambda m: m["name"])
def test_every_fact_row_carries_the_load_and_row_it_came_from(model: dict) -> None:
    """Lineage to the row: any published figure can be taken back to its file and row."""
    columns = {column["name"]: column for column in model["columns"]}
    for lineage in ("load_id", "source_row_number"):
        assert lineage in columns, f"{model['name']} lacks {lineage}"
        constraints = [c["type"] for c in columns[lineage].get("constraints", [])]
        assert "not_null" in constraints, f"{model['name']}.{lineage} must be not null"


def _reporting_models() -> list[dict]:
    marts = [f for f in _folders() if f.relative_to(MODELS).parts[0] == "marts"]
    return [
        model
        for folder in marts
        for model in _models_yaml(folder)["models"]
        if model["name"].startswith("rpt_")
    ]


@pytest.mark.parametrize("model", _reporting_models(), ids=lambda m: m["name"])
def test_reporting_marts_state_their_grain_and_describe_columns_in_vietnamese_and_english(
    model: dict,
) -> None:
    """BI users read the rpt_ marts: the grain is written down, and each column says what it
    means in Vietnamese, then in English (`<vi> / <en>`)."""
    assert "grain" in model["description"].lower(), f"{model['name']} must state its grain"
    for column in model["columns"]:
        parts = column["description"].split(" / ")
        assert len(parts) == 2, f"{model['name']}.{column['name']}: '<Vietnamese> / <English>'"
        vietnamese, english = parts
        assert re.search(r"[^\x00-\x7f]", vietnamese), f"{model['name']}.{column['name']}: no Vietnamese"
        assert english.strip(), f"{model['name']}.{column['name']}: no English"
