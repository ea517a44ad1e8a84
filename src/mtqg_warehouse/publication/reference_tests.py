"""The dbt tests a build with a base can leave out: those of the reference data alone.

A build has a base only when its dbt definitions and seed files are those the base was built
with (versioned_facts.models_fingerprint). The seeds, and every model computed from seeds
alone (the calendar, the units, the programs: `marts/core`), then hold exactly the rows the
base's tests passed on. At province scale a month's build ran twenty such tests, each a dbt
node of its own (about 40 ms of dbt's work, whatever the rows), for nothing.

Which tests these are is read from the graph dbt wrote with the previous build, not from
folder names (a model that starts reading a feed leaves the set by itself): its
`manifest.json`, used only when the note a successful build left beside it says that the
manifest is the one that build wrote and that its definitions are this build's. Anything
else (no note, another dbt command since, changed definitions) runs every test.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


NOTE_SUFFIX = ".built_with"


def reference_data_tests(manifest_path: Path, fingerprint: str) -> list[str]:
    """Names of the data tests whose every parent is a seed or a model of seeds alone, from
    the manifest a build with definitions ``fingerprint`` left; none otherwise."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        note = manifest_path.with_name(manifest_path.name + NOTE_SUFFIX).read_text(encoding="utf-8")
        nodes = manifest["nodes"]
        written = manifest["metadata"]["generated_at"]
    except (OSError, ValueError, KeyError) as err:
        log.info("every dbt test runs: no manifest of an earlier build at %s (%s)", manifest_path, err)
        return []
    if note.split() != [fingerprint, written]:
        log.info("every dbt test runs: %s is not from a build with these definitions", manifest_path)
        return []
    reference = _reference_data(nodes)
    return sorted(
        node["name"]
        for node in nodes.values()
        if node.get("resource_type") == "test" and _parents(node) and _parents(node) <= reference
    )


def _reference_data(nodes: dict[str, dict]) -> set[str]:
    """Seeds, and models whose parents are all reference data (none: a generated calendar)."""
    reference = {unique_id for unique_id, node in nodes.items() if node.get("resource_type") == "seed"}
    models = {unique_id: node for unique_id, node in nodes.items() if node.get("resource_type") == "model"}
    grew = True
    while grew:
        found = {
            unique_id
            for unique_id, node in models.items()
            if unique_id not in reference and _parents(node) <= reference
        }
        reference |= found
        grew = bool(found)
    return reference


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
