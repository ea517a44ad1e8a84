"""Health-insurance cards for members of poor, near-poor and newly escaped households.

A card is per person, so an exact card count is met by taking households in random order and,
for the last one, only some of its members. Sponsored cards (xã hội hóa) go to low-income
households outside the lists, with the donor named and a 0 % state share.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from mtqg_warehouse.generator.allocation import random_dates
from mtqg_warehouse.generator.config import assumptions, benefit_level, poverty_line, province_code
from mtqg_warehouse.generator.formats import dmy
from mtqg_warehouse.generator.population import Households, cccd_numbers, person_names
from mtqg_warehouse.generator.poverty import NOT_POOR, POOR, YearStatus


def _members(hh: Households, order: np.ndarray, count: int) -> list[tuple[int, int]]:
    """(household, member) pairs, households in ``order``, exactly ``count`` of them."""
    out: list[tuple[int, int]] = []
    for i in order.tolist():
        for k in range(int(hh.members[i])):
            if len(out) == count:
                return out
            out.append((i, k))
    return out


def _card_rows(hh, pairs, groups, sponsors, year, rng) -> list[tuple[dt.date, list[str]]]:
    shares = assumptions()["insurance"]["state_share_pct"]
    female = rng.random(len(pairs)) < 0.5
    names = person_names(rng, female)
    serial = np.array([(hh.offset + i) * 8 + k for i, k in pairs], dtype=np.int64)
    ids = cccd_numbers(rng, female, serial + 3_000_000)
    days = random_dates(year, len(pairs), rng)
    rows = []
    for n, (i, k) in enumerate(pairs):
        group = groups[n]
        province = province_code(hh.ward.code, year)
        number = f"{group}{benefit_level(group, year)}{province}{province}{int(serial[n]):08d}"
        start = days[n]
        end = dt.date(start.year + 1, start.month, 1) - dt.timedelta(days=1)
        holder_id, holder = (hh.head_ids[i], hh.head_names[i]) if k == 0 else (ids[n], names[n])
        share = str(shares.get(group, 0))
        rows.append(
            (
                start,
                [
                    number,
                    holder_id,
                    holder,
                    hh.codes[i],
                    hh.ward.code,
                    group,
                    dmy(start),
                    dmy(end),
                    share,
                    sponsors[n],
                    dmy(start),
                ],
            )
        )
    return rows


def card_rows(hh: Households, ys: YearStatus, cards: int, sponsored: int, rng):
    """(validity start, row) pairs in the insurance contract's column order, for one ward and year."""
    eligible = np.flatnonzero((ys.status != NOT_POOR) | ys.newly_escaped)
    pairs = _members(hh, rng.permutation(eligible), cards)
    groups = ["HN" if ys.status[i] == POOR else "CN" for i, _ in pairs]
    line = poverty_line(hh.ward.area_type, ys.year)
    low = np.flatnonzero((ys.status == NOT_POOR) & ~ys.newly_escaped & (ys.income < 1.5 * line))
    extra = _members(hh, rng.permutation(low), sponsored)
    donors = assumptions()["sponsors"]["donors"]
    sponsors = [""] * len(pairs) + [donors[int(d)] for d in rng.integers(0, len(donors), len(extra))]
    rows = _card_rows(hh, pairs + extra, groups + ["GD"] * len(extra), sponsors, ys.year, rng)
    return rows
