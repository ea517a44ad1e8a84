"""Which dbt tests a build with a base leaves out: those of seeds and of what is made of them."""

from __future__ import annotations

import json
from pathlib import Path

from mtqg_warehouse.publication import reference_tests

WRITTEN = "2026-11-30T12:00:00.000000Z"


def _node(kind: str, name: str, *parents: str) -> tuple[str, dict]:
    return f"{kind}.p.{name}", {"resource_type": kind, "name": name, "depends_on": {"nodes": list(parents)}}


def _manifest(tmp_path: Path, note: str | None = "defs-a") -> Path:
    nodes = dict(
        [
            _node("seed", "units"),
            _node("model", "dim_geography", "seed.p.units"),
            _node("model", "dim_date"),  # a generated calendar: no parent at all
            _node("model", "fct_support", "source.p.raw.support", "model.p.dim_geography"),
            _node("test", "unique_dim_geography_key", "model.p.dim_geography"),
            _node("test", "relationships_dim_geography_date", "model.p.dim_geography", "model.p.dim_date"),
            _node("test", "relationships_fct_support_unit", "model.p.fct_support", "model.p.dim_geography"),
            _node("test", "unique_units", "seed.p.units"),
        ]
    )
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({"metadata": {"generated_at": WRITTEN}, "nodes": nodes}), encoding="utf-8")
    if note is not None:
        reference_tests.note_build(path, note)
    return path


def test_tests_of_seeds_and_of_models_made_of_them_alone(tmp_path: Path) -> None:
    assert reference_tests.reference_data_tests(_manifest(tmp_path), "defs-a") == [
        "relationships_dim_geography_date",
        "unique_dim_geography_key",
        "unique_units",
    ]


def test_every_test_runs_unless_a_build_with_these_definitions_wrote_the_manifest(tmp_path: Path) -> None:
    assert reference_tests.reference_data_tests(_manifest(tmp_path), "defs-b") == []
    assert reference_tests.reference_data_tests(_manifest(tmp_path / "x", note=None), "defs-a") == []
    manifest = _manifest(tmp_path / "y")
    rewritten = json.loads(manifest.read_text(encoding="utf-8"))
    rewritten["metadata"]["generated_at"] = "2026-11-30T13:00:00.000000Z"  # another dbt command since
    manifest.write_text(json.dumps(rewritten), encoding="utf-8")
    assert reference_tests.reference_data_tests(manifest, "defs-a") == []
    assert reference_tests.reference_data_tests(tmp_path / "none.json", "defs-a") == []
