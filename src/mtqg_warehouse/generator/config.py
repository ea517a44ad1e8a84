"""Generator settings: the run's arguments, the assumptions file and the dbt seeds.

Every assumed number lives in assumptions.yml and every code list in dbt_project/seeds, so
the generator and the warehouse read the same single source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from mtqg_warehouse.contracts.reference import seed_rows  # the generator's code lists: the seeds
from mtqg_warehouse.generator.csv_style import PLAIN, CsvStyle

ASSUMPTIONS_PATH = Path(__file__).with_name("assumptions.yml")


@dataclass(frozen=True)
class RunConfig:
    """One generator run, as given on the command line."""

    households: int
    years: tuple[int, ...]
    seed: int
    defect_rate: float
    preset: str
    out: Path
    workers: int = 2
    csv_style: CsvStyle = PLAIN  # how the bank and insurance CSV files are written

    @property
    def calibrated(self) -> bool:
        return self.preset == "demo"


@cache
def assumptions() -> dict[str, Any]:
    return yaml.safe_load(ASSUMPTIONS_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Ward:
    code: str
    name: str
    area_type: str  # urban | rural
    hamlets: tuple[tuple[str, str], ...]  # (hamlet_code, hamlet_name)
    index: int


@cache
def wards() -> tuple[Ward, ...]:
    """The demo city's ten pre-2025 wards and communes, in assumptions.yml order."""
    units = {r["code"]: r for r in seed_rows("units") if r["valid_to"] == "2025-06-30"}
    hamlets: dict[str, list[tuple[str, str]]] = {}
    for row in seed_rows("hamlets"):
        hamlets.setdefault(row["ward_code"], []).append((row["hamlet_code"], row["hamlet_name"]))
    result = []
    for i, code in enumerate(assumptions()["ward_shares"]):
        unit = units[code]
        result.append(Ward(code, unit["name"], unit["area_type"], tuple(hamlets[code]), i))
    return tuple(result)


def poverty_line(area_type: str, year: int) -> int:
    """The dated income line (seeds/poverty_lines.csv) in force on 1 July of the year."""
    day = f"{year}-07-01"
    for row in seed_rows("poverty_lines"):
        if row["area_type"] == area_type and row["valid_from"] <= day <= row["valid_to"]:
            return int(row["line_amount"])
    raise KeyError(f"no poverty line for {area_type} in {year}")


def _valid_on(row: dict[str, str], day: str) -> bool:
    return row["valid_from"] <= day <= (row["valid_to"] or "9999-12-31")


@cache
def province_code(ward_code: str, year: int) -> str:
    """The province the ward belonged to on 1 July of the year (seeds/units.csv): 95 for Bạc
    Liêu up to June 2025; the code cards and the insurance feed's file names carry."""
    day = f"{year}-07-01"
    versions = [row for row in seed_rows("units") if _valid_on(row, day)]
    code = ward_code
    for _ in range(4):  # ward -> district or city -> province
        unit = next(row for row in versions if row["code"] == code)
        if unit["type"] == "tinh":
            return unit["code"]
        code = unit["parent_code"]
    raise KeyError(f"no province above unit {ward_code} in {year}")


@cache
def benefit_level(group_code: str, year: int) -> int:
    """The beneficiary group's benefit level on 1 July of the year (seeds/bhyt_groups.csv)."""
    day = f"{year}-07-01"
    for row in seed_rows("bhyt_groups"):
        if row["group_code"] == group_code and _valid_on(row, day):
            return int(row["benefit_level"])
    raise KeyError(f"no benefit level for group {group_code} in {year}")


def value_vi(seed: str, code_column: str) -> dict[str, str]:
    """code -> Vietnamese cell value, e.g. NGHEO -> 'Hộ nghèo'."""
    return {row[code_column]: row["value_vi"] for row in seed_rows(seed)}
