"""What a build with a base need not compute or test again: the dbt tests and the marts of
models whose inputs it has not changed.

A build has a base only when its dbt definitions and seed files are those the base was built
with (versioned_facts.models_fingerprint). A model then holds exactly the base's rows, which
passed the same tests, when every input it is computed from is as the base had it: a seed;
a raw table no load changed since the base (none added, none superseded: a month without a
poverty review leaves the reviews as they were); a model whose own inputs are all so (the
models are deterministic: no clock, no random). At province scale a month's build ran some
fifty such tests, each a dbt node (about 40 ms of dbt's own work, whatever the rows), for
nothing; and rebuilt a dozen marts (the dimensions, the poverty and classification
reports) that came out as the base had them, 3.4 s of dbt's threads. The tests whose model
did change still run, on the rows the build added (macros/tested_rows.sql); the unchanged
marts are copied from the base's schema (mart_copies.py).

The graph is the one dbt wrote with the previous build (`manifest.json`), used only when the
note a successful build left beside it says that the manifest is the one that build wrote
and that its definitions are this build's; anything else (no note, another dbt command
since, changed definitions) computes and tests everything. Staging reads `ops` only to choose
the build's loads: its rows change only with its raw table's. A model of any other kind
reading `ops` counts as changed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from mtqg_warehouse.contracts.model import load_contract

log = logging.getLogger(__name__)

NOTE_SUFFIX = ".built_with"
OPS_SCHEMA = "ops"
STAGING_MATERIALIZATION = "parsed_by_load"
MART_MATERIALIZATION = "table"
# the custom schema dbt_project.yml gives the marts (macros/generate_schema_name.sql)
PUBLICATION_SCHEMA_CONFIG = "publication"


def changed_raw_tables(conn: psycopg.Connection, publication_id: int, base: int) -> set[str]:
    """``raw_<feed>.<table>`` of every load changed since the base (``ops.loads_changed_since``,
    the rule the build's macros read too); a workbook counts for the sheets it had (all of its
    feed's tables when that is not recorded)."""
    rows = conn.execute(
        """select distinct audit.feed, audit.sheets
           from ops.loads_changed_since(%(this)s, %(base)s) as changed
           inner join ops.load_audit as audit on changed.load_id = audit.load_id""",
        {"this": publication_id, "base": base},
    ).fetchall()
    tables: set[str] = set()
    for feed, sheets in rows:
        contract = load_contract(feed)
        names = [name for name in (sheets or {}) if name in contract.tables] or list(contract.tables)
        tables |= {f"{contract.raw_schema}.{name}" for name in names}
    return tables


@dataclass(frozen=True)
class Unchanged:
    """What a build leaves to its base: data tests it need not run, marts it copies."""

    tests: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)


def since_base(manifest_path: Path, fingerprint: str, changed_tables: set[str]) -> Unchanged:
    """From the manifest a build with definitions ``fingerprint`` left (nothing otherwise):
    the data tests whose every parent is unchanged since the base, and the marts (the tables
    of the publication schema) whose every input is. Kept and versioned models are not among
    the marts: their materializations keep what did not change themselves, and only they
    know a failed build's leftovers from the base's rows."""
    graph = _graph(manifest_path, fingerprint)
    if graph is None:
        return Unchanged()
    nodes, unchanged = graph[0], _unchanged(*graph, changed_tables)
    tests = [
        node["name"]
        for node in nodes.values()
        if node.get("resource_type") == "test" and _parents(node) and _parents(node) <= unchanged
    ]
    marts = [
        node["name"]
        for unique_id, node in nodes.items()
        if unique_id in unchanged
        and node.get("resource_type") == "model"
        and node.get("config", {}).get("materialized") == MART_MATERIALIZATION
        and node.get("config", {}).get("schema") == PUBLICATION_SCHEMA_CONFIG
    ]
    return Unchanged(sorted(tests), sorted(marts))


def _graph(manifest_path: Path, fingerprint: str) -> tuple[dict[str, dict], dict[str, dict]] | None:
    """The nodes and sources of the manifest beside its note, when a successful build with
    definitions ``fingerprint`` wrote both; None otherwise (everything is computed and tested)."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        note = manifest_path.with_name(manifest_path.name + NOTE_SUFFIX).read_text(encoding="utf-8")
        nodes, sources = manifest["nodes"], manifest["sources"]
        written = manifest["metadata"]["generated_at"]
    except (OSError, ValueError, KeyError) as err:
        log.info(
            "everything is built and tested: no manifest of an earlier build at %s (%s)", manifest_path, err
        )
        return None
    if note.split() != [fingerprint, written]:
        log.info(
            "everything is built and tested: %s is not from a build with these definitions", manifest_path
        )
        return None
    return nodes, sources


def _unchanged(nodes: dict[str, dict], sources: dict[str, dict], changed_tables: set[str]) -> set[str]:
    """Seeds, raw sources no changed load touched, and models of those alone (none: a
    generated calendar)."""
    ops = {unique_id for unique_id, source in sources.items() if source.get("schema") == OPS_SCHEMA}
    unchanged = {unique_id for unique_id, node in nodes.items() if node.get("resource_type") == "seed"}
    unchanged |= {
        unique_id
        for unique_id, source in sources.items()
        if unique_id not in ops and f"{source.get('schema')}.{source.get('name')}" not in changed_tables
    }
    models = {unique_id: node for unique_id, node in nodes.items() if node.get("resource_type") == "model"}
    grew = True
    while grew:
        found = {
            unique_id
            for unique_id, node in models.items()
            if unique_id not in unchanged and _inputs(node, ops) <= unchanged
        }
        unchanged |= found
        grew = bool(found)
    return unchanged


def _inputs(node: dict, ops: set[str]) -> set[str]:
    parents = _parents(node)
    if node.get("config", {}).get("materialized") == STAGING_MATERIALIZATION:
        return parents - ops
    return parents


def _parents(node: dict) -> set[str]:
    return set(node.get("depends_on", {}).get("nodes", []))


def note_build(manifest_path: Path, fingerprint: str) -> None:
    """After a successful build: the manifest beside is its own, of definitions ``fingerprint``."""
    try:
        written = json.loads(manifest_path.read_text(encoding="utf-8"))["metadata"]["generated_at"]
    except (OSError, ValueError, KeyError):
        return
    manifest_path.with_name(manifest_path.name + NOTE_SUFFIX).write_text(
        f"{fingerprint} {written}\n", encoding="utf-8"
    )
