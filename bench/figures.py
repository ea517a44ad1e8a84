"""Pure arithmetic and formatting of the figures, kept apart so the unit tests can pin them."""

from __future__ import annotations

import json
import statistics
from typing import Any

TARGET_RATIO = 0.7  # loader rows/s over psql \copy rows/s (identical table) the loader must reach
YARDSTICK = (
    "psql \\copy into a table identical to the loader's raw table (same columns, defaults and "
    "sequence); copy_bare: into a table of the contract's text columns only"
)


def rows_per_s(rows: int, seconds: float) -> int:
    """Whole rows per second; a zero or negative time is a harness bug, not a fast loader."""
    if seconds <= 0:
        raise ValueError(f"a timing must be positive, got {seconds!r}")
    return round(rows / seconds)


def ratio(numerator: float, denominator: float) -> float:
    """``numerator / denominator`` to 3 decimals, e.g. loader rows/s over COPY rows/s."""
    if denominator <= 0:
        raise ValueError(f"cannot compare with a non-positive rate {denominator!r}")
    return round(numerator / denominator, 3)


def timing(rows: int, seconds: list[float]) -> dict[str, Any]:
    """One path's runs: every timing, the median, and rows/s at the median."""
    if not seconds:
        raise ValueError("no runs were timed")
    middle = statistics.median(seconds)
    return {
        "runs_s": [round(value, 3) for value in seconds],
        "median_s": round(middle, 3),
        "rows_per_s": rows_per_s(rows, middle),
    }


def compared(
    copy: dict[str, Any], copy_bare: dict[str, Any], loader: dict[str, Any], target: float = TARGET_RATIO
) -> dict[str, Any]:
    """How close the loader comes to ``\\copy`` of the same file: the headline against the table
    identical to the loader's (the target applies to it), the second against the bare table."""
    value = ratio(loader["rows_per_s"], copy["rows_per_s"])
    return {
        "ratio_loader_to_copy": value,
        "ratio_loader_to_bare_copy": ratio(loader["rows_per_s"], copy_bare["rows_per_s"]),
        "target_ratio": target,
        "meets_target": value >= target,
    }


def figure_line(label: str, rows: int, figure: dict[str, Any]) -> str:
    """One readable line per timed path, aligned so a column of them scans easily."""
    return f"{label:<38} {rows:>11,} rows {figure['median_s']:>9.2f} s {figure['rows_per_s']:>11,} rows/s"


def json_line(figures: dict[str, Any]) -> str:
    """Every figure as one JSON object on one line (``json.dumps`` escapes any newline)."""
    return json.dumps(figures, ensure_ascii=False, separators=(", ", ": "), default=str)
