"""Defects on demand: each one is written where the manifest says, and nowhere else.

Row-level defects are *inserted copies* of a clean row (placed right after it), so the
clean rows, and with them the calibration figures, stay intact; the exception is text in a
legacy font or in NFD, which damages the row itself in place (as an officer typing in an old
font would), since it changes no figure and a loader must repair it, not reject the row.
File-level defects that make a file unusable are put on a version-1 file that a clean later
version supersedes.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

# text defects change no figure: they damage the row itself instead of a copy of it
IN_PLACE_KINDS = ("nfd_text", "tcvn3_text", "vni_text")

FILE_KINDS = (
    "empty_file",
    "truncated_file",
    "missing_required_column",
    "reordered_columns",
    "redelivered_file",
    "superseded_by_resubmission",
)


@dataclass(frozen=True)
class Defect:
    file: str
    sheet: str
    row: int | None  # xlsx: sheet row number; csv: line number (header = 1); None: whole file
    field: str
    kind: str
    detail: str

    def as_row(self) -> list[str]:
        row = "" if self.row is None else str(self.row)
        return [self.file, self.sheet, row, self.field, self.kind, self.detail]


def _legacy(name: str) -> Callable[[str], str] | None:
    try:
        from mtqg_warehouse.text import legacy
    except ImportError:
        log.warning("mtqg_warehouse.text.legacy missing: %s defects skipped", name)
        return None
    return getattr(legacy, f"to_{name}", None)


def _nfd(v: object) -> str:
    return unicodedata.normalize("NFD", str(v))


def _on_text(fn: Callable[[str], str]) -> Callable[[object], object]:
    """A text transformer as a cell mutator (the cells it is given are text)."""
    return lambda v: fn(str(v))


def _mutators(rng: np.random.Generator) -> dict[str, Callable[[object], object]]:
    """kind -> value transformer; the result is what ends up in the cell."""
    digits = int(rng.integers(10**10, 10**11))
    table: dict[str, Callable[[object], object]] = {
        "invalid_date": lambda v: "31/02/" + str(v)[-4:],
        "malformed_date": lambda v: str(v)[-4:] + "-" + str(v)[3:5] + "-" + str(v)[:2] + "x",
        "unknown_hamlet_code": lambda v: str(v)[:5] + "-K99",
        "unknown_ward_code": lambda v: "31899",
        "negative_amount": lambda v: "-" + str(v).lstrip("-"),
        "absurd_amount": lambda v: "999.999.999.999.999",
        "wrong_locale_number": lambda v: str(v).replace(".", ",") + ".5",
        "invalid_cccd": lambda v: str(digits) if digits % 2 else str(v)[:9] + "A1B",
        "invalid_card_number": lambda v: "ZZ" + str(v)[2:] if digits % 2 else str(v)[:12],
        "nfd_text": _nfd,
        "conflicting_duplicate": lambda v: v,
        "duplicate_row": lambda v: v,
    }
    for name in ("tcvn3", "vni"):
        fn = _legacy(name)
        if fn is not None:
            table[f"{name}_text"] = _on_text(fn)
    return table


def inject_rows(
    rows: list[list[object]],
    columns: list[str],
    kinds: dict[str, str],
    rate: float,
    rng: np.random.Generator,
    conflict: Callable[[list[object]], list[object]] | None = None,
) -> tuple[list[list[object]], dict[int, tuple[str, str, str]]]:
    """Insert defective copies; returns the new rows and {row index: (field, kind, value)}.

    ``kinds`` maps a defect kind to the field it damages. Kinds are drawn in rotation so a
    run with any defects shows every kind the table supports.
    """
    n = int(rng.binomial(len(rows), rate)) if rate > 0 and rows else 0
    if n == 0:
        return rows, {}
    mut = _mutators(rng)
    usable = [k for k in kinds if k in mut]
    picks = np.sort(rng.choice(len(rows), size=min(n, len(rows)), replace=False)).tolist()
    start = int(rng.integers(len(usable)))
    out: list[list[object]] = []
    marks: dict[int, tuple[str, str, str]] = {}
    pick_set = dict.fromkeys(picks)
    for i, row in enumerate(rows):
        out.append(row)
        if i not in pick_set:
            continue
        kind = usable[(start + len(marks)) % len(usable)]
        field = kinds[kind]
        copy = list(row)
        if kind == "conflicting_duplicate" and conflict is not None:
            copy = conflict(copy)
        else:
            j = columns.index(field)
            copy[j] = mut[kind](copy[j])
        value = copy[columns.index(field)]
        if kind in IN_PLACE_KINDS:
            if value != row[columns.index(field)]:  # text with nothing to damage stays clean
                out[-1] = copy
                marks[len(out) - 1] = (field, kind, str(value))
            continue
        out.append(copy)
        marks[len(out) - 1] = (field, kind, str(value))
    return out, marks


def plan_files(names: list[str], rate: float, rng: np.random.Generator, kinds=FILE_KINDS):
    """file name -> file-level defect kind; at least one file per kind when rate > 0."""
    if rate <= 0 or not names:
        return {}
    count = min(len(names), max(len(kinds), int(round(rate * len(names)))))
    chosen = rng.choice(len(names), size=count, replace=False).tolist()
    return {names[c]: kinds[k % len(kinds)] for k, c in enumerate(chosen)}
