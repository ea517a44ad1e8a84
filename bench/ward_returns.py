"""Ward returns at province scale: the poverty-review workbooks through ``ingest_feed``, and the
two xlsx readers the loader could use, side by side on the same workbooks.

The readers are timed bare (every row of the review sheet as Python values, no checks), so the
gap between them and the loader shows what the loader's own work costs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import figures
from bench.base import Manifest, usable_files
from bench.server import BenchServer
from bench.timed import LoaderRun, time_loader
from mtqg_warehouse.contracts.model import load_contract

log = logging.getLogger(__name__)

REVIEW_TABLE = "poverty_review"


def review_workbooks(generated: Path, manifest: Manifest) -> list[Path]:
    """The complete poverty-review workbooks the generator wrote (one per ward), told apart
    by the kind their contract file name gives them."""
    contract = load_contract("ward_returns")
    kind = contract.tables[REVIEW_TABLE].workbook_kind
    files = [
        path
        for path in usable_files(generated / "ward_returns", "*.xlsx", manifest)
        if contract.file_names.kind_of(path.name) == kind
    ]
    if not files:
        raise RuntimeError(f"the generator wrote no poverty-review workbooks under {generated}")
    return files


def describe(workbooks: list[Path], households: int) -> dict[str, Any]:
    return {
        "households": households,
        "workbooks": len(workbooks),
        "bytes": sum(p.stat().st_size for p in workbooks),
    }


def measure_loader(server: BenchServer, workbooks: list[Path], runs: int, work: Path) -> dict[str, Any]:
    """Median of ``runs`` loads of every workbook; rows/s counts the rows the loader read."""
    loads: list[LoaderRun] = []
    for run in range(1, runs + 1):
        loads.append(time_loader(server, "ward_returns", workbooks, work / f"ward_returns_loader_{run}"))
        log.info("ward_returns run %d: ingest_feed %.2f s", run, loads[-1].seconds)
    last = loads[-1]
    figure = figures.timing(last.rows_read, [load.seconds for load in loads])
    figure |= {
        "rows_read": last.rows_read,
        "rows_loaded": last.rows_loaded,
        "rows_rejected": last.rows_rejected,
    }
    print(figures.figure_line("ward_returns: ingest_feed", last.rows_read, figure), flush=True)
    return figure | {"files_loaded": last.files_loaded, "runs": runs}


def measure_readers(workbooks: list[Path], runs: int) -> dict[str, Any]:
    """python-calamine against openpyxl (read_only, values_only) over the same review sheets."""
    sheet = load_contract("ward_returns").tables[REVIEW_TABLE].sheet_vi
    assert sheet is not None
    result: dict[str, Any] = {"workbooks": len(workbooks), "sheet": sheet, "runs": runs}
    for name, reader in (("calamine", calamine_rows), ("openpyxl", openpyxl_rows)):
        seconds, rows = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            rows = sum(reader(path, sheet) for path in workbooks)
            seconds.append(time.perf_counter() - started)
        result[name] = figures.timing(rows, seconds) | {"rows": rows}
        print(figures.figure_line(f"xlsx reader: {name}", rows, result[name]), flush=True)
    result["calamine_speedup"] = figures.ratio(
        result["calamine"]["rows_per_s"], result["openpyxl"]["rows_per_s"]
    )
    return result


def calamine_rows(path: Path, sheet: str) -> int:
    """Rows of one sheet through python-calamine, every row materialised as Python values."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return _count(workbook.get_sheet_by_name(sheet).iter_rows())
    finally:
        workbook.close()


def openpyxl_rows(path: Path, sheet: str) -> int:
    """Rows of one sheet through openpyxl's streaming reader."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        return _count(workbook[sheet].iter_rows(values_only=True))
    finally:
        workbook.close()


def _count(rows: Any, touch: Callable[[Any], Any] = len) -> int:
    """Count rows, touching each so a lazy reader cannot skip the work."""
    count = 0
    for row in rows:
        touch(row)
        count += 1
    return count
