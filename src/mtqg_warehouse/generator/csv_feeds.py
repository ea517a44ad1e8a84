"""The city-wide CSV feeds: VBSP daily loan events and BHXH monthly card files.

File names come from the contracts (generator/names.py): bank vbsp_<office>_<yyyymmdd>.csv,
a later _02 supersedes; insurance the_bhyt_<province>_<yyyymm>.csv, no versions.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mtqg_warehouse.contracts.model import Table, load_contract
from mtqg_warehouse.generator import names
from mtqg_warehouse.generator.csv_style import BOM, PLAIN, CsvStyle, StyledColumns, styled_rows
from mtqg_warehouse.generator.defects import Defect, inject_rows, plan_files

BANK_KINDS = {
    "invalid_date": "event_date",
    "malformed_date": "event_date",
    "unknown_ward_code": "ward_code",
    "duplicate_row": "transaction_id",
    "conflicting_duplicate": "amount",
    "negative_amount": "amount",
    "absurd_amount": "amount",
    "invalid_cccd": "borrower_national_id",
    "wrong_locale_number": "amount",
    "nfd_text": "borrower_name",
    "tcvn3_text": "borrower_name",
    "vni_text": "borrower_name",
}
CARD_KINDS = {
    "invalid_date": "valid_from",
    "unknown_ward_code": "ward_code",
    "duplicate_row": "card_number",
    "invalid_cccd": "holder_national_id",
    "invalid_card_number": "card_number",
    "nfd_text": "holder_name",
    "tcvn3_text": "holder_name",
    "conflicting_duplicate": "valid_to",
}
BANK_FILE_KINDS = (
    "empty_file",
    "truncated_file",
    "missing_required_column",
    "reordered_columns",
    "redelivered_file",
    "superseded_by_resubmission",
)


def csv_bytes(headers: list[str], rows: list[list[object]], style: CsvStyle = PLAIN) -> bytes:
    """The file's bytes with the style's line ends and byte-order mark (its habits are applied
    to the rows before, see ``_write``)."""
    buffer = io.StringIO()
    if style.bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, lineterminator=style.line_end)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _conflict(columns: list[str], field: str):
    j = columns.index(field)

    def change(row: list[object]) -> list[object]:
        value = str(row[j])
        row[j] = value[:-2] + "99" if "/" not in value else "30/12/" + value[-4:]
        return row

    return change


@dataclass(frozen=True)
class Writing:
    """How a feed's files are written: the contract table, the style and its own random numbers
    (so a plain style draws none, and files in it stay byte for byte as they were)."""

    table: Table
    style: CsvStyle = PLAIN
    rng: np.random.Generator | None = None

    def styled(self, rows: list, defect_rows: set[int]) -> list:
        if not self.style.touches_rows:
            return rows
        marked = ((row, index in defect_rows) for index, row in enumerate(rows))
        rng = self.rng if self.rng is not None else np.random.default_rng()
        return list(styled_rows(marked, StyledColumns.of(self.table), self.style, rng))


def _write(
    path: Path, headers: list[str], rows, kind: str | None, rng, writing: Writing, defect_rows: set[int]
) -> tuple[bytes, list[str]]:
    order = list(range(len(headers)))
    if kind == "reordered_columns":
        order = rng.permutation(len(headers)).tolist()
    styled = writing.styled(rows, defect_rows)
    data = csv_bytes([headers[i] for i in order], [[r[i] for i in order] for r in styled], writing.style)
    path.write_bytes(data)
    return data, [headers[i] for i in order]


def write_feed(
    feed: str,
    out: Path,
    files: dict[str, list],
    rate: float,
    rng,
    versions: bool,
    style: CsvStyle = PLAIN,
    style_rng: np.random.Generator | None = None,
):
    """files: first-version file name -> clean rows. Returns (defects, {file: data rows}).
    ``style``: how the files are written (line ends, byte-order mark, typing habits)."""
    spec = next(iter(load_contract(feed).tables.values()))
    writing = Writing(spec, style, style_rng)
    columns, headers = spec.column_names, [c.header_vi for c in spec.columns]
    kinds = BANK_KINDS if feed == "bank" else CARD_KINDS
    plan = plan_files(sorted(files), rate, rng, BANK_FILE_KINDS) if versions else {}
    folder = out / feed
    folder.mkdir(parents=True, exist_ok=True)
    defects: list[Defect] = []
    counts: dict[str, int] = {}
    for first in sorted(files):
        kind = plan.get(first)
        v1 = kind in ("empty_file", "truncated_file", "missing_required_column", "superseded_by_resubmission")
        correction = names.corrected(feed, first) if kind else first
        final = correction if v1 else first
        rows, marks = inject_rows(
            files[first], columns, kinds, rate, rng, _conflict(columns, kinds["conflicting_duplicate"])
        )
        data, order = _write(folder / final, headers, rows, kind, rng, writing, set(marks))
        counts[final] = len(rows)
        for idx, (field, dkind, value) in sorted(marks.items()):
            defects.append(Defect(final, "", idx + 2, field, dkind, value))
        if kind == "reordered_columns":
            defects.append(Defect(final, "", None, "", kind, "|".join(order)))
        if kind == "redelivered_file":
            (folder / correction).write_bytes(data)
            defects.append(Defect(correction, "", None, "", kind, final))
        if v1:
            assert kind is not None  # v1 is one of the kinds above
            defects.append(
                _write_v1(folder / first, correction, kind, headers, files[first], columns, writing.style)
            )
    return defects, counts


def _write_v1(path: Path, correction: str, kind: str, headers, rows, columns, style: CsvStyle) -> Defect:
    """The spoilt first version at ``path``, superseded by the file named ``correction``."""
    field = ""
    if kind == "empty_file":
        data = b""
    elif kind == "truncated_file":
        full = csv_bytes(headers, rows, style)
        data = full[: max(int(len(full) * 0.6), 1)]
    elif kind == "missing_required_column":
        field = columns[1]
        keep = [i for i in range(len(headers)) if i != 1]
        data = csv_bytes([headers[i] for i in keep], [[r[i] for i in keep] for r in rows], style)
    else:
        data = csv_bytes(headers, rows[: max(len(rows) - 1, 0)], style)
    path.write_bytes(data)
    return Defect(path.name, "", None, field, kind, correction)


def group_rows(pairs: list, key) -> dict[str, list]:
    """(date, row) pairs -> first-version file name (``key`` of the date) -> rows, stable
    within a file."""
    out: dict[str, list] = {}
    for day, row in sorted(pairs, key=lambda p: p[0]):
        out.setdefault(key(day), []).append(row)
    return out


__all__ = ["write_feed", "group_rows", "np"]
