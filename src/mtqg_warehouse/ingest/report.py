"""The rejection report a ward officer or the sending agency can act on, beside the archived file."""

from __future__ import annotations

import csv
from pathlib import Path

import psycopg

REPORT_COLUMNS = ["row", "sheet", "field", "value_as_sent", "what_is_wrong", "detail", "how_to_fix"]


def write_rejection_report(conn: psycopg.Connection, load_id: int, archived: Path) -> Path | None:
    rows = conn.execute(
        """select row_number, sheet, field, value_as_sent, coalesce(reason_vi, reason), reason, fix_hint
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
        writer.writerows(rows)
    return target
