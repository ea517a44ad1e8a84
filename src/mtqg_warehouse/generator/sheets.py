"""Ward-return workbooks laid out as the contract says: titles, header row 4, data, footer."""

from __future__ import annotations

from mtqg_warehouse.contracts.model import Table, load_contract
from mtqg_warehouse.generator.formats import vnd
from mtqg_warehouse.generator.xlsx_writer import Sheet

NUMERIC_TYPES = {"integer", "flag01"}


def table(name: str) -> Table:
    return load_contract("ward_returns").tables[name]


def data_columns(name: str) -> list[str]:
    """Contract columns without the running number, i.e. what the builders produce."""
    return [c for c in table(name).column_names if c != "row_no"]


def _footer(name: str, rows: list[list[object]], order: list[str]) -> list[object]:
    """Totals over the clean rows (defect copies are left out of the sums)."""
    cols = data_columns(name)
    footer: list[object] = [""] * len(order)
    footer[1] = "Tổng cộng"
    for field in ("member_count", "quantity", "amount", "allocated_amount", "disbursed_amount"):
        if field in cols and field in order:
            j = cols.index(field)
            if field in ("member_count", "quantity"):
                footer[order.index(field)] = sum(int(str(r[j] or 0)) for r in rows)
            else:
                footer[order.index(field)] = vnd(sum(int(str(r[j]).replace(".", "")) for r in rows))
    return footer


def build_sheet(
    name: str,
    titles: list[str],
    rows: list[list[object]],
    slow: set[int],
    order: list[str] | None = None,
    with_footer: bool = False,
) -> Sheet:
    """Prepend STT, reorder or drop columns (``order``: contract names incl. row_no)."""
    spec = table(name)
    order = order or spec.column_names
    cols = data_columns(name)
    pos = [None if c == "row_no" else cols.index(c) for c in order]
    laid = [[n if p is None else r[p] for p in pos] for n, r in enumerate(rows, start=1)]
    return Sheet(
        name=spec.sheet_vi or name,
        titles=titles,
        headers=[spec.column(c).header_vi for c in order],
        numeric=[spec.column(c).type in NUMERIC_TYPES for c in order],
        rows=laid,
        footer=_footer(name, [r for i, r in enumerate(rows) if i not in slow], order)
        if with_footer and rows
        else None,
        slow_rows=slow,
    )
