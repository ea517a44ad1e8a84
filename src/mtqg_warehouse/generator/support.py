"""The monthly support sheet: who received what, when, from which project and source.

The demo preset's targets (houses, electricity, training, jobs, adoption) are met exactly
per ward; untargeted types follow assumptions.yml rates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from mtqg_warehouse.generator.allocation import (
    quantities_summing_to,
    random_dates,
    round_to,
    split_exact,
)
from mtqg_warehouse.generator.config import assumptions
from mtqg_warehouse.generator.formats import dmy, vnd
from mtqg_warehouse.generator.population import Households
from mtqg_warehouse.generator.poverty import NEAR_POOR, NOT_POOR, POOR, YearStatus


@dataclass(frozen=True)
class SupportRow:
    day: dt.date
    values: list[object]  # contract order without row_no


def _row(
    hh: Households,
    i: int,
    kind: str,
    project: str,
    source: str,
    sponsor: str,
    amount: int,
    qty: int | str,
    unit: str,
    day: dt.date,
) -> SupportRow:
    return SupportRow(
        day, [hh.codes[i], kind, project, source, sponsor, vnd(int(amount)), qty, unit, dmy(day)]
    )


def _choose(rng: np.random.Generator, idx: np.ndarray, n: int, weights=None) -> np.ndarray:
    n = min(n, len(idx))
    if n == 0:
        return idx[:0]
    p = None if weights is None else weights / weights.sum()
    return np.sort(rng.choice(idx, size=n, replace=False, p=p))


def _houses(hh, ys, year, target, rng) -> list[SupportRow]:
    cfg = assumptions()
    n, total = target
    cand = np.flatnonzero(ys.status >= NEAR_POOR)
    chosen = _choose(rng, cand, n, 1.0 + 3.0 * ys.flags[cand, 6])
    units = split_exact(total // 100_000, rng.uniform(0.7, 1.3, len(chosen)), rng) * 100_000
    donors = cfg["sponsors"]["donors"]
    days = random_dates(year, len(chosen), rng)
    out = []
    for k, i in enumerate(chosen.tolist()):
        donor = donors[int(rng.integers(len(donors)))]
        project = "NGOAI-QASXH" if "Quỹ" in donor else "NGOAI-KHAC"
        out.append(_row(hh, i, "XAY_NHA", project, "HD", donor, units[k], 1, "căn", days[k]))
    return out


def _electricity(hh, ys, year, n, rng) -> list[SupportRow]:
    per_month = assumptions()["amounts"]["electricity_per_month"]
    chosen = _choose(rng, np.flatnonzero(ys.status == POOR), n)
    out = []
    for i in chosen.tolist():
        for quarter_end in (3, 6, 9, 12):
            day = dt.date(year, quarter_end, int(rng.integers(10, 28)))
            out.append(_row(hh, i, "TIEN_DIEN", "NGOAI-KHAC", "DP", "", 3 * per_month, 3, "tháng", day))
    return out


def _workers(hh, ys, year, total, kind, rng) -> list[SupportRow]:
    """Training places or job placements: quantities add up to exactly ``total``."""
    qty = quantities_summing_to(total, rng, 0.15)
    weights = np.select([ys.status == POOR, ys.status == NEAR_POOR, ys.newly_escaped], [5.0, 4.0, 3.0], 1.0)
    chosen = _choose(rng, np.arange(len(hh)), len(qty), weights)
    qty = qty[: len(chosen)]
    lo, hi = assumptions()["amounts"]["training_per_person"]
    cost = round_to(rng.uniform(lo, hi, len(chosen)), 10_000) * qty
    days = random_dates(year, len(chosen), rng)
    project, source = ("DA4-TDA1", "TW") if kind == "DAO_TAO_NGHE" else ("DA4-TDA3", "DP")
    out = []
    for k, i in enumerate(rng.permutation(chosen).tolist()):
        amount = int(cost[k]) if kind == "DAO_TAO_NGHE" else 0
        out.append(_row(hh, i, kind, project, source, "", amount, int(qty[k]), "người", days[k]))
    return out


def _adoption(hh, ys, year, n, rng) -> list[SupportRow]:
    cfg = assumptions()
    agencies = cfg["sponsors"]["agencies"]
    lo, hi = cfg["amounts"]["adoption_value"]
    chosen = _choose(rng, np.flatnonzero(ys.status == POOR), n)
    days = random_dates(year, len(chosen), rng, months=(2, 6))
    amounts = round_to(rng.uniform(lo, hi, len(chosen)), 100_000)
    return [
        _row(
            hh,
            i,
            "DO_DAU",
            "NGOAI-KHAC",
            "HD",
            agencies[int(rng.integers(len(agencies)))],
            amounts[k],
            1,
            "hộ",
            days[k],
        )
        for k, i in enumerate(chosen.tolist())
    ]


def _untargeted(hh, ys, year, rng) -> list[SupportRow]:
    """Tuition and livelihood support: realistic noise the article gives no figure for."""
    amounts = assumptions()["amounts"]
    out = []
    poorish = np.flatnonzero(ys.status != NOT_POOR)
    for kind, project, share, key in (
        ("HOC_PHI", "NGOAI-KHAC", 0.3, "tuition_value"),
        ("SINH_KE", "DA2", 0.06, "livelihood_value"),
    ):
        chosen = _choose(rng, poorish, int(len(poorish) * share))
        lo, hi = amounts[key]
        values = round_to(rng.uniform(lo, hi, len(chosen)), 50_000)
        days = random_dates(year, len(chosen), rng, months=(3, 11))
        for k, i in enumerate(chosen.tolist()):
            source = "TW" if kind == "SINH_KE" else "DP"
            out.append(_row(hh, i, kind, project, source, "", values[k], 1, "suất", days[k]))
    return out


def support_rows(hh: Households, ys: YearStatus, targets: dict, rng) -> list[SupportRow]:
    """All support rows of the ward for one year, sorted by date then household."""
    year = ys.year
    rows = _houses(hh, ys, year, (targets["houses"], targets["houses_amount"]), rng)
    rows += _electricity(hh, ys, year, targets["electricity_households"], rng)
    rows += _workers(hh, ys, year, targets["trained_workers"], "DAO_TAO_NGHE", rng)
    rows += _workers(hh, ys, year, targets["jobs"], "VIEC_LAM", rng)
    rows += _adoption(hh, ys, year, targets["adopted_households"], rng)
    rows += _untargeted(hh, ys, year, rng)
    rows.sort(key=lambda r: (r.day, r.values[0], r.values[1]))
    return rows
