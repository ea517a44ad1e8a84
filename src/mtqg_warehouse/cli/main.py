"""`mtqg`: every step of the pipeline from the command line, no scheduler needed."""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys

from mtqg_warehouse.cli import airflow_ui, exit_codes, publications, status
from mtqg_warehouse.config import PROJECT_ROOT, inbox_dir, state_dir
from mtqg_warehouse.operations import progress


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler = {
        "demo": _demo,
        "db": _db,
        "stop": _stop,
        "ingest": _ingest,
        "build": _build,
        "summary": lambda a: _print(_summary()),
        "docs": _docs,
        "generate": _generate,
        "backfill": _backfill,
        "dashboard": _dashboard,
        "publications": publications.list_command,
        "rollback": publications.rollback_command,
        "airflow-ui": airflow_ui.run,
        "status": status.run,
    }[args.command]
    with exit_codes.unreachable_warehouse():
        return handler(args) or 0
    return exit_codes.UNAVAILABLE


def _parser() -> argparse.ArgumentParser:
    from mtqg_warehouse.bi.cli import add_arguments as add_dashboard_arguments
    from mtqg_warehouse.generator.cli import add_arguments as add_generator_arguments

    parser = argparse.ArgumentParser(prog="mtqg", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="sample files -> Airflow -> dbt -> GX -> published marts")
    database = commands.add_parser("db", help="the embedded PostgreSQL")
    database.add_argument("action", choices=["start", "stop", "status", "url"])
    commands.add_parser("stop", help="stop the embedded PostgreSQL and Airflow components left running")
    ingest = commands.add_parser("ingest", help="load one feed's inbox without Airflow")
    ingest.add_argument("feed")
    commands.add_parser("build", help="dbt build, GX audit and publish without Airflow")
    commands.add_parser("summary", help="print what is published")
    commands.add_parser("docs", help="dbt's documentation of the published models, as one static page")
    backfill = commands.add_parser("backfill", help="airflow backfill of one feed's ingest DAG")
    backfill.add_argument("feed")
    backfill.add_argument("from_date", help="first logical date, e.g. 2023-05-02")
    backfill.add_argument("to_date", help="last logical date (inclusive)")
    add_dashboard_arguments(commands.add_parser("dashboard", help="Superset and the dashboard, locally"))
    add_generator_arguments(commands.add_parser("generate", help="write synthetic feed files (docs/feeds)"))
    publications.add_commands(commands)
    airflow_ui.add_parser(commands)
    status.add_parser(commands)
    return parser


def _backfill(args: argparse.Namespace) -> int:
    from mtqg_warehouse.db.connection import warehouse_url
    from mtqg_warehouse.orchestration.bounded_runs import run_backfill

    outcomes = run_backfill(warehouse_url(), args.feed, args.from_date, args.to_date)
    for outcome in outcomes:
        print(f"  {outcome.run_id:<60} {outcome.state}")
    return 0 if all(o.state == "success" for o in outcomes) else 1


def _dashboard(args: argparse.Namespace) -> int:
    from mtqg_warehouse.bi.cli import run

    return run(args)


def _generate(args: argparse.Namespace) -> int:
    from mtqg_warehouse.generator.cli import run

    with progress.polled("generating feed files", None, progress.files_written(args.out, "*/*")):
        return run(args)


def _print(payload: dict) -> int:
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    return 0


def _summary() -> dict:
    from mtqg_warehouse.publication.steps import summary

    return summary()


def _stop(args: argparse.Namespace) -> int:
    from mtqg_warehouse.orchestration.airflow_runner import stop_leftover_components

    stopped = stop_leftover_components()
    if stopped:
        print(f"stopped Airflow components left running: {', '.join(stopped)}")
    from mtqg_warehouse.bi.dashboard import stop as stop_dashboard

    if stop_dashboard():
        print("stopped Superset")
    return _db(argparse.Namespace(action="stop"))


def _db(args: argparse.Namespace) -> int:
    from mtqg_warehouse.config import configured_warehouse_url
    from mtqg_warehouse.db.embedded import EmbeddedServer

    if configured_warehouse_url() and args.action != "url":
        print("WAREHOUSE_URL is set: the embedded server is not used")
        return 0
    server = EmbeddedServer.default()
    if args.action == "start":
        print(server.start())
    elif args.action == "stop":
        print("stopped" if server.stop() else "not running")
    elif args.action == "status":
        print("running" if server.is_running() else "stopped")
    else:
        from mtqg_warehouse.db.connection import warehouse_url

        print(warehouse_url())
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from mtqg_warehouse.ingest.run import ingest_feed

    with progress.loading(args.feed, "cli"):
        report = ingest_feed(args.feed, run_id="cli", strict=False)
    _print(asdict(report))
    return 1 if report.quarantined or report.refused else 0


def _build(args: argparse.Namespace) -> int:
    from mtqg_warehouse.publication import build_lease
    from mtqg_warehouse.publication.steps import audit, build, publish_build

    with build_lease.kept():  # one lease from dbt to the publish
        with progress.dbt_nodes("dbt build"):
            schema = build("cli")
        audit(schema)
        publish_build(schema)
    return _print(_summary())


def _demo(args: argparse.Namespace) -> int:
    from mtqg_warehouse.db.connection import warehouse_url
    from mtqg_warehouse.orchestration.bounded_runs import run_pipeline

    url = warehouse_url()
    placed = _place_samples()
    print(f"warehouse: {url}\nsample files placed in {inbox_dir()}: {placed}")
    print("running the pipeline through Airflow (scheduler, dag-processor, api-server)...")
    outcomes = run_pipeline(url)
    for outcome in outcomes:
        print(f"  {outcome.dag_id:<28} {outcome.state}")
    summary = _summary()
    print("published marts (rows):")
    for relation, rows in summary["marts_rows"].items():
        print(f"  marts.{relation:<30} {rows}")
    print(f"publication: {summary['publication']}")
    print(f"loads: {json.dumps(summary['loads'], ensure_ascii=False)}")
    print(f"Data Docs (GX validations): {summary['data_docs']}")
    print(f"dbt docs (models, columns, lineage): {_docs_page()}")
    from mtqg_warehouse.publication.article_figures import lines_from_marts

    print("\n".join(lines_from_marts()))
    print(f"The warehouse keeps running for BI tools and psql at {url} (schema marts); `make stop` stops it.")
    return 0 if all(o.state == "success" for o in outcomes) else 1


def _docs(args: argparse.Namespace) -> int:
    print(_docs_page())
    return 0


def _docs_page() -> str:
    from mtqg_warehouse.publication.dbt_docs import generate_docs

    return generate_docs().as_uri()


def _place_samples() -> int:
    """The demo city's generated deliveries (made once, deterministic) plus the small fixtures
    with row defects, copied into the inbox; a re-run's copies are skipped as duplicates."""
    samples = state_dir() / "samples"
    if not (samples / "manifest" / "summary.json").exists():
        from mtqg_warehouse.generator.cli import main as generate

        print("generating the demo city's feeds (Bạc Liêu, 45,000 households, 2022-2024)...")
        generate(["--preset", "demo", "--out", str(samples)])
    feeds = [*sorted(samples.glob("*/*.*")), *sorted((PROJECT_ROOT / "tests" / "fixtures").glob("*/*.*"))]
    placed = 0
    for source in feeds:
        if source.parent.name == "manifest":
            continue
        target = inbox_dir() / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        placed += 1
    return placed


if __name__ == "__main__":
    sys.exit(main())
