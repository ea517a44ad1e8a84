"""Deliveries that pass loading but must fail the GX gate, written from a generated city.

- a ward's review that shrank by half against its previous year's (its rows cut from the
  generated return, so every row is still a valid row);
- a bank file whose reported balance does not reconcile with its own events: a loan disbursed
  10,000,000 and repaid 2,000,000 whose outstanding balance is then reported as 9,000,000.
"""

from __future__ import annotations

import shutil
from pathlib import Path

WARD = "31813"  # the generated city's first ward
HALVED_REVIEW = f"ra_soat_{WARD}_2023.xlsx"
UNRECONCILED_BANK_FILE = "vbsp_954_20231230.csv"  # a daily file: its events are of that day
BANK_HEADER = Path(__file__).resolve().parents[1] / "fixtures" / "bank_header.csv"


def generate_two_years(out: Path, households: int = 300, seed: int = 11) -> Path:
    """Every feed for 2022 and 2023 of a small synthetic city, by the project's generator."""
    from mtqg_warehouse.generator.cli import main as generate

    generate(
        [
            *("--households", str(households), "--years", "2", "--start-year", "2022"),
            *("--preset", "none", "--seed", str(seed), "--defect-rate", "0", "--out", str(out)),
        ]
    )
    return out


def hold_back_review(inbox: Path, aside: Path) -> Path:
    """Move the ward's 2023 review out of the inbox; returns where it was put aside."""
    aside.mkdir(parents=True, exist_ok=True)
    held = aside / HALVED_REVIEW
    shutil.move(inbox / "ward_returns" / HALVED_REVIEW, held)
    return held


def deliver_halved_review(held: Path, inbox: Path) -> int:
    """The held-back return with its second half of households cut; returns the rows kept."""
    import openpyxl

    workbook = openpyxl.load_workbook(held)
    sheet = workbook.worksheets[0]  # the review sheet: a title block, a header row, then households
    first = next(row[0].row for row in sheet.iter_rows(min_col=1, max_col=1) if row[0].value == 1)
    households = sheet.max_row - first + 1
    cut = households - households // 2
    sheet.delete_rows(sheet.max_row - cut + 1, cut)
    workbook.save(inbox / "ward_returns" / HALVED_REVIEW)
    return households - cut


def deliver_unreconciled_bank_file(inbox: Path, household_code: str) -> None:
    """Two events of a new loan; the second's reported balance is 1,000,000 too high."""
    ward = household_code.split("-")[0]
    account = f"{ward}99999901"
    rows = [
        (f"GD{ward}99999901", "GN", "10.000.000", "10.000.000", "30/12/2023"),
        (f"GD{ward}99999902", "TN", "2.000.000", "9.000.000", "30/12/2023"),
    ]
    lines = [
        f"{transaction},{account},{household_code},095300000001,Lê Văn Tám,{ward},HN,HND,{ward}-HND-01,"
        f"{event},{amount},{date},{outstanding},0"
        for transaction, event, amount, outstanding, date in rows
    ]
    bank = inbox / "bank"
    bank.mkdir(parents=True, exist_ok=True)
    text = BANK_HEADER.read_text(encoding="utf-8") + "\n".join(lines) + "\n"
    (bank / UNRECONCILED_BANK_FILE).write_text(text, encoding="utf-8")
