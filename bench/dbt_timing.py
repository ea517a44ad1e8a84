"""Where a dbt build's time goes, read from dbt's own ``run_results.json``.

dbt records ``elapsed_time`` from the start of node execution to the end of the run, and each
node's ``execution_time``; the invocation's start is ``metadata.invocation_started_at`` and
its end ``metadata.generated_at``. The difference between dbt's whole invocation and its
execution is dbt's start-up (loading the project, building the graph). The project is parsed
before, in a ``dbt parse`` of its own (publication/dbt_runner.py), which leaves
``perf_info.json``. What the project does around dbt (that parse, schemas, the publication
registry, the marts copied from the base) is the step's time less dbt's invocation.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

TOP_MODELS = 10


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def summarise(results: dict[str, Any], step_seconds: float | None = None) -> dict[str, Any]:
    """Invocation, execution and start-up seconds, per-kind sums and every model's time."""
    metadata = results.get("metadata", {})
    elapsed = float(results["elapsed_time"])
    invocation = _seconds_between(metadata.get("invocation_started_at"), metadata.get("generated_at"))
    models: dict[str, float] = {}
    by_kind: dict[str, float] = {}
    statuses: dict[str, int] = {}
    for node in results.get("results", []):
        unique_id = node["unique_id"]
        kind = unique_id.split(".", 1)[0]
        seconds = float(node.get("execution_time") or 0.0)
        by_kind[kind] = by_kind.get(kind, 0.0) + seconds
        statuses[node["status"]] = statuses.get(node["status"], 0) + 1
        if kind == "model":
            models[unique_id.rsplit(".", 1)[-1]] = round(seconds, 3)
    out: dict[str, Any] = {
        "execution_s": round(elapsed, 3),
        "nodes": len(results.get("results", [])),
        "statuses": statuses,
        "node_seconds_by_kind": {kind: round(value, 3) for kind, value in sorted(by_kind.items())},
        "models_s": dict(sorted(models.items(), key=lambda item: -item[1])),
    }
    if invocation is not None:
        out["invocation_s"] = round(invocation, 3)
        out["startup_s"] = round(max(invocation - elapsed, 0.0), 3)
        if step_seconds is not None:
            out["outside_dbt_s"] = round(max(step_seconds - invocation, 0.0), 3)
    return out


def parse_summary(perf_info: Path) -> dict[str, Any] | None:
    """The parse before the build (publication/dbt_runner.py parses with the project's own
    vars, so that dbt re-reads only changed files): seconds, and how many of the project's
    files were parsed again; None when dbt left no ``perf_info.json``."""
    try:
        info = json.loads(perf_info.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {
        "seconds": round(float(info.get("load_all_elapsed") or 0.0), 3),
        "files": info.get("path_count"),
        "files_parsed": info.get("parsed_path_count"),
    }


def slowest(summary: dict[str, Any], count: int = TOP_MODELS) -> list[tuple[str, float]]:
    return list(summary["models_s"].items())[:count]


def _seconds_between(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (_parse(end) - _parse(start)).total_seconds()


def _parse(value: str) -> datetime:
    """dbt writes ``2026-11-30T13:21:37.123456Z`` (naive UTC); fromisoformat reads the Z too."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
