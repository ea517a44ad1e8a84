"""Bank and insurance CSV files at bench size: psql ``\\copy`` against ``ingest_feed``, same file.

Two yardsticks: ``copy``, the headline, is ``\\copy`` into a table identical to the loader's
raw table (same columns, defaults and row sequence); ``copy_bare`` is ``\\copy`` into a table
of the contract's text columns only. Runs alternate (identical-table copy, bare copy, loader,
then again) so a slow spell on the machine hits every path alike; the headline is the ratio of
the loader's median rows/s to the identical-table copy's.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench import figures
from bench.base import BASE_YEAR, Manifest, read_csv_base
from bench.scale import (
    Rekey,
    ScaledFile,
    bank_rekey,
    card_rekey,
    copies_needed,
    scaled_rows,
    write_scaled,
)
from bench.server import BenchServer
from bench.timed import LoaderRun, prepare_raw_copy, time_copy, time_loader, time_raw_copy
from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.generator import names

log = logging.getLogger(__name__)

DEFECT_EVERY = 10


def file_name(feed: str) -> str:
    """The bench file's name, as the contract names a delivery of the base year's first
    business day (bank) or month (insurance): the loader must accept it as any other."""
    if feed == "bank":
        return names.bank_day(date(BASE_YEAR, 1, 2))
    return names.card_month(date(BASE_YEAR, 1, 1))


def on_file_day(rekey: Rekey, column: int, day: date) -> Rekey:
    """Rows of the base's many days all dated the bench file's day, as the contract wants a
    bank file's events (a planted invalid date stays invalid)."""
    written = day.strftime("%d/%m/%Y")

    def dated(row: list[str], copy: int) -> list[str]:
        row = rekey(row, copy)
        try:
            datetime.strptime(row[column], "%d/%m/%Y")  # noqa: DTZ007 - a calendar day
        except ValueError:
            return row
        return [*row[:column], written, *row[column + 1 :]]

    return dated


def build_file(feed: str, generated: Path, manifest: Manifest, rows: int, folder: Path) -> ScaledFile:
    """The bench file for ``feed``: the generator's deliveries, scaled to ``rows`` rows."""
    (table,) = load_contract(feed).tables.values()
    base = read_csv_base(generated / feed, table, manifest)
    if not base.rows:
        raise RuntimeError(f"the generator wrote no usable {feed} rows under {generated / feed}")
    if feed == "bank":
        rekey = on_file_day(bank_rekey, table.column_names.index("event_date"), date(BASE_YEAR, 1, 2))
    else:
        rekey = card_rekey(base, copies_needed(base, rows, DEFECT_EVERY))
    folder.mkdir(parents=True, exist_ok=True)
    headers = [column.header_vi for column in table.columns]
    made = write_scaled(folder / file_name(feed), headers, scaled_rows(base, rows, rekey, DEFECT_EVERY))
    log.info(
        "%s bench file: %s rows (%s planted defects), %s bytes", feed, made.rows, made.defect_rows, made.bytes
    )
    return made


def describe_file(made: ScaledFile) -> dict[str, Any]:
    return {
        "name": made.path.name,
        "rows": made.rows,
        "bytes": made.bytes,
        "planted_defect_rows": made.defect_rows,
    }


def measure(
    server: BenchServer, psql: Path, feed: str, made: ScaledFile, runs: int, work: Path
) -> dict[str, Any]:
    """Median of ``runs`` of each path on the same file; a failing loader leaves the COPY figures."""
    contract = load_contract(feed)
    (table,) = contract.tables.values()
    copy_url = server.create_database()
    copy_seconds: list[float] = []
    bare_seconds: list[float] = []
    loads: list[LoaderRun] = []
    loader_error: str | None = None
    try:
        raw = prepare_raw_copy(copy_url, contract, made.path)
        for run in range(1, runs + 1):
            server.settle()
            copy_seconds.append(time_raw_copy(psql, copy_url, raw, made.rows))
            log.info("%s run %d: \\copy into the identical table %.2f s", feed, run, copy_seconds[-1])
            server.settle()
            bare_seconds.append(time_copy(psql, copy_url, table, made.path, made.rows))
            log.info("%s run %d: \\copy into the bare table %.2f s", feed, run, bare_seconds[-1])
            if loader_error is None:
                try:
                    loads.append(time_loader(server, feed, [made.path], work / f"{feed}_loader_{run}"))
                except Exception as err:  # recorded as unavailable with its reason, never faked
                    log.exception("%s: ingest_feed failed", feed)
                    loader_error = f"{type(err).__name__}: {err}"
                    continue
                log.info("%s run %d: ingest_feed %.2f s", feed, run, loads[-1].seconds)
    finally:
        server.drop_database(copy_url)
    return summarise(feed, made, copy_seconds, bare_seconds, loads, loader_error)


def summarise(
    feed: str,
    made: ScaledFile,
    copy_seconds: list[float],
    bare_seconds: list[float],
    loads: list[LoaderRun],
    loader_error: str | None,
) -> dict[str, Any]:
    """The section's figures, and one readable line per path and per ratio."""
    copy = figures.timing(made.rows, copy_seconds)
    copy_bare = figures.timing(made.rows, bare_seconds)
    section: dict[str, Any] = {
        "file": describe_file(made),
        "runs": len(copy_seconds),
        "yardstick": figures.YARDSTICK,
        "copy": copy,
        "copy_bare": copy_bare,
    }
    print(figures.figure_line(f"{feed}: psql \\copy, identical table", made.rows, copy), flush=True)
    print(figures.figure_line(f"{feed}: psql \\copy, bare text table", made.rows, copy_bare), flush=True)
    if loader_error is not None:
        print(f"{feed}: ingest_feed unavailable: {loader_error}", flush=True)
        return section | {"loader": "unavailable", "loader_unavailable_reason": loader_error}
    loader = figures.timing(made.rows, [load.seconds for load in loads]) | loader_counts(loads[-1])
    print(figures.figure_line(f"{feed}: ingest_feed", made.rows, loader), flush=True)
    headline = figures.compared(copy, copy_bare, loader)
    print(
        f"{feed}: loader / copy rows/s = {headline['ratio_loader_to_copy']:.3f} "
        f"(identical table, target >= {headline['target_ratio']}); loaded {loader['rows_loaded']:,}, "
        f"rejected {loader['rows_rejected']:,}",
        flush=True,
    )
    print(
        f"{feed}: loader / bare copy rows/s = {headline['ratio_loader_to_bare_copy']:.3f} "
        "(bare text table, no target)",
        flush=True,
    )
    return section | {"loader": loader} | headline


def loader_counts(load: LoaderRun) -> dict[str, int]:
    """What the loader did with the rows (the same every run: taken from the last one)."""
    return {"rows_read": load.rows_read, "rows_loaded": load.rows_loaded, "rows_rejected": load.rows_rejected}
