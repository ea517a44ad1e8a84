"""Stage bookkeeping of the province pipeline: each stage's time, and the targets judged from them.

Kept apart from the pipeline itself so the unit tests can pin the arithmetic: which stages
count towards "the whole pipeline", and when a target is met. A stage that could not run is
recorded as unavailable with its reason; a target that needs it is then unavailable too,
never met by default.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

UNAVAILABLE = "unavailable"

# The first pass from delivered files to published marts: what a province waits for after a
# full reload. Generating the files stands for the senders and is not part of it.
PIPELINE_STAGES = ("load", "gx_raw", "dbt_full", "gx_marts", "publish")
# One more month: its files loaded, the build, its audit and its publish.
# Stages that may not exist in the code measured (raw suites come from another branch).
OPTIONAL_STAGES = frozenset({"gx_raw"})
MONTH_STAGES = ("month_load", "dbt_incremental", "month_gx_marts", "month_publish")

DBT_FULL_LIMIT_S = 90.0
INCREMENTAL_SHARE = 0.2  # the incremental month under a fifth of the full build (aim: a tenth)
GX_AUDIT_LIMIT_S = 30.0
PIPELINE_LIMIT_S = 180.0
GX_TO_SQL_LIMIT = 3.0


@dataclass
class Stages:
    """Seconds per stage in the order they ran, and why any stage has none."""

    seconds: dict[str, float] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name``; a block that raises records nothing (the caller
        decides whether that makes the stage unavailable)."""
        started = time.perf_counter()
        yield
        self.record(name, time.perf_counter() - started)

    def record(self, name: str, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"stage {name}: a timing must not be negative, got {seconds!r}")
        self.seconds[name] = round(seconds, 3)
        self.unavailable.pop(name, None)

    def missing(self, name: str, reason: str) -> None:
        self.unavailable[name] = reason
        self.seconds.pop(name, None)

    def total(self, names: tuple[str, ...]) -> float | None:
        """The sum over ``names``, or None when a required one was not measured. An optional
        stage (``OPTIONAL_STAGES``) that is unavailable because it does not exist is left out
        of the sum, and ``absent_optional`` names it, so the total never hides the gap."""
        required = [name for name in names if name not in self.absent_optional(names)]
        if any(name not in self.seconds for name in required):
            return None
        return round(sum(self.seconds[name] for name in required), 3)

    def absent_optional(self, names: tuple[str, ...]) -> list[str]:
        return [name for name in names if name in OPTIONAL_STAGES and name in self.unavailable]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.seconds)
        out |= {name: UNAVAILABLE for name in self.unavailable}
        return out


def stage_line(name: str, seconds: float, detail: str = "") -> str:
    """One readable line per stage, aligned like the feed sections' lines."""
    return f"province stage {name:<22} {seconds:>9.2f} s" + (f"  {detail}" if detail else "")


def target(measured: float | None, limit: float, reason: str = "", inclusive: bool = False) -> dict[str, Any]:
    """``measured`` against an upper ``limit`` (``inclusive``: at the limit still meets it);
    unavailable, never met by default, when nothing was measured."""
    if measured is None:
        return {"limit": limit, "measured": UNAVAILABLE, "meets_target": UNAVAILABLE, "reason": reason}
    met = measured <= limit if inclusive else measured < limit
    return {"limit": limit, "measured": round(measured, 3), "meets_target": met}


def targets(stages: Stages, gx_to_sql: float | None) -> dict[str, dict[str, Any]]:
    """Every target of issues 16, 17 and 18 judged from the measured stages."""
    full = stages.seconds.get("dbt_full")
    incremental = stages.seconds.get("dbt_incremental")
    share = None if full is None or incremental is None else incremental / full
    audit = stages.seconds.get("gx_marts")
    absent = stages.absent_optional(PIPELINE_STAGES)
    pipeline = target(stages.total(PIPELINE_STAGES), PIPELINE_LIMIT_S, "a required stage was not measured")
    if absent:  # the stage does not exist in this code (e.g. no raw suites): its cost is not in the sum
        pipeline["without"] = absent
    return {
        "dbt_full_build_s": target(full, DBT_FULL_LIMIT_S, "no full build"),
        "incremental_to_full": target(share, INCREMENTAL_SHARE, "no full or incremental build"),
        "gx_audit_s": target(audit, GX_AUDIT_LIMIT_S, "no audit"),
        "pipeline_s": pipeline,
        "gx_to_sql": target(gx_to_sql, GX_TO_SQL_LIMIT, "no GX or SQL timing", inclusive=True),
    }
