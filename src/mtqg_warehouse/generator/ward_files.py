"""Writes a ward's workbooks, applying the row- and file-level defects planned for them.

Names come from contracts/ward_returns.yml (generator/names.py): ra_soat_<ward>_<yyyy>.xlsx
and bao_cao_<ward>_<yyyymm>.xlsx; a corrected or re-delivered file carries _v2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mtqg_warehouse.generator import names
from mtqg_warehouse.generator.config import Ward
from mtqg_warehouse.generator.defects import Defect, inject_rows
from mtqg_warehouse.generator.formats import vnd
from mtqg_warehouse.generator.sheets import build_sheet, data_columns, table
from mtqg_warehouse.generator.xlsx_writer import workbook_bytes

HEADER_ROW = 4
V1_KINDS = ("empty_file", "truncated_file", "missing_required_column", "superseded_by_resubmission")
INCOME = "income_per_person_month_amount"
ROW_KINDS: dict[str, dict[str, str]] = {
    "poverty_review": {
        "invalid_date": "review_date",
        "malformed_date": "review_date",
        "unknown_hamlet_code": "hamlet_code",
        "duplicate_row": "household_code",
        "conflicting_duplicate": "member_count",
        "invalid_cccd": "head_national_id",
        "negative_amount": INCOME,
        "absurd_amount": INCOME,
        "wrong_locale_number": INCOME,
        "nfd_text": "head_name",
        "tcvn3_text": "head_name",
        "vni_text": "head_name",
    },
    "support": {
        "invalid_date": "support_date",
        "malformed_date": "support_date",
        "duplicate_row": "household_code",
        "conflicting_duplicate": "amount",
        "negative_amount": "amount",
        "absurd_amount": "amount",
        "wrong_locale_number": "amount",
        "nfd_text": "unit",
        "tcvn3_text": "unit",
    },
    "funds": {
        "duplicate_row": "project_code",
        "conflicting_duplicate": "disbursed_amount",
        "negative_amount": "disbursed_amount",
        "absurd_amount": "allocated_amount",
        "wrong_locale_number": "disbursed_amount",
        "nfd_text": "project_name",
        "tcvn3_text": "project_name",
    },
}
MONEY = {"poverty_review": INCOME, "support": "amount", "funds": "disbursed_amount"}


def _scale_money(value: object, factor: float) -> str:
    return vnd(int(round(int(str(value).replace(".", "")) * factor, -3)))


def _conflict(name: str):
    """A second report of the same key with different values."""
    cols = data_columns(name)
    money = cols.index(MONEY[name])

    def change(row: list[object]) -> list[object]:
        row[money] = _scale_money(row[money], 1.2) if row[money] != "0" else vnd(150_000)
        if name == "poverty_review":
            row[cols.index("member_count")] = int(str(row[cols.index("member_count")])) + 1
        return row

    return change


class WardFileWriter:
    """Collects defects and row counts while writing one ward's workbooks."""

    def __init__(self, ward: Ward, out: Path, rate: float, plan: dict[str, str], rng) -> None:
        self.ward, self.dir, self.rate, self.plan, self.rng = ward, out, rate, plan, rng
        self.defects: list[Defect] = []
        self.files: dict[str, int] = {}
        self.dir.mkdir(parents=True, exist_ok=True)

    def write_review(self, year: int, rows: list[list[object]]) -> None:
        titles = [
            f"ỦY BAN NHÂN DÂN {self.ward.name.upper()}",
            f"DANH SÁCH RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM {year}",
        ]
        self._emit(names.review(self.ward.code, year), [("poverty_review", titles, rows)])

    def write_months(self, year: int, support_rows: list, fund_months: dict[int, list]) -> None:
        by_month: dict[int, list] = {m: [] for m in range(1, 13)}
        for r in support_rows:
            by_month[r.day.month].append(r.values)
        unit = f"ỦY BAN NHÂN DÂN {self.ward.name.upper()}"
        for m in range(1, 13):
            tables = [
                ("support", [unit, f"BÁO CÁO KẾT QUẢ HỖ TRỢ THÁNG {m:02d}/{year}"], by_month[m]),
                ("funds", [unit, f"BÁO CÁO PHÂN BỔ, GIẢI NGÂN VỐN THÁNG {m:02d}/{year}"], fund_months[m]),
            ]
            self._emit(names.monthly_report(self.ward.code, year, m), tables)

    def _order(self, name: str, kind: str | None) -> list[str]:
        cols = table(name).column_names
        if kind != "reordered_columns":
            return cols
        rest = cols[1:]
        return [cols[0], *[rest[i] for i in self.rng.permutation(len(rest))]]

    def _emit(self, first: str, tables: list) -> None:
        """Write the workbook named ``first`` (its first version) or, when a defect spoils the
        first version, both it and the correction that supersedes it."""
        kind = self.plan.get(first)
        correction = names.corrected("ward_returns", first)
        final = correction if kind in V1_KINDS else first
        sheets = []
        footer = bool(self.rng.random() < 0.5)
        for name, titles, rows in tables:
            out, marks = inject_rows(
                rows, data_columns(name), ROW_KINDS[name], self.rate, self.rng, _conflict(name)
            )
            order = self._order(name, kind)
            sheets.append(build_sheet(name, titles, out, set(marks), order, footer))
            sheet = table(name).sheet_vi or name
            for idx, (field, dkind, value) in sorted(marks.items()):
                self.defects.append(Defect(final, sheet, HEADER_ROW + 1 + idx, field, dkind, value))
            if kind == "reordered_columns":
                self.defects.append(Defect(final, sheet, None, "", kind, "|".join(order)))
            self.files[f"{final}#{sheet}"] = len(out)
        data = workbook_bytes(sheets)
        (self.dir / final).write_bytes(data)
        if kind in V1_KINDS:
            self._write_v1(first, correction, kind, tables)
        elif kind == "redelivered_file":
            (self.dir / correction).write_bytes(data)
            self.defects.append(Defect(correction, "", None, "", kind, final))

    def _write_v1(self, name: str, correction: str, kind: str, tables: list) -> None:
        """The superseded first version: empty, cut short, missing a column, or wrong."""
        field, sheet = "", ""
        sheets = []
        for tname, titles, rows in tables:
            order = table(tname).column_names
            if kind == "missing_required_column":
                field, sheet = data_columns(tname)[0], table(tname).sheet_vi or tname
                order = [c for c in order if c != field]
            if kind == "superseded_by_resubmission":
                rows = self._wrong(tname, rows)
            sheets.append(build_sheet(tname, titles, rows, set(), order))
        data = workbook_bytes(sheets)
        if kind == "empty_file":
            data = b""
        elif kind == "truncated_file":
            data = data[: int(len(data) * 0.6)]
        (self.dir / name).write_bytes(data)
        self.defects.append(Defect(name, sheet, None, field, kind, correction))

    @staticmethod
    def _wrong(tname: str, rows: list) -> list:
        j = data_columns(tname).index(MONEY[tname])
        wrong = [list(r) for r in rows[: max(len(rows) - 3, 0)]]
        for r in wrong[::10]:
            r[j] = _scale_money(r[j], 0.9)
        return wrong


__all__ = ["WardFileWriter", "ROW_KINDS", "np"]
