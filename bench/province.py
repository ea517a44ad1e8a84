"""Province scale end to end: generate a history, load it, build, audit, publish, then one more
month (issues 16 item 4, 17 item 7, 18 item 8).

Every stage is the product's own call, timed as a scheduled run would pay for it:
``ingest_feed`` per feed, the raw suites (``validation.validate_schema(url, schema, "raw")``)
when there are any, ``steps.build`` (dbt), ``steps.audit`` (the GX marts checkpoint) and
``steps.publish_build``; then the held-back month (bench/held_back.py) is loaded and built,
audited and published again. dbt's own ``run_results.json`` says where the build's time
went. The marts suites are also run as plain SQL (bench/suite_sql.py), and once more by
GX alone, against the same build, to price GX.

Everything runs in one fresh database on the bench server, with the state folder (dbt
target, GX context, the development pseudonymisation key), inbox, archive and quarantine
under the run's work folder, all removed at the end.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import dbt_timing, held_back, suite_sql
from bench.server import BenchServer, pointed_at
from bench.stages import MONTH_STAGES, PIPELINE_STAGES, Stages, stage_line, targets

log = logging.getLogger(__name__)

RUN_ID = "bench-province"
SEED = 16
# The generator's geography is Bạc Liêu city's ten wards, which exist until 30 June 2025 (they
# were merged then; seeds/units.csv), and its poverty lines start in 2022: 2022-2024 is the
# longest history it can write. The brief's five years are therefore not possible; the JSON
# says so next to the years that were generated.
LAST_YEAR = 2024
MAX_YEARS = 3
REQUESTED_YEARS = 5
# Raw suites check the loads a build adds; a schema no build registered stands for "every
# current load", which is the whole history here.
RAW_AUDIT_SCHEMA = "bench_raw_audit"
SETTINGS = (
    "autovacuum",
    "synchronous_commit",
    "shared_buffers",
    "work_mem",
    "max_parallel_workers_per_gather",
    "jit",
)


@dataclass(frozen=True)
class Size:
    households: int  # one province's
    provinces: int
    years: int
    history_months: int | None = None  # None: every delivery; a smoke run loads the last few


def measure(server: BenchServer, size: Size, work: Path) -> dict[str, Any]:
    """The whole province section; raises only when nothing could be generated or loaded."""
    stages = Stages()
    households, provinces, years = size.households, size.provinces, min(size.years, MAX_YEARS)
    out: dict[str, Any] = {
        "provinces": provinces,
        "households": households * provinces,
        "years": list(range(LAST_YEAR - years + 1, LAST_YEAR + 1)),
        "years_requested": REQUESTED_YEARS,
        "years_note": (
            "the generator's wards exist until 2025-06-30 and its poverty lines from 2022: "
            "2022-2024 is the longest history it writes"
        ),
    }
    generated = work / "generated"
    out["generator"] = _generate(stages, households * provinces, out["years"], generated)
    from mtqg_warehouse.contracts.model import feeds, load_contract

    contracts = {feed: load_contract(feed) for feed in feeds()}
    split = held_back.split(contracts, held_back.deliveries(generated, contracts), size.history_months)
    out["held_back_month"] = split.month_name
    out["files"] = split.counts()
    url = server.create_database()
    out["server_settings"] = server_settings(url)
    try:
        with _environment(url, work / "pipeline"):
            _pipeline(stages, out, split, url, work / "pipeline")
    finally:
        server.drop_database(url)
        shutil.rmtree(generated, ignore_errors=True)
    out["stages_s"] = stages.as_json()
    out["pipeline_s"] = stages.total(PIPELINE_STAGES)
    out["month_s"] = stages.total(MONTH_STAGES)
    # the month's audit is GX warm (its context and Data Docs site exist), as in steady running;
    # the first audit of a state folder also creates them. The target is judged on the first.
    out["targets"] = targets(stages, out.get("gx_vs_sql", {}).get("ratio"))
    if stages.unavailable:
        out["unavailable_reasons"] = dict(stages.unavailable)
    for name, verdict in out["targets"].items():
        print(f"province target {name:<22} {verdict}", flush=True)
    return out


def server_settings(url: str) -> dict[str, str]:
    """Settings that change these figures: without autovacuum nothing analyzes the raw tables
    while they load (the loader's cross-file key lookup then plans on empty statistics)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select name, setting from pg_settings where name = any(%s) order by name", [list(SETTINGS)]
        ).fetchall()
    return dict(rows)


def _generate(stages: Stages, households: int, years: list[int], generated: Path) -> dict[str, Any]:
    """The generator's CLI in a process of its own, so its peak memory can be read."""
    command = [sys.executable, "-m", "mtqg_warehouse.generator", "--households", str(households)]
    command += ["--years", str(len(years)), "--start-year", str(years[0]), "--seed", str(SEED)]
    command += ["--defect-rate", "0.0", "--preset", "none", "--out", str(generated)]
    with stages.timed("generate"):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generator CLI failed ({done.returncode}): {done.stderr.strip()[-600:]}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far
    size = sum(path.stat().st_size for path in generated.rglob("*") if path.is_file())
    print(stage_line("generate", stages.seconds["generate"], f"{households:,} households"), flush=True)
    return {"seconds": stages.seconds["generate"], "peak_rss_mib": round(peak_kib / 1024), "bytes": size}


@contextlib.contextmanager
def _environment(url: str, folder: Path) -> Iterator[None]:
    """The loader pointed at the bench database and folders, and the state folder with it."""
    saved = os.environ.get("MTQG_STATE_DIR")
    os.environ["MTQG_STATE_DIR"] = str(folder / "state")
    try:
        with pointed_at(url, folder):
            yield
    finally:
        if saved is None:
            os.environ.pop("MTQG_STATE_DIR", None)
        else:
            os.environ["MTQG_STATE_DIR"] = saved


def _pipeline(stages: Stages, out: dict[str, Any], split: held_back.Split, url: str, folder: Path) -> None:
    """History: load, raw suites, build, audit, publish; then the month the same way."""
    out["load"] = _load(stages, "load", split.history, folder / "inbox_history")
    _raw_suites(stages, "gx_raw", url)
    schema = _build(stages, out, "dbt_full")
    if schema is None:
        return
    audited = _audit(stages, "gx_marts", schema)
    if audited is None:
        return
    out["gx_vs_sql"] = _compare_with_sql(stages.seconds["gx_marts"], url, schema)
    _publish(stages, "publish", schema)
    out["month_load"] = _load(stages, "month_load", split.month, folder / "inbox_month")
    schema = _build(stages, out, "dbt_incremental")
    if schema is None:
        return
    audited = _audit(stages, "month_gx_marts", schema)
    if audited is not None:
        out["month_gx_vs_sql"] = _compare_with_sql(stages.seconds["month_gx_marts"], url, schema)
        _publish(stages, "month_publish", schema)


def _load(stages: Stages, stage: str, files: dict[str, list[Path]], inbox_root: Path) -> dict[str, Any]:
    """``ingest_feed`` per feed over an inbox holding its files; the stage is their sum."""
    from mtqg_warehouse.ingest.run import ingest_feed

    per_feed: dict[str, Any] = {}
    for feed, paths in files.items():
        inbox = inbox_root / feed
        inbox.mkdir(parents=True)
        for path in paths:
            os.link(path, inbox / path.name)
        started = time.perf_counter()
        report = ingest_feed(feed, run_id=RUN_ID, inbox=inbox, strict=False)
        seconds = time.perf_counter() - started
        per_feed[feed] = {
            "seconds": round(seconds, 3),
            "files": len(report.loaded),
            "rows_loaded": report.rows_loaded,
            "quarantined": len(report.quarantined),
            "refused": len(report.refused),
        }
        print(
            stage_line(f"{stage}:{feed}", seconds, f"{len(report.loaded)} files, {report.rows_loaded:,} rows")
        )
        if report.quarantined or report.refused:
            raise RuntimeError(f"{feed}: files not loaded: {report.quarantined + report.refused}")
    stages.record(stage, sum(item["seconds"] for item in per_feed.values()))
    print(stage_line(stage, stages.seconds[stage]), flush=True)
    return per_feed


def _raw_suites(stages: Stages, stage: str, url: str) -> None:
    """GX on the raw layer when the project has raw suites; unavailable, saying why, if not."""
    from mtqg_warehouse.publication import validation

    if not validation.suite_specs("raw"):
        stages.missing(stage, "no suite of layer 'raw' in expectations/suites (the gate branch adds them)")
        print(f"province stage {stage}: unavailable ({stages.unavailable[stage]})", flush=True)
        return
    with stages.timed(stage):
        outcome = validation.validate_schema(url, RAW_AUDIT_SCHEMA, layer="raw")
    print(stage_line(stage, stages.seconds[stage], f"success={outcome.success}"), flush=True)


def _build(stages: Stages, out: dict[str, Any], stage: str) -> str | None:
    """``steps.build`` timed, and dbt's own account of it from run_results.json."""
    from mtqg_warehouse.publication import steps
    from mtqg_warehouse.publication.dbt_runner import target_dir

    try:
        # dbt logs to stdout; the bench keeps stdout for its own figure lines
        with stages.timed(stage), contextlib.redirect_stdout(sys.stderr):
            schema = steps.build(RUN_ID)
    except Exception as err:
        log.exception("province %s failed", stage)
        stages.missing(stage, f"{type(err).__name__}: {str(err)[:600]}")
        return None
    summary = dbt_timing.summarise(dbt_timing.read(target_dir() / "run_results.json"), stages.seconds[stage])
    summary["parse"] = dbt_timing.parse_summary(target_dir() / "perf_info.json")
    out[f"{stage}_dbt"] = summary
    parse = summary["parse"] or {}
    detail = (
        f"dbt parse {parse.get('seconds', '?')} s ({parse.get('files_parsed', '?')} of "
        f"{parse.get('files', '?')} files), start-up {summary.get('startup_s', '?')} s, "
        f"execution {summary['execution_s']} s"
    )
    print(stage_line(stage, stages.seconds[stage], detail), flush=True)
    for model, seconds in dbt_timing.slowest(summary):
        print(f"province {stage} model {model:<44} {seconds:>8.2f} s", flush=True)
    return schema


def _audit(stages: Stages, stage: str, schema: str) -> dict[str, Any] | None:
    """``steps.audit`` timed; a failed audit leaves the stage unavailable and stops the run
    (an unaudited build cannot be published)."""
    from mtqg_warehouse.publication import steps

    try:
        with stages.timed(stage), contextlib.redirect_stdout(sys.stderr):
            outcome = steps.audit(schema)
    except Exception as err:
        log.exception("province %s failed", stage)
        stages.missing(stage, f"{type(err).__name__}: {str(err)[:600]}")
        return None
    print(stage_line(stage, stages.seconds[stage]), flush=True)
    return outcome


def _compare_with_sql(audit_seconds: float, url: str, schema: str) -> dict[str, Any]:
    """What GX costs against plain SQL on the marts suites' checks (bench/suite_sql.py).

    ``ratio`` (the target's figure) is the audit's time over the SQL's: it over-states GX,
    since the audit also checks the raw rows of the loads the build adds, which the SQL side
    does not. ``marts_only`` runs the marts suites once more by GX alone, against the SQL of
    exactly those checks (its context and assets already made by the audit); its
    ``same_verdict`` says whether both found the same number of checks passing and failing."""
    import psycopg

    from mtqg_warehouse.publication import validation

    try:
        checks = suite_sql.compile_layer("marts", schema)
        started = time.perf_counter()
        with contextlib.redirect_stdout(sys.stderr):
            outcome = validation.validate_schema(url, schema, layer="marts")
        gx_seconds = round(time.perf_counter() - started, 3)
        with psycopg.connect(url) as conn:
            conn.execute("select 1")  # the connection is made outside the clock
            sql_timing = suite_sql.time_checks(conn, checks)
    except Exception as err:  # the comparison is unavailable; the pipeline's figures stand
        log.exception("the marts suites as plain SQL failed")
        return {"ratio": None, "unavailable": f"{type(err).__name__}: {str(err)[:600]}"}
    sql_seconds = sql_timing["seconds"]
    ratio = round(audit_seconds / sql_seconds, 1) if sql_seconds > 0 else None
    marts_ratio = round(gx_seconds / sql_seconds, 1) if sql_seconds > 0 else None
    print(
        f"province GX audit {audit_seconds:.2f} s, GX on the marts suites alone {gx_seconds:.2f} s, "
        f"against plain SQL {sql_seconds:.3f} s ({sql_timing['checks']} checks): {ratio}x, {marts_ratio}x",
        flush=True,
    )
    verdict = (outcome.checks_passed + outcome.checks_failed, outcome.checks_failed)
    marts_only = {
        "gx_s": gx_seconds,
        "checks": verdict[0],
        "ratio": marts_ratio,
        "same_verdict": verdict == (sql_timing["checks"], sql_timing["failed"]),
    }
    return {"gx_s": audit_seconds, "sql": sql_timing, "ratio": ratio, "marts_only": marts_only}


def _publish(stages: Stages, stage: str, schema: str) -> None:
    from mtqg_warehouse.publication import steps

    with stages.timed(stage):
        steps.publish_build(schema)
    print(stage_line(stage, stages.seconds[stage]), flush=True)
