"""Generator output as the base of the large bench files: which rows, which of them are defects.

The generator writes a manifest (``manifest/defects.csv``) of every defect it planted. Files
it broke on purpose (empty, truncated, a column missing, superseded or re-delivered copies)
are left out of the base; row defects are kept but marked, so the scaler can thin them.
"""

from __future__ import annotations

import csv
import logging
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mtqg_warehouse.contracts.model import Table

log = logging.getLogger(__name__)

BASE_DEFECT_RATE = 0.01  # the scaler keeps defect rows in one copy out of ten: about 0.1 %
BASE_SEED = 7
BASE_YEAR = 2023


@dataclass
class BaseRows:
    """Data rows in contract column order, and for each whether the generator marked it a defect."""

    rows: list[list[str]] = field(default_factory=list)
    defect: list[bool] = field(default_factory=list)

    @property
    def defect_count(self) -> int:
        return sum(self.defect)


@dataclass(frozen=True)
class Manifest:
    broken_files: frozenset[str]  # whole-file defects: not usable as base data
    defect_rows: frozenset[tuple[str, int]]  # (file, line number with the header as line 1)


def generate(households: int, out: Path) -> None:
    """One year of every feed through the generator's CLI, with 1 % defects; raises if it fails."""
    command = [sys.executable, "-m", "mtqg_warehouse.generator", "--households", str(households)]
    command += ["--years", "1", "--start-year", str(BASE_YEAR), "--seed", str(BASE_SEED)]
    command += ["--defect-rate", str(BASE_DEFECT_RATE), "--preset", "none", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generator CLI failed ({done.returncode}): {done.stderr.strip()[-600:]}")


def read_manifest(out: Path) -> Manifest:
    """The generator's defect list; an absent manifest means no defects are known."""
    path = out / "manifest" / "defects.csv"
    if not path.exists():
        log.warning("no generator manifest at %s: defect rows cannot be thinned", path)
        return Manifest(frozenset(), frozenset())
    broken: set[str] = set()
    rows: set[tuple[str, int]] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        for entry in csv.DictReader(handle):
            if entry["row"]:
                rows.add((entry["file"], int(entry["row"])))
            elif entry["kind"] != "reordered_columns":
                broken.add(entry["file"])
    return Manifest(frozenset(broken), frozenset(rows))


def usable_files(folder: Path, pattern: str, manifest: Manifest) -> list[Path]:
    """Files of one kind that hold complete data, in name order."""
    return [path for path in sorted(folder.glob(pattern)) if path.name not in manifest.broken_files]


def read_csv_base(folder: Path, table: Table, manifest: Manifest) -> BaseRows:
    """Every usable CSV delivery of a feed, rows rearranged into the contract's column order."""
    base = BaseRows()
    for path in usable_files(folder, "*.csv", manifest):
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            order = column_order(next(reader, []), table)
            if order is None:
                log.warning("bench base: %s has an unexpected header, left out", path.name)
                continue
            for line, fields in enumerate(reader, start=2):
                base.rows.append([fields[position] for position in order])
                base.defect.append((path.name, line) in manifest.defect_rows)
    return base


def column_order(header: list[str], table: Table) -> list[int] | None:
    """Position in ``header`` of each contract column (by Vietnamese or English name), or None."""
    where = {cell.strip(): index for index, cell in enumerate(header)}
    order = []
    for column in table.columns:
        position = where.get(column.header_vi, where.get(column.name))
        if position is None:
            return None
        order.append(position)
    return order if len(header) == len(order) else None
