"""One bench run from start to finish: generator, CSV feeds, ward returns, province pipeline, JSON.

Each section is guarded: a missing or failing piece is recorded as ``"unavailable"`` with its
reason and the run goes on, so one broken part never hides the figures of the others.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench import figures
from bench.base import Manifest
from bench.server import BenchServer, find_psql, open_server
from bench.sizes import FULL, QUICK, Sizes
from mtqg_warehouse.config import state_dir

log = logging.getLogger(__name__)

UNAVAILABLE = "unavailable"
SECTIONS = ("generator", "feeds", "province")
FEED_SECTIONS = (
    "bank",
    "bank_mixed_habits",
    "bank_windows_export",
    "insurance",
    "ward_returns",
    "xlsx_readers",
)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description="measure loaders and generator")
    parser.add_argument("--quick", action="store_true", help="small sizes, one run each: a smoke run")
    parser.add_argument("--skip-generator", action="store_true", help="leave out the generator benchmark")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        action="append",
        help="run only this section (repeatable): generator, feeds (CSV and ward loaders), province",
    )
    parser.add_argument(
        "--provinces",
        type=int,
        default=1,
        help="the province pipeline at this many provinces' households (250,000 each; 4 takes long)",
    )
    args = parser.parse_args(argv)
    if args.provinces < 1:
        parser.error("--provinces must be at least 1")
    return args


def chosen(args: argparse.Namespace) -> set[str]:
    """The sections to run: every one unless ``--only`` names some; ``--skip-generator`` drops it."""
    sections = set(args.only or SECTIONS)
    if args.skip_generator:
        sections.discard("generator")
    return sections


def run(argv: list[str] | None = None) -> int:
    """Measure everything, clean up, then print the JSON line last; 0 unless nothing was measured."""
    args = parse(argv)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    work = state_dir() / "bench" / f"run_{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    result = Result(sizes)
    try:
        _measure_all(result, sizes, chosen(args), args.provinces, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        _remove_if_empty(work.parent)
    result.figures["total_seconds"] = round(time.perf_counter() - started, 1)
    print(figures.json_line(result.figures), flush=True)
    return 0 if result.measured_any else 1


class Result:
    """The figures so far, and why any section has none."""

    def __init__(self, sizes: Sizes) -> None:
        self.figures: dict[str, Any] = {
            "bench": "mtqg_warehouse",
            "mode": sizes.mode,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpu_count": os.cpu_count(),
        }
        self.reasons: dict[str, str] = {}
        self.measured_any = False

    def guarded(self, key: str, measure: Callable[[], Any]) -> Any:
        """Record ``measure()`` under ``key``, or ``"unavailable"`` and the reason when it raises."""
        try:
            value = measure()
        except Exception as err:
            log.exception("bench section %s failed", key)
            self.unavailable(key, f"{type(err).__name__}: {err}")
            return None
        self.figures[key] = value
        self.measured_any = True
        return value

    def unavailable(self, key: str, reason: str) -> None:
        print(f"{key}: unavailable ({reason})", flush=True)
        self.figures[key] = UNAVAILABLE
        self.note(key, reason)

    def note(self, key: str, reason: str) -> None:
        """List every missing figure in one place, ``unavailable_reasons``, whatever its depth."""
        self.reasons[key] = reason
        self.figures["unavailable_reasons"] = self.reasons


def _measure_all(result: Result, sizes: Sizes, sections: set[str], provinces: int, work: Path) -> None:
    from bench import generator_figures

    if "generator" not in sections:
        result.figures["generator"] = "skipped"
    else:
        households = sizes.generator_households
        result.guarded("generator", lambda: generator_figures.measure(households, work / "generator"))
    if not sections & {"feeds", "province"}:
        return
    server_keys = [
        *(FEED_SECTIONS if "feeds" in sections else ()),
        *(("province",) if "province" in sections else ()),
    ]
    try:
        server = open_server()
        result.figures["server"] = server.describe()
    except Exception as err:
        log.exception("no PostgreSQL server for the bench")
        for key in server_keys:
            result.unavailable(key, f"no server: {type(err).__name__}: {err}")
        return
    try:
        if "feeds" in sections:
            _measure_feeds(result, sizes, server, work)
        if "province" in sections:
            _province(result, sizes, server, provinces, work)
    finally:
        server.drop_all()


def _province(result: Result, sizes: Sizes, server: BenchServer, provinces: int, work: Path) -> None:
    """The end-to-end pipeline at province scale; its own missing stages are listed too."""
    from bench import province

    size = province.Size(sizes.province_households, provinces, sizes.province_years, sizes.province_months)
    section = result.guarded("province", lambda: province.measure(server, size, work / "province"))
    if section is not None:
        for stage, reason in section.get("unavailable_reasons", {}).items():
            result.note(f"province.{stage}", reason)


def _measure_feeds(result: Result, sizes: Sizes, server: BenchServer, work: Path) -> None:
    """Generate the base once, then scale and time each feed; a missing base skips them all."""
    from bench import base

    generated = work / "generated"
    households = sizes.ward_households
    if result.guarded("base_generation", lambda: _generate_base(households, generated)) is None:
        for key in FEED_SECTIONS:
            result.unavailable(key, "no base files: " + result.reasons["base_generation"])
        return
    manifest = base.read_manifest(generated)
    psql = result.guarded("psql", lambda: str(find_psql()))
    _csv_feeds(result, sizes, server, psql, generated, manifest, work)
    _ward_returns(result, sizes, server, generated, manifest, work)


def _csv_feeds(
    result: Result,
    sizes: Sizes,
    server: BenchServer,
    psql: str | None,
    generated: Path,
    manifest: Manifest,
    work: Path,
) -> None:
    """Each CSV file in turn (the bank's in three kinds), then every ratio side by side."""
    from bench import csv_feeds

    for feed, rows in (("bank", sizes.bank_rows), ("insurance", sizes.card_rows)):
        for kind in csv_feeds.KINDS[feed]:
            key = csv_feeds.section_key(feed, kind)
            if psql is None:
                result.unavailable(key, "no psql for the COPY yardstick: " + result.reasons["psql"])
                continue
            measure = partial(
                _csv_feed, server, Path(psql), feed, kind, generated, manifest, rows, sizes, work
            )
            section = result.guarded(key, measure)
            if section is not None and "loader_unavailable_reason" in section:
                result.note(f"{key}_loader", section["loader_unavailable_reason"])
    result.figures["csv_ratios"] = csv_feeds.ratios(result.figures)
    for line in csv_feeds.ratio_lines(result.figures["csv_ratios"]):
        print(line, flush=True)


def _generate_base(households: int, generated: Path) -> dict[str, Any]:
    """One year of every feed for the province-scale population; timed only to show its cost."""
    from bench.base import BASE_DEFECT_RATE, generate

    started = time.perf_counter()
    generate(households, generated)
    seconds = round(time.perf_counter() - started, 1)
    log.info("generated the bench base (%s households) in %s s", households, seconds)
    return {"households": households, "years": 1, "defect_rate": BASE_DEFECT_RATE, "seconds": seconds}


def _csv_feed(
    server: BenchServer,
    psql: Path,
    feed: str,
    kind: str,
    generated: Path,
    manifest: Manifest,
    rows: int,
    sizes: Sizes,
    work: Path,
) -> dict[str, Any]:
    """One file, written in ``kind``'s style, measured, then deleted (they are large)."""
    from bench import csv_feeds
    from mtqg_warehouse.generator.csv_style import STYLES

    made = csv_feeds.build_file(feed, generated, manifest, rows, work / "files", STYLES[kind])
    try:
        return csv_feeds.measure(server, psql, feed, made, sizes.runs, work, kind)
    finally:
        made.path.unlink(missing_ok=True)


def _ward_returns(
    result: Result, sizes: Sizes, server: BenchServer, generated: Path, manifest: Manifest, work: Path
) -> None:
    """The loader and the raw readers on the same workbooks; either may be unavailable alone."""
    from bench import ward_returns

    workbooks = result.guarded(
        "ward_returns_files", lambda: ward_returns.review_workbooks(generated, manifest)
    )
    if workbooks is None:
        for key in ("ward_returns", "xlsx_readers"):
            result.unavailable(key, "no workbooks: " + result.reasons["ward_returns_files"])
        return
    result.figures["ward_returns_files"] = ward_returns.describe(workbooks, sizes.ward_households)
    result.guarded("ward_returns", lambda: ward_returns.measure_loader(server, workbooks, sizes.runs, work))
    result.guarded("xlsx_readers", lambda: ward_returns.measure_readers(workbooks, sizes.runs))


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()
