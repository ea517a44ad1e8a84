"""Scaling a small generated feed up to bench size, keeping every row's key unique.

Copy ``k`` of the base rows gets a deterministic change to the natural key (the bank's
transaction id, the card's social insurance number), so the big file has no duplicates the
base did not have; a duplicate planted by the generator stays a duplicate within its copy.
The generator's defect rows are kept in one copy out of ``defect_every``: a 1 % base gives
about 0.1 % defects of every kind the generator plants.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.base import BaseRows
from mtqg_warehouse.generator.csv_style import PLAIN, CsvStyle, StyledColumns, write_csv

Rekey = Callable[[list[str], int], list[str]]

CARD = re.compile(r"^([A-Z]{2}[1-5][0-9]{2})?([0-9]{10})$")
SI_SPACE = 10**10  # social insurance numbers have 10 digits


@dataclass(frozen=True)
class ScaledFile:
    path: Path
    rows: int
    defect_rows: int
    bytes: int


def bank_rekey(row: list[str], copy: int) -> list[str]:
    """Transaction ids are free text in the contract: copy k > 0 appends ``-kkk``."""
    if copy == 0:
        return row
    return [f"{row[0]}-{copy:03d}", *row[1:]]


def card_rekey(base: BaseRows, copies: int) -> Rekey:
    """Shift the card's 10-digit social insurance number by ``k * step``, keeping the card valid.

    ``step`` is the smallest power of ten wider than the base's spread of numbers, so no two
    copies can meet; a card that is already malformed (a planted defect) is left as it is.
    """
    numbers = [int(match.group(2)) for row in base.rows if (match := CARD.match(row[0]))]
    spread = (max(numbers) - min(numbers) + 1) if numbers else 1
    step = 10 ** len(str(spread))
    if (copies + 1) * step > SI_SPACE:
        raise ValueError(f"{copies} copies of a base spread over {spread} numbers do not fit 10 digits")

    def rekey(row: list[str], copy: int) -> list[str]:
        match = CARD.match(row[0])
        if copy == 0 or match is None:
            return row
        number = (int(match.group(2)) + copy * step) % SI_SPACE
        return [f"{match.group(1) or ''}{number:010d}", *row[1:]]

    return rekey


def copies_needed(base: BaseRows, target_rows: int, defect_every: int) -> int:
    """Copies of the base it takes to reach ``target_rows`` (defect rows count one time in N)."""
    clean = len(base.rows) - base.defect_count
    per_copy = clean + base.defect_count / defect_every
    if per_copy <= 0:
        raise ValueError("the base has no rows to scale")
    return int(target_rows // per_copy) + 2


def scaled_rows(
    base: BaseRows, target_rows: int, rekey: Rekey, defect_every: int = 10
) -> Iterator[tuple[list[str], bool]]:
    """Exactly ``target_rows`` rows, each with whether it is a planted defect."""
    written = 0
    for copy in range(copies_needed(base, target_rows, defect_every)):
        keep_defects = copy % defect_every == 0
        for row, is_defect in zip(base.rows, base.defect, strict=True):
            if is_defect and not keep_defects:
                continue
            yield rekey(row, copy), is_defect
            written += 1
            if written == target_rows:
                return


def write_scaled(
    path: Path,
    headers: list[str],
    rows: Iterator[tuple[list[str], bool]],
    style: CsvStyle = PLAIN,
    columns: StyledColumns | None = None,
    seed: int = 0,
) -> ScaledFile:
    """The contract's CSV, written by the generator's CSV writer in ``style`` (plain: UTF-8,
    comma, header first, quoted only where needed, ``\\n`` ends); ``columns`` say where a
    style's typing habits go, ``seed`` seeds their random choices."""
    defects = 0

    def counted() -> Iterator[tuple[list[str], bool]]:
        nonlocal defects
        for row, is_defect in rows:
            defects += is_defect
            yield row, is_defect

    with open(path, "w", encoding="utf-8", newline="") as handle:
        count = write_csv(handle, headers, counted(), style, columns, np.random.default_rng(seed))
    return ScaledFile(path, count, defects, path.stat().st_size)
