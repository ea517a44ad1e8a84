"""Multi-year poverty histories: status first, then income and deprivations that fit it.

Drawing the status first lets the demo preset hit the article's exact transition counts
(108 escaping poverty, 300 escaping near-poverty in 2023) while income and the 12
indicators still obey the classification rules (poor = income <= line and >= 3 deprivations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mtqg_warehouse.generator.config import assumptions, poverty_line

NOT_POOR, NEAR_POOR, POOR = 0, 1, 2
CLASS_CODES = {NOT_POOR: "KHONG_NGHEO", NEAR_POOR: "CAN_NGHEO", POOR: "NGHEO"}
# change codes, index = value in YearStatus.change
CHANGES = ("KHONG_DOI", "THOAT_NGHEO", "THOAT_CAN_NGHEO", "TAI_NGHEO", "TAI_CAN_NGHEO", "PHAT_SINH_MOI")


@dataclass
class YearStatus:
    """One review year for a ward's households."""

    year: int
    status: np.ndarray  # 0/1/2
    change: np.ndarray  # index into CHANGES
    income: np.ndarray  # VND per person per month
    flags: np.ndarray  # (n, 12) 0/1
    newly_escaped: np.ndarray  # bool: escaped poverty or near-poverty in the last 3 years


def _pick(rng: np.random.Generator, idx: np.ndarray, count: int) -> np.ndarray:
    count = min(count, len(idx))
    return rng.choice(idx, size=count, replace=False) if count else idx[:0]


def _count(rng: np.random.Generator, n: int, rate: float, target: int | None) -> int:
    return int(target) if target is not None else int(rng.binomial(n, rate))


def transition(
    prev: np.ndarray, ever: np.ndarray, rng: np.random.Generator, targets: dict[str, int]
) -> np.ndarray:
    """Next year's status; ``targets`` fixes the escape counts (demo calibration)."""
    p = assumptions()["poverty"]
    new = prev.copy()
    poor, near = np.flatnonzero(prev == POOR), np.flatnonzero(prev == NEAR_POOR)
    esc_p = _pick(rng, poor, _count(rng, len(poor), p["escape_poor_rate"], targets.get("poor")))
    to_near = rng.random(len(esc_p)) < p["escape_poor_to_near_share"]
    new[esc_p] = np.where(to_near, NEAR_POOR, NOT_POOR)
    esc_n = _pick(rng, near, _count(rng, len(near), p["escape_near_rate"], targets.get("near")))
    new[esc_n] = NOT_POOR
    rest_near = np.setdiff1d(near, esc_n)
    new[_pick(rng, rest_near, int(rng.binomial(len(rest_near), p["near_to_poor_rate"])))] = POOR
    non = np.flatnonzero(prev == NOT_POOR)
    was = non[ever[non] > 0]
    never = non[ever[non] == 0]
    fall = _pick(rng, was, int(rng.binomial(len(was), p["fall_back_rate"])))
    new[fall] = ever[fall]  # back to the worst status ever held
    new[_pick(rng, never, int(rng.binomial(len(never), p["new_poor_rate"])))] = POOR
    never = never[new[never] == NOT_POOR]
    new[_pick(rng, never, int(rng.binomial(len(never), p["new_near_rate"])))] = NEAR_POOR
    return new


def change_codes(prev: np.ndarray, new: np.ndarray, ever_poor: np.ndarray, ever_near: np.ndarray):
    """Label transitions per seeds/poverty_status_changes.csv (rule column)."""
    change = np.zeros(len(new), dtype=np.int8)
    change[(prev == POOR) & (new != POOR)] = 1
    change[(prev == NEAR_POOR) & (new == NOT_POOR)] = 2
    worse = new > prev
    change[worse & (new == POOR) & ever_poor] = 3
    change[worse & (new == NEAR_POOR) & ever_near] = 4
    change[worse & (new == POOR) & ~ever_poor] = 5
    change[worse & (new == NEAR_POOR) & ~ever_near] = 5
    return change


def incomes_and_flags(status: np.ndarray, line: int, rng: np.random.Generator):
    """Income per head and 12 deprivation flags consistent with the classification rules."""
    p = assumptions()["poverty"]
    n = len(status)
    ratio = 1.0 + rng.lognormal(p["nonpoor_income_log_mean"], p["nonpoor_income_log_sigma"], n)
    ratio = np.where(status == POOR, rng.uniform(0.45, 1.0, n), ratio)
    ratio = np.where(status == NEAR_POOR, rng.uniform(0.6, 1.0, n), ratio)
    income = (np.floor(ratio * line / 1000) * 1000).astype(np.int64)
    income = np.where(status == NOT_POOR, np.maximum(income, line + 1000), np.minimum(income, line))
    lam = 1.5 * np.exp(-(income / line - 1.0))
    count = np.minimum(rng.poisson(lam), 12)
    count = np.where(status == POOR, 3 + rng.binomial(9, 0.15, n), count)
    count = np.where(status == NEAR_POOR, rng.choice(3, n, p=[0.3, 0.4, 0.3]), count)
    weights = np.array(p["deprivation_weights"])
    keys = rng.random((n, 12)) ** (1.0 / weights)  # weighted sampling without replacement
    ranks = np.argsort(np.argsort(-keys, axis=1), axis=1)
    flags = (ranks < count[:, None]).astype(np.int8)
    return income, flags


def base_status(n: int, area: str, rng: np.random.Generator) -> np.ndarray:
    p = assumptions()["poverty"]
    u = rng.random(n)
    poor, near = p["base_poor_share"][area], p["base_near_poor_share"][area]
    return np.where(u < poor, POOR, np.where(u < poor + near, NEAR_POOR, NOT_POOR)).astype(np.int8)


def histories(
    n: int, area: str, years: tuple[int, ...], rng: np.random.Generator, targets: dict[int, dict]
) -> list[YearStatus]:
    """Status per review year; the year before the first is latent (sets the first changes)."""
    prev = base_status(n, area, rng)
    ever = prev.copy()  # worst status ever held
    escaped_year = np.full(n, -100, dtype=np.int64)
    out = []
    for year in years:
        new = transition(prev, ever, rng, targets.get(year, {}))
        change = change_codes(prev, new, ever == POOR, ever >= NEAR_POOR)
        escaped_year[(change == 1) | (change == 2)] = year
        income, flags = incomes_and_flags(new, poverty_line(area, year), rng)
        newly = (year - escaped_year < 3) & (new == NOT_POOR) | ((change == 1) & (new == NEAR_POOR))
        out.append(YearStatus(year, new, change, income, flags, newly))
        ever = np.maximum(ever, new)
        prev = new
    return out
