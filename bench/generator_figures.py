"""The generator's own benchmark, if the generator is installed in this tree."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any

GENERATOR_BENCH = "bench.generator_run"


def measure(households: int, out: Path) -> dict[str, Any]:
    """``run_bench`` figures as it reports them; raises ImportError when the module is missing.

    Imported here, not at the top, so a tree without the generator still benches its loaders.
    """
    module = importlib.import_module(GENERATOR_BENCH)
    try:
        result: dict[str, Any] = module.run_bench(households=households, out=out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    seconds = result.get("generator_seconds")
    rate = result.get("generator_rows_per_second")
    print(f"{'generator: run_bench':<38} {households:>11,} households {seconds} s {rate} rows/s", flush=True)
    return result
