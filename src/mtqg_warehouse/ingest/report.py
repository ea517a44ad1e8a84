"""The rejection report a ward officer or the sending agency can act on, beside the archived file.

The report is opened in Excel on ward office PCs, so no cell may start a formula: a cell
starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe (OWASP's
advice on CSV injection), which Excel shows as text. It is written after the load commits and
the file is archived, so it is written atomically (a temporary file in the same folder,
fsync, rename) and, if a run died before writing it, rebuilt from ops.rejected_rows at the
start of the feed's next run (``restore_missing_reports``).
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

import psycopg

from mtqg_warehouse.config import archive_dir
from mtqg_warehouse.contracts.model import FeedContract

log = logging.getLogger(__name__)

REPORT_COLUMNS = ["row", "sheet", "field", "value_as_sent", "what_is_wrong", "how_to_fix", "detail_en"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SUFFIX = ".rejections.csv"


def write_rejection_report(
    conn: psycopg.Connection, load_id: int, archived: Path, contract: FeedContract
) -> Path | None:
    """In Vietnamese for the sender (fields under the headers they typed), with English column
    names and the English reason last for the data team."""
    headers = {c.name: c.header_vi for table in contract.tables.values() for c in table.columns}
    rows = conn.execute(
        """select row_number, sheet, field, value_as_sent, coalesce(reason_vi, reason), fix_hint, reason
           from ops.rejected_rows where load_id = %s order by sheet nulls first, row_number, field""",
        [load_id],
    ).fetchall()
    if not rows:
        return None
    target = report_path(archived)
    partial = target.with_name(f".{target.name}.partial")
    # utf-8-sig so that Excel on a ward office PC shows the Vietnamese text correctly
    with open(partial, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for row_number, sheet, field, *rest in rows:
            shown = ", ".join(headers.get(name, name) for name in (field or "").split(", ") if name)
            writer.writerow([row_number, *(safe_cell(cell) for cell in (sheet, shown, *rest))])
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, target)
    _sync_folder(target.parent)
    return target


def safe_cell(value: object) -> object:
    """A cell Excel will show as text, never run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def report_path(archived: Path) -> Path:
    return archived.with_name(archived.name + SUFFIX)


def restore_missing_reports(conn: psycopg.Connection, contract: FeedContract) -> list[Path]:
    """Reports of this feed's archived loads that have rejections but no report (a run killed
    between archiving and writing it), rebuilt from ops.rejected_rows. One query and one
    stat per such load; loads whose archived file is gone are left alone."""
    loads = conn.execute(
        """select load_id, sha256, source_file from ops.load_audit
           where feed = %s and status = 'loaded' and rows_rejected > 0 order by load_id""",
        [contract.feed],
    ).fetchall()
    restored = []
    folder = archive_dir() / contract.feed
    for load_id, sha256, source_file in loads:
        archived = folder / f"{sha256[:12]}_{source_file}"  # as files.archive names it
        report = report_path(archived)
        if archived.exists() and (not report.exists() or report.stat().st_size == 0):
            log.warning("rebuilding the missing rejection report of load %s (%s)", load_id, source_file)
            written = write_rejection_report(conn, load_id, archived, contract)
            restored += [written] if written else []
    return restored


def _sync_folder(folder: Path) -> None:
    """The rename itself reaches the disk only when the folder is synced."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
