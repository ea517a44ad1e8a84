"""The dashboard bundle in `bi/superset/assets/` holds together, without Superset or a database.

Superset's importer finds a dangling reference only at import time (or a missing column only
when a chart is drawn); these checks find them at commit time: every reference between the
files resolves, every chart reads names its dataset has, every dataset is a published
reporting mart whose columns the dbt model's contract declares with the same type, and no
secret is in the files.
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
import yaml

from mtqg_warehouse.bi.bundle import MASKED_PASSWORD, read_bundle
from mtqg_warehouse.bi.settings import BUNDLE_DIR, DASHBOARD_SLUG
from mtqg_warehouse.config import PROJECT_ROOT

MODELS = PROJECT_ROOT / "dbt_project" / "models" / "marts"
# besides the rpt_ marts: what the publish step exposes about the publication shown
LIFECYCLE = PROJECT_ROOT / "src" / "mtqg_warehouse" / "publication" / "lifecycle.py"
PUBLICATION_VIEWS = {"publication_info", "publication_loads"}
# chart parameters that name a dataset's columns, and those that name its metrics
COLUMN_PARAMS = ("groupby", "columns", "all_columns", "x_axis", "series", "entity")
METRIC_PARAMS = ("metrics", "metric", "percent_metrics", "timeseries_limit_metric", "x", "y", "size")


def _load(kind: str) -> dict[str, dict[str, Any]]:
    return {
        path.relative_to(BUNDLE_DIR).as_posix(): yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((BUNDLE_DIR / kind).rglob("*.yaml"))
    }


def _contracts() -> dict[str, dict[str, str]]:
    """Published model -> column -> its contract's data type, from the marts' models YAML."""
    models: dict[str, dict[str, str]] = {}
    for path in MODELS.rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            models[model["name"]] = {c["name"]: c.get("data_type", "") for c in model.get("columns", [])}
    return models


DATABASES, DATASETS, CHARTS, DASHBOARDS = (
    _load(kind) for kind in ("databases", "datasets", "charts", "dashboards")
)


def _names(value: Any) -> list[str]:
    """Column or metric names a chart parameter holds: saved names, not ad-hoc SQL objects."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if isinstance(v, str)]


def test_the_bundle_has_one_database_one_dashboard_and_charts() -> None:
    assert len(DATABASES) == 1 and len(DASHBOARDS) == 1 and CHARTS and DATASETS
    (dashboard,) = DASHBOARDS.values()
    assert dashboard["slug"] == DASHBOARD_SLUG
    assert "type" not in yaml.safe_load((BUNDLE_DIR / "metadata.yaml").read_text(encoding="utf-8"))


def test_every_reference_between_files_resolves() -> None:
    databases = {d["uuid"] for d in DATABASES.values()}
    datasets = {d["uuid"] for d in DATASETS.values()}
    assert all(d["database_uuid"] in databases for d in DATASETS.values())
    assert all(c["dataset_uuid"] in datasets for c in CHARTS.values())
    uuids = [c["uuid"] for c in [*DATABASES.values(), *DATASETS.values(), *CHARTS.values()]]
    assert len(uuids) == len(set(uuids))


def test_the_dashboard_places_every_chart_once() -> None:
    (dashboard,) = DASHBOARDS.values()
    placed = [
        node for node in dashboard["position"].values() if isinstance(node, dict) and node["type"] == "CHART"
    ]
    assert sorted(node["meta"]["uuid"] for node in placed) == sorted(c["uuid"] for c in CHARTS.values())
    assert len({node["meta"]["chartId"] for node in placed}) == len(placed)
    position = dashboard["position"]
    for node_id, node in position.items():
        if isinstance(node, dict):
            assert node["id"] == node_id
            for child in node.get("children", []):
                assert child in position, f"{node_id} names a missing child {child}"


def test_datasets_are_published_reporting_marts_with_their_contract_columns() -> None:
    contracts = _contracts()
    publish_step = LIFECYCLE.read_text(encoding="utf-8")
    for name, dataset in DATASETS.items():
        assert dataset["schema"] == "marts", name
        assert not dataset.get("sql"), f"{name}: a physical dataset over the mart, no SQL of its own"
        if dataset["table_name"] in PUBLICATION_VIEWS:
            assert f"create view marts.{dataset['table_name']} as" in publish_step, name
            continue
        assert dataset["table_name"].startswith("rpt_"), f"{name}: dashboards read the reporting marts only"
        assert dataset["table_name"] in contracts, f"{name}: {dataset['table_name']} is no dbt model here"
        contract = contracts[dataset["table_name"]]
        for column in dataset["columns"]:
            if column.get("expression"):
                continue
            declared = contract.get(column["column_name"])
            assert declared is not None, f"{name}: {column['column_name']} is not in the model's contract"
            assert column["type"].lower() == declared.lower(), f"{name}: {column['column_name']}"


def test_the_dbt_exposure_names_the_marts_the_datasets_read() -> None:
    exposures = yaml.safe_load((MODELS / "_marts__exposures.yml").read_text(encoding="utf-8"))["exposures"]
    (dashboard,) = [e for e in exposures if e["type"] == "dashboard"]
    named = {ref.removeprefix("ref('").removesuffix("')") for ref in dashboard["depends_on"]}
    read = {d["table_name"] for d in DATASETS.values()} - PUBLICATION_VIEWS
    assert named == read
    assert dashboard["url"].endswith(f"/superset/dashboard/{DASHBOARD_SLUG}/")


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_charts_name_only_what_their_dataset_has(name: str) -> None:
    chart = CHARTS[name]
    (dataset,) = [d for d in DATASETS.values() if d["uuid"] == chart["dataset_uuid"]]
    columns = {c["column_name"] for c in dataset["columns"]}
    metrics = {m["metric_name"] for m in dataset.get("metrics", [])}
    params = chart["params"]
    assert params["viz_type"] == chart["viz_type"]
    for key in COLUMN_PARAMS:
        assert set(_names(params.get(key))) <= columns, f"{name}: {key} = {params.get(key)}"
    for key in METRIC_PARAMS:
        assert set(_names(params.get(key))) <= metrics | columns, f"{name}: {key} = {params.get(key)}"
    ordered = {json.loads(order)[0] for order in params.get("order_by_cols", [])}  # '["column", asc]'
    assert ordered <= columns, f"{name}: order_by_cols = {params['order_by_cols']}"
    for filter_ in params.get("adhoc_filters", []):
        if filter_["expressionType"] == "SIMPLE":
            assert filter_["subject"] in columns, f"{name}: filters on {filter_['subject']}"


def test_titles_are_vietnamese_with_an_english_subtitle() -> None:
    (dashboard,) = DASHBOARDS.values()
    for title in [dashboard["dashboard_title"], *(c["slice_name"] for c in CHARTS.values())]:
        vietnamese, _, english = title.partition(" / ")
        assert vietnamese and english and english.isascii(), title
        assert not vietnamese.isascii(), f"{title!r}: the Vietnamese title has no Vietnamese letter"


def test_no_secret_in_the_bundle_and_the_reader_is_filled_in_at_import(tmp_path: Path) -> None:
    (database,) = DATABASES.values()
    assert f":{MASKED_PASSWORD}@" in database["sqlalchemy_uri"]
    bundle = read_bundle("postgresql://bi_reader:s%3Acret@db.example:6543/warehouse")
    (name,) = [n for n in bundle.contents if n.startswith("databases/")]
    imported = yaml.safe_load(bundle.contents[name])
    assert (
        imported["sqlalchemy_uri"]
        == f"postgresql+psycopg2://bi_reader:{MASKED_PASSWORD}@db.example:6543/warehouse"
    )
    assert bundle.passwords == {name: "s:cret"}
    assert all("s:cret" not in text for text in bundle.contents.values())
    with zipfile.ZipFile(BytesIO(bundle.as_zip())) as archive:
        members = archive.namelist()
        assert f"mtqg_dashboard/{name}" in members and "mtqg_dashboard/metadata.yaml" in members
        assert yaml.safe_load(archive.read(f"mtqg_dashboard/{name}"))["password"] == "s:cret"
