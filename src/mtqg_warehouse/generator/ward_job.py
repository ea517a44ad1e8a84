"""Everything one ward produces: its households, its workbooks, its cards and loan events.

Runs in a worker process; returns the rows the city-wide CSV feeds need, the defects it wrote
and the clean tallies the summary reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mtqg_warehouse.generator import bank, funds, insurance, poverty, support
from mtqg_warehouse.generator.config import Ward, value_vi
from mtqg_warehouse.generator.defects import Defect
from mtqg_warehouse.generator.formats import dmy, vnd
from mtqg_warehouse.generator.population import Households, make_households
from mtqg_warehouse.generator.ward_files import WardFileWriter


@dataclass
class WardJob:
    ward: Ward
    households: int
    offset: int
    years: tuple[int, ...]
    seed: int
    defect_rate: float
    targets: dict[int, dict[str, int]]
    file_plan: dict[str, str]
    out: Path


@dataclass
class WardResult:
    ward_code: str
    cards: list = field(default_factory=list)  # (date, row)
    loans: list = field(default_factory=list)  # (date, row)
    defects: list[Defect] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)  # file -> data rows
    tallies: dict[int, dict[str, int]] = field(default_factory=dict)


def review_rows(hh: Households, ys: poverty.YearStatus, rng) -> list[list[object]]:
    """Poverty-review rows in contract order (without STT)."""
    cls = value_vi("poverty_classifications", "classification_code")
    chg = value_vi("poverty_status_changes", "status_change_code")
    cls_vi = [cls[poverty.CLASS_CODES[s]] for s in range(3)]
    chg_vi = [chg[c] for c in poverty.CHANGES]
    start = dt.date(ys.year, 9, 1)
    days = [dmy(start + dt.timedelta(days=d)) for d in range(91)]
    day_idx = rng.integers(0, 91, len(hh)).tolist()
    hamlets = hh.ward.hamlets
    flags = ys.flags.tolist()
    rows = []
    for i, (code, h, m, inc, st, ch) in enumerate(
        zip(
            hh.codes,
            hh.hamlet_idx.tolist(),
            hh.members.tolist(),
            ys.income.tolist(),
            ys.status.tolist(),
            ys.change.tolist(),
            strict=True,
        )
    ):
        f = flags[i]
        rows.append(
            [
                code,
                hamlets[h][0],
                hamlets[h][1],
                hh.head_names[i],
                hh.head_ids[i],
                m,
                vnd(inc),
                *f,
                sum(f),
                cls_vi[st],
                chg_vi[ch],
                days[day_idx[i]],
            ]
        )
    return rows


def _tally(ys: poverty.YearStatus, sup: list, cards: list) -> dict[str, int]:
    """Clean figures for summary.json, the same definitions the tests read back from files."""
    t = {"escaped_poverty": int((ys.change == 1).sum()), "escaped_near_poverty": int((ys.change == 2).sum())}
    by_type: dict[str, list] = {}
    for r in sup:
        by_type.setdefault(r.values[1], []).append(r.values)
    get = by_type.get
    t["houses"] = sum(int(v[6]) for v in get("XAY_NHA", []))
    t["houses_amount"] = sum(int(v[5].replace(".", "")) for v in get("XAY_NHA", []))
    t["electricity_households"] = len({v[0] for v in get("TIEN_DIEN", [])})
    t["trained_workers"] = sum(int(v[6]) for v in get("DAO_TAO_NGHE", []))
    t["jobs"] = sum(int(v[6]) for v in get("VIEC_LAM", []))
    t["adopted_households"] = len({v[0] for v in get("DO_DAU", [])})
    t["insurance_cards"] = sum(1 for _, r in cards if not r[9])
    t["sponsored_cards"] = sum(1 for _, r in cards if r[9])
    return t


def run_ward(job: WardJob) -> WardResult:
    """Build and write one ward's files for every year."""
    streams = [np.random.default_rng([job.seed, job.ward.index, k]) for k in range(6)]
    hh = make_households(job.ward, job.households, job.offset, streams[0])
    esc = {
        y: {"poor": t.get("escaped_poverty"), "near": t.get("escaped_near_poverty")}
        for y, t in job.targets.items()
    }
    esc = {y: {k: v for k, v in t.items() if v is not None} for y, t in esc.items()}
    years = poverty.histories(len(hh), job.ward.area_type, job.years, streams[1], esc)
    writer = WardFileWriter(job.ward, job.out, job.defect_rate, job.file_plan, streams[5])
    result = WardResult(job.ward.code)
    for ys in years:
        tgt = job.targets[ys.year]
        writer.write_review(ys.year, review_rows(hh, ys, streams[2]))
        sup = support.support_rows(hh, ys, tgt, streams[3])
        months = funds.fund_rows(len(hh), tgt["social_fund_amount"], streams[3])
        social = sum(int(r[3].replace(".", "")) for m in months.values() for r in m if r[2] == "HD")
        writer.write_months(ys.year, sup, months)
        cards = insurance.card_rows(hh, ys, tgt["insurance_cards"], tgt["sponsored_cards"], streams[4])
        result.cards += cards
        result.tallies[ys.year] = _tally(ys, sup, cards) | {"social_fund_amount": social}
    result.loans = bank.loan_rows(hh, years[0], job.years, streams[4])
    result.defects, result.files = writer.defects, writer.files
    return result


__all__ = ["WardJob", "WardResult", "run_ward", "vnd"]
