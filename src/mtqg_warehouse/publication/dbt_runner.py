"""Running dbt in-process against the warehouse, into one publication's schema."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mtqg_warehouse.config import PROJECT_ROOT, build_work_mem, state_dir
from mtqg_warehouse.db.connection import warehouse_target
from mtqg_warehouse.publication.lifecycle import publication_id, publication_schema

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# the publication every parse is made for (ids start at 1): shaped as a build's, so the
# macros render at parse time as they do in a build and the graph has a build's sources
PARSED_PUBLICATION_SCHEMA = publication_schema(0)


class DbtBuildFailed(Exception):
    pass


# callbacks for dbt's structured events while a command runs (progress bars in the CLI)
_listeners: list[Callable[[Any], None]] = []


@contextmanager
def dbt_event_listener(listener: Callable[[Any], None]) -> Iterator[None]:
    """Every dbt command run meanwhile in this process passes its events to ``listener``."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def target_dir() -> Path:
    """Where dbt writes its artifacts (manifest, run results, docs): the state folder."""
    return state_dir() / "dbt" / "target"


def _build_session_options(options: str) -> str:
    """The operator's PGOPTIONS with the build's own settings in place of any earlier ones.

    JIT off: the planner expects 1,000 months from each loan's ``generate_series``, so the
    loan-month fact's estimated cost crosses every JIT threshold, where a server with LLVM
    compiles and optimises every expression of a query that runs in seconds. The models are
    set-based SQL over a few million rows at most, where compiling never pays back."""
    kept = re.sub(r"-c\s*(work_mem|jit)=\S+", "", options).split()
    return " ".join([*kept, f"-c work_mem={build_work_mem()}", "-c jit=off"])


def dbt_environment() -> dict[str, str]:
    """The profile reads these; credentials never sit in a file."""
    target = warehouse_target()
    return {
        "MTQG_DB_HOST": target.host,
        "MTQG_DB_PORT": str(target.port),
        "MTQG_DB_USER": target.user,
        "MTQG_DB_PASSWORD": target.password,
        "MTQG_DB_NAME": target.dbname,
        "DBT_TARGET_PATH": str(target_dir()),
        "DBT_LOG_PATH": str(state_dir() / "dbt" / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # libpq passes these to every session dbt opens; the profile has no field for them
        "PGOPTIONS": _build_session_options(os.environ.get("PGOPTIONS", "")),
    }


def run_dbt(command: str, publication_schema: str, *extra: str, base_publication: int | None = None) -> None:
    """``dbt <command>`` (e.g. ``build``, ``docs generate``) with this build's vars; raises
    naming the failed nodes. ``base_publication``: the publication versioned facts are
    incremental on (see versioned_facts.py); None recomputes them whole."""
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_environment())
    manifest = _parsed_project()
    _point_publication_at(manifest, publication_schema)
    variables = _publication_vars(publication_schema)
    if base_publication is not None:
        variables["base_publication"] = base_publication
    args = [*command.split(), *_project_args(), "--vars", json.dumps(variables), *extra]
    result = dbtRunner(manifest=manifest, callbacks=list(_listeners)).invoke(args)
    if result.success:
        return
    failed = []
    if result.result is not None and hasattr(result.result, "results"):
        failed = [
            f"{r.node.unique_id}: {r.message}" for r in result.result.results if r.status in ("error", "fail")
        ]
    raise DbtBuildFailed(f"dbt {command} failed: " + ("; ".join(failed) or str(result.exception)))


def _publication_vars(schema: str) -> dict[str, object]:
    """The vars naming the publication a command builds: its schema, and its id when the
    schema is a publication's (the macros never read the id out of the name themselves).

    Never the pseudonymisation key: vars land in manifest.json and run_results.json; the
    pseudonymize macro reads the key inside the database (see pseudonym_key.py)."""
    variables: dict[str, object] = {"publication_schema": schema}
    with suppress(ValueError):  # not a publication's (`dbt docs` with nothing published)
        variables["publication_id"] = publication_id(schema)
    return variables


def _project_args() -> list[str]:
    return ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]


def _parsed_project() -> Manifest:
    """The project as dbt parses it for ``PARSED_PUBLICATION_SCHEMA``, the same for every build.

    dbt parses again from scratch whenever the vars differ from the last parse's (its
    partial parsing keys on them), and every build has a publication schema of its own: a
    full parse cost each build 1.4 s, a month's build at province scale an eighth of its
    time. Parsed with stable vars, dbt re-reads only the files that changed (0.3 s); the
    build's own vars then go to the command that runs, with this manifest."""
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest

    variables = json.dumps(_publication_vars(PARSED_PUBLICATION_SCHEMA))
    args = ["parse", *_project_args(), "--vars", variables, "--quiet", "--no-write-json"]
    result = dbtRunner().invoke(args)
    if not result.success or not isinstance(result.result, Manifest):
        raise DbtBuildFailed(f"dbt parse failed: {result.exception}")
    return result.result


def _point_publication_at(manifest: Manifest, publication_schema: str) -> None:
    """Every node parsed into ``PARSED_PUBLICATION_SCHEMA`` goes to this run's.

    That schema is what macros/generate_schema_name.sql gives the marts in
    ``_parsed_project``'s parse; refs, ``this`` and the ``graph`` the macros
    read all take a node's schema from the manifest, so the run writes and reads
    ``publication_schema`` exactly as if it had been parsed with it."""
    from dbt.adapters.postgres.relation import PostgresRelation

    for node in manifest.nodes.values():
        if node.schema != PARSED_PUBLICATION_SCHEMA:
            continue
        node.schema = publication_schema
        if node.relation_name is not None:
            relation = PostgresRelation.create(
                database=node.database, schema=publication_schema, identifier=node.alias
            )
            node.relation_name = relation.render()
    manifest.build_flat_graph()
