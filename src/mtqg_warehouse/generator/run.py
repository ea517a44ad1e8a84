"""Orchestrates a generator run: targets, parallel ward jobs, CSV feeds, manifest, summary."""

from __future__ import annotations

import csv
import json
import logging
import multiprocessing as mp
import time
from pathlib import Path

import numpy as np

from mtqg_warehouse.generator import csv_feeds, names
from mtqg_warehouse.generator.allocation import split_exact
from mtqg_warehouse.generator.config import RunConfig, assumptions, wards
from mtqg_warehouse.generator.defects import plan_files
from mtqg_warehouse.generator.ward_job import WardJob, WardResult, run_ward

log = logging.getLogger(__name__)
TARGET_KEYS = (
    "escaped_poverty",
    "escaped_near_poverty",
    "insurance_cards",
    "sponsored_cards",
    "electricity_households",
    "houses",
    "houses_amount",
    "trained_workers",
    "jobs",
    "social_fund_amount",
    "adopted_households",
)


def _rate_targets(count: int, rng: np.random.Generator) -> dict[str, int]:
    """Untargeted years: per-household rates from assumptions.yml, +-10 %."""
    rates = assumptions()["rates"]
    factor = rng.uniform(0.9, 1.1)
    t = {k: int(round(count * rates[k] * factor)) for k in TARGET_KEYS if k in rates}
    t["houses_amount"] = t["houses"] * rates["house_value_mean"] // 100_000 * 100_000
    t["social_fund_amount"] = t["social_fund_amount"] // 1000 * 1000
    return t


def ward_targets(cfg: RunConfig, counts: np.ndarray) -> list[dict[int, dict[str, int]]]:
    """Per ward, per year: the exact figures each ward must produce."""
    rng = np.random.default_rng([cfg.seed, 999])
    ws = wards()
    weights = counts * np.array([2.5 if w.area_type == "rural" else 1.0 for w in ws])
    out: list[dict[int, dict[str, int]]] = [{} for _ in ws]
    demo = assumptions()["demo"]
    for year in cfg.years:
        per_ward = [_rate_targets(int(c), rng) for c in counts]
        if cfg.calibrated and year == demo["calibration_year"]:
            for key, total in demo["targets"].items():
                step = 100_000 if key == "houses_amount" else 1000 if "amount" in key else 1
                parts = split_exact(total // step, weights, rng) * step
                for i, part in enumerate(parts.tolist()):
                    per_ward[i][key] = part
        for i, t in enumerate(per_ward):
            out[i][year] = t
    return out


def _ward_plans(cfg: RunConfig) -> list[dict[str, str]]:
    by_ward = {w.code: _ward_file_names(w.code, cfg.years) for w in wards()}
    every = [name for ward_names in by_ward.values() for name in ward_names]
    plan = plan_files(every, cfg.defect_rate, np.random.default_rng([cfg.seed, 998]))
    return [{n: plan[n] for n in by_ward[w.code] if n in plan} for w in wards()]


def _ward_file_names(ward_code: str, years) -> list[str]:
    """A ward's first-version workbooks, year by year: the review, then the twelve months."""
    out = []
    for y in years:
        out.append(names.review(ward_code, y))
        out += [names.monthly_report(ward_code, y, m) for m in range(1, 13)]
    return out


def _run_jobs(jobs: list[WardJob], workers: int) -> list[WardResult]:
    if workers <= 1:
        return [run_ward(j) for j in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].households)
    with mp.get_context("fork").Pool(workers) as pool:
        done = pool.map(run_ward, [jobs[i] for i in order], chunksize=1)
    result: list[WardResult | None] = [None] * len(jobs)
    for i, r in zip(order, done, strict=True):
        result[i] = r
    return [r for r in result if r is not None]


def generate(cfg: RunConfig) -> dict:
    """Write every feed under cfg.out; returns the summary also saved as summary.json."""
    started = time.perf_counter()
    ws = wards()
    shares = np.array(list(assumptions()["ward_shares"].values()))
    counts = split_exact(cfg.households, shares, np.random.default_rng([cfg.seed, 997]))
    targets, plans = ward_targets(cfg, counts), _ward_plans(cfg)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    jobs = [
        WardJob(
            w,
            int(counts[i]),
            int(offsets[i]),
            cfg.years,
            cfg.seed,
            cfg.defect_rate,
            targets[i],
            plans[i],
            cfg.out / "ward_returns",
        )
        for i, w in enumerate(ws)
    ]
    results = _run_jobs(jobs, cfg.workers)
    wards_done = time.perf_counter()
    rng = np.random.default_rng([cfg.seed, 996])
    bank_files = csv_feeds.group_rows([p for r in results for p in r.loans], names.bank_day)
    card_files = csv_feeds.group_rows([p for r in results for p in r.cards], names.card_month)
    style_rng = np.random.default_rng([cfg.seed, 995])  # its own: a plain style draws nothing
    bank_def, bank_counts = csv_feeds.write_feed(
        "bank", cfg.out, bank_files, cfg.defect_rate, rng, True, cfg.csv_style, style_rng
    )
    card_def, card_counts = csv_feeds.write_feed(
        "insurance", cfg.out, card_files, cfg.defect_rate, rng, False, cfg.csv_style, style_rng
    )
    defects = [d for r in results for d in r.defects] + bank_def + card_def
    _write_manifest(cfg.out, defects)
    summary = _summary(cfg, results, bank_counts, card_counts, len(defects))
    summary["seconds"] = {
        "wards": round(wards_done - started, 2),
        "total": round(time.perf_counter() - started, 2),
    }
    (cfg.out / "manifest" / "summary.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return summary


def _write_manifest(out: Path, defects: list) -> None:
    folder = out / "manifest"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "defects.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "sheet", "row", "field", "kind", "detail"])
        for d in sorted(defects, key=lambda d: (d.file, d.sheet, d.row or 0, d.kind)):
            writer.writerow(d.as_row())


def _summary(cfg: RunConfig, results: list[WardResult], bank: dict, cards: dict, n_def: int):
    """Counts per file and clean calibration figures per year (seconds are added after)."""
    calib: dict[str, dict[str, int]] = {}
    for year in cfg.years:
        calib[str(year)] = {k: sum(r.tallies[year][k] for r in results) for k in TARGET_KEYS}
    files = {f"ward_returns/{k}": v for r in results for k, v in r.files.items()}
    files |= {f"bank/{k}": v for k, v in bank.items()}
    files |= {f"insurance/{k}": v for k, v in cards.items()}
    rows = {
        "ward_returns": sum(v for k, v in files.items() if k.startswith("ward")),
        "bank": sum(bank.values()),
        "insurance": sum(cards.values()),
    }
    return {
        "households": cfg.households,
        "years": list(cfg.years),
        "seed": cfg.seed,
        "preset": cfg.preset,
        "defect_rate": cfg.defect_rate,
        "defects": n_def,
        "calibration": calib,
        "rows_per_feed": rows,
        "files": dict(sorted(files.items())),
    }
