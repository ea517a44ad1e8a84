"""What a build with a base leaves out: the dbt tests and the marts of models whose inputs it
has not changed (seeds, raw tables no changed load touched, models of those alone)."""

from __future__ import annotations

import json
from pathlib import Path

from mtqg_warehouse.publication import unchanged

WRITTEN = "2026-11-30T12:00:00.000000Z"
REVIEWS = "source.p.raw_ward_returns.poverty_review"
SUPPORT = "source.p.raw_ward_returns.support"
LOAD_AUDIT = "source.p.ops.load_audit"


def _node(
    kind: str, name: str, *parents: str, materialized: str = "table", schema: str | None = "publication"
) -> tuple[str, dict]:
    node = {"resource_type": kind, "name": name, "depends_on": {"nodes": list(parents)}}
    return f"{kind}.p.{name}", {**node, "config": {"materialized": materialized, "schema": schema}}


def _source(schema: str, name: str) -> tuple[str, dict]:
    return f"source.p.{schema}.{name}", {"schema": schema, "name": name}


def _manifest(tmp_path: Path, note: str | None = "defs-a") -> Path:
    staging = "parsed_by_load"
    nodes = dict(
        [
            _node("seed", "units"),
            _node("model", "dim_geography", "seed.p.units"),
            _node("model", "dim_date"),  # a generated calendar: no parent at all
            _node("model", "stg_reviews", REVIEWS, LOAD_AUDIT, materialized=staging, schema="staging"),
            _node("model", "stg_support", SUPPORT, LOAD_AUDIT, materialized=staging, schema="staging"),
            _node("model", "int_reviews", "model.p.stg_reviews", materialized="kept", schema="intermediate"),
            _node("model", "fct_status_versions", "model.p.int_reviews", materialized="versioned"),
            _node("model", "rpt_status", "model.p.int_reviews", "model.p.dim_geography"),
            _node("model", "fct_status", "model.p.stg_reviews", "model.p.dim_geography"),
            _node("model", "fct_support", "model.p.stg_support", "model.p.dim_geography"),
            _node("model", "rpt_published", LOAD_AUDIT),  # reads ops itself: changes every build
            _node("test", "unique_dim_geography_key", "model.p.dim_geography"),
            _node("test", "relationships_dim_geography_date", "model.p.dim_geography", "model.p.dim_date"),
            _node("test", "unique_units", "seed.p.units"),
            _node("test", "not_null_stg_reviews_code", "model.p.stg_reviews"),
            _node("test", "relationships_fct_status_unit", "model.p.fct_status", "model.p.dim_geography"),
            _node("test", "relationships_fct_support_unit", "model.p.fct_support", "model.p.dim_geography"),
            _node("test", "not_null_stg_support_date", "model.p.stg_support"),
            _node("test", "not_null_rpt_published_id", "model.p.rpt_published"),
        ]
    )
    sources = dict(
        [
            _source("raw_ward_returns", "poverty_review"),
            _source("raw_ward_returns", "support"),
            _source("ops", "load_audit"),
        ]
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "manifest.json"
    manifest = {"metadata": {"generated_at": WRITTEN}, "nodes": nodes, "sources": sources}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    if note is not None:
        unchanged.note_build(path, note)
    return path


def test_a_month_of_support_leaves_out_the_tests_of_reviews_and_reference_data(tmp_path: Path) -> None:
    left_out = unchanged.since_base(_manifest(tmp_path), "defs-a", {"raw_ward_returns.support"}).tests
    assert left_out == [
        "not_null_stg_reviews_code",
        "relationships_dim_geography_date",
        "relationships_fct_status_unit",
        "unique_dim_geography_key",
        "unique_units",
    ]


def test_a_new_review_runs_the_tests_of_everything_made_from_reviews(tmp_path: Path) -> None:
    changed = {"raw_ward_returns.support", "raw_ward_returns.poverty_review"}
    left_out = unchanged.since_base(_manifest(tmp_path), "defs-a", changed).tests
    assert left_out == [
        "relationships_dim_geography_date",
        "unique_dim_geography_key",
        "unique_units",
    ]


def test_every_test_runs_unless_a_build_with_these_definitions_wrote_the_manifest(tmp_path: Path) -> None:
    assert unchanged.since_base(_manifest(tmp_path), "defs-b", set()) == unchanged.Unchanged()
    assert (
        unchanged.since_base(_manifest(tmp_path / "x", note=None), "defs-a", set()) == unchanged.Unchanged()
    )
    manifest = _manifest(tmp_path / "y")
    rewritten = json.loads(manifest.read_text(encoding="utf-8"))
    rewritten["metadata"]["generated_at"] = "2026-11-30T13:00:00.000000Z"  # another dbt command since
    manifest.write_text(json.dumps(rewritten), encoding="utf-8")
    assert unchanged.since_base(manifest, "defs-a", set()) == unchanged.Unchanged()
    assert unchanged.since_base(tmp_path / "none.json", "defs-a", set()) == unchanged.Unchanged()


def test_a_month_of_support_copies_the_marts_of_reviews_and_reference_data(tmp_path: Path) -> None:
    copied = unchanged.since_base(_manifest(tmp_path), "defs-a", {"raw_ward_returns.support"}).marts
    # kept and versioned models keep their own rows; staging is no mart; ops changes each build
    assert copied == ["dim_date", "dim_geography", "fct_status", "rpt_status"]


def test_a_new_review_copies_only_the_reference_data(tmp_path: Path) -> None:
    changed = {"raw_ward_returns.support", "raw_ward_returns.poverty_review"}
    assert unchanged.since_base(_manifest(tmp_path), "defs-a", changed).marts == ["dim_date", "dim_geography"]


def test_nothing_is_copied_unless_a_build_with_these_definitions_wrote_the_manifest(tmp_path: Path) -> None:
    assert unchanged.since_base(_manifest(tmp_path), "defs-b", set()).marts == []
    assert unchanged.since_base(_manifest(tmp_path / "x", note=None), "defs-a", set()).marts == []
