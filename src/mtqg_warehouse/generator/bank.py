"""VBSP loan events: disbursement, quarterly interest, half-yearly principal, rare write-off.

Borrowers cluster in the poor and near-poor programmes (assumptions.yml bank.program_for);
loans are entrusted to one of the four mass organisations through a savings-and-loan group.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mtqg_warehouse.contracts.reference import seed_rows
from mtqg_warehouse.generator.config import assumptions
from mtqg_warehouse.generator.formats import dmy, vnd
from mtqg_warehouse.generator.population import Households
from mtqg_warehouse.generator.poverty import CLASS_CODES, NOT_POOR, YearStatus

ORGS = ("HND", "HPN", "CCB", "DTN")
ORG_WEIGHTS = np.array([0.35, 0.35, 0.2, 0.1])  # [assume]


def _rate_on(program: str, day: dt.date) -> float:
    """The program's interest rate under the terms in force on ``day``: terms change by decision
    (seeds/vbsp_programs.csv holds one row per version), so a 2023 loan never gets 2024 terms."""
    iso = day.isoformat()
    for row in seed_rows("vbsp_programs"):
        if row["program_code"] == program and row["valid_from"] <= iso <= (row["valid_to"] or "9999-12-31"):
            return float(row["interest_rate_pct_year"])
    raise LookupError(f"no terms of credit program {program} are in force on {iso}")


def _class_key(first: YearStatus, i: int) -> str:
    if first.status[i] == NOT_POOR and first.newly_escaped[i]:
        return "MTN"
    return CLASS_CODES[int(first.status[i])]


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    new = dt.date(day.year + y, m + 1, min(day.day, 28))
    return new + dt.timedelta(days=max(0, 7 - new.weekday()) if new.weekday() >= 5 else 0)


def _loan_events(start: dt.date, amount: int, term: int, rate: float, end: dt.date, rng):
    """(date, event, amount, outstanding, overdue) for one loan, clipped to [.., end]."""
    events = [(start, "GN", amount, amount, 0)]
    balance, overdue = amount, 0
    step = max(amount // (term // 6), 1_000)
    cfg = assumptions()["bank"]
    for q in range(1, term // 3 + 1):
        day = _add_months(start, 3 * q)
        if day > end or balance <= 0:
            break
        overdue = overdue or int(rng.random() < cfg["overdue_rate"])
        interest = int(round(balance * rate / 100 / 4, -3))
        events.append((day, "TL", interest, balance, overdue))
        if rng.random() < cfg["write_off_rate"]:
            events.append((day, "XN", balance, 0, 0))
            break
        if q % 2 == 0:
            paid = min(step, balance)
            balance -= paid
            events.append((day, "TN", paid, balance, overdue))
    return events


def loan_rows(hh: Households, first: YearStatus, years: tuple[int, ...], rng):
    """(date, row) pairs in the bank contract's column order for one ward."""
    cfg = assumptions()["bank"]
    shares = assumptions()["rates"]["borrower_share"]
    begin, end = dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)
    out = []
    seq = 0
    for i in range(len(hh)):
        key = _class_key(first, i)
        if rng.random() >= shares[key]:
            continue
        program = cfg["program_for"][key][int(rng.integers(len(cfg["program_for"][key])))]
        lo, hi = cfg["loan_amount"][program]
        amount = int(rng.integers(lo // 1_000_000, hi // 1_000_000 + 1)) * 1_000_000
        start = _add_months(begin + dt.timedelta(days=int(rng.integers(-900, (end - begin).days))), 0)
        org = ORGS[int(rng.choice(4, p=ORG_WEIGHTS))]
        account = f"{hh.ward.code}{hh.offset + i:07d}{seq % 10}"
        group = f"{hh.ward.code}-{org}-{int(hh.hamlet_idx[i]) + 1:02d}"
        events = _loan_events(
            start, amount, int(rng.choice([36, 48, 60])), _rate_on(program, start), end, rng
        )
        for day, event, value, balance, overdue in events:
            if day < begin:
                continue
            seq += 1
            txid = f"GD{hh.ward.code}{seq:08d}"
            out.append(
                (
                    day,
                    [
                        txid,
                        account,
                        hh.codes[i],
                        hh.head_ids[i],
                        hh.head_names[i],
                        hh.ward.code,
                        program,
                        org,
                        group,
                        event,
                        vnd(value),
                        dmy(day),
                        vnd(balance),
                        str(overdue),
                    ],
                )
            )
    return out
