"""Generator benchmark for ``make bench``: one year of events for N households."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from mtqg_warehouse.generator.config import RunConfig
from mtqg_warehouse.generator.run import generate


def run_bench(households: int, out: Path, workers: int = 2) -> dict:
    """Generate one year (preset none, with 1 % defects) and report seconds and rows/s."""
    if out.exists():
        shutil.rmtree(out)
    cfg = RunConfig(households, (2023,), seed=1, defect_rate=0.01, preset="none", out=out, workers=workers)
    started = time.perf_counter()
    summary = generate(cfg)
    seconds = time.perf_counter() - started
    rows = summary["rows_per_feed"]
    total = sum(rows.values())
    return {
        "generator_households": households,
        "generator_seconds": round(seconds, 2),
        "generator_rows_per_feed": rows,
        "generator_rows_per_second": round(total / seconds),
        "generator_workers": workers,
    }
