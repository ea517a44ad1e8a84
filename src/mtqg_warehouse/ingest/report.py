"""The rejection report a ward officer or the sending agency can act on, beside the archived file."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg

from mtqg_warehouse.contracts.model import FeedContract

REPORT_COLUMNS = ["row", "sheet", "field", "value_as_sent", "what_is_wrong", "how_to_fix", "detail_en"]


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
    target = archived.with_name(archived.name + ".rejections.csv")
    # utf-8-sig so that Excel on a ward office PC shows the Vietnamese text correctly
    with open(target, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for row_number, sheet, field, *rest in rows:
            shown = ", ".join(headers.get(name, name) for name in (field or "").split(", ") if name)
            writer.writerow([row_number, sheet, shown, *rest])
    return target
