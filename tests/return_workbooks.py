"""Ward-return workbooks written for tests, laid out as the contract says (via the generator's
sheet builder): one household per row, with names and citizen IDs that must never be published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mtqg_warehouse.generator.formats import dmy, vnd
from mtqg_warehouse.generator.sheets import build_sheet, data_columns
from mtqg_warehouse.generator.xlsx_writer import workbook_bytes

POOR, NEAR_POOR, NOT_POOR = "Hộ nghèo", "Hộ cận nghèo", "Không nghèo"
UNCHANGED, ESCAPED, ESCAPED_NEAR = "Không đổi", "Thoát nghèo", "Thoát cận nghèo"
SECRET_NAME = "Trần Thị Bí Mật"
SECRET_ID = "095187654321"


def review_row(
    code: str, hamlet: str, income: int, deprived: int, classification: str, change: str, day: dt.date
) -> list[object]:
    flags = [name for name in data_columns("poverty_review") if name.startswith("is_deprived_")]
    values: dict[str, object] = {
        "household_code": code,
        "hamlet_code": hamlet,
        "hamlet_name": "Khóm 1",
        "head_name": SECRET_NAME,
        "head_national_id": SECRET_ID,
        "member_count": 4,
        "income_per_person_month_amount": vnd(income),
        "deprivation_count": deprived,
        "classification": classification,
        "status_change": change,
        "review_date": dmy(day),
        **{flag: int(index < deprived) for index, flag in enumerate(flags)},
    }
    return [values[name] for name in data_columns("poverty_review")]


def deliver_review(inbox: Path, ward: str, year: int, rows: list[list[object]], version: int = 1) -> str:
    suffix = f"_v{version}" if version > 1 else ""
    name = f"ra_soat_{ward}_{year}{suffix}.xlsx"
    sheet = build_sheet("poverty_review", ["ỦY BAN NHÂN DÂN", f"DANH SÁCH RÀ SOÁT NĂM {year}"], rows, set())
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_bytes(workbook_bytes([sheet]))
    return name
