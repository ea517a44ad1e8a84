"""Reference data the loaders check codes against, read from the dbt seeds (one source of truth)."""

from __future__ import annotations

import csv
from functools import cache

from mtqg_warehouse.config import PROJECT_ROOT

SEEDS_DIR = PROJECT_ROOT / "dbt_project" / "seeds"


@cache
def seed_rows(name: str) -> list[dict[str, str]]:
    """Rows of ``dbt_project/seeds/<name>.csv``, read once per process."""
    with open(SEEDS_DIR / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


WARD_TYPES = ("phuong", "xa")  # the units that send returns; districts and provinces never do


@cache
def unit_codes() -> frozenset[str]:
    """Every ward/commune code ever valid: a 2023 return from a unit merged in 2025 is still good."""
    return frozenset(row["code"] for row in seed_rows("units") if row["type"] in WARD_TYPES)


def ward_versions(code: str) -> list[dict[str, str]]:
    """The versions of a ward or commune code, oldest first (the 2025 wards reuse old codes)."""
    rows = [row for row in seed_rows("units") if row["code"] == code and row["type"] in WARD_TYPES]
    return sorted(rows, key=lambda row: row["valid_from"])


@cache
def hamlet_codes() -> frozenset[str]:
    return frozenset(row["hamlet_code"] for row in seed_rows("hamlets"))


@cache
def accepted_values(spec: str) -> frozenset[str]:
    """Values of a seed column, e.g. ``vbsp_programs.program_code``: the codes a feed may use."""
    seed, column = spec.split(".", 1)
    return frozenset(row[column] for row in seed_rows(seed) if row[column])
