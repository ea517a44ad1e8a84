"""Matching a delivered header row to the contract, tolerating what officials do to headers.

Columns may come in any order, with or without diacritics, in upper case, or under the
contract's English name; a required column missing or an unknown column rejects the file,
because guessing which column is which would load wrong data silently.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.errors import FileRejected


@dataclass(frozen=True)
class HeaderMap:
    positions: list[int | None]  # per contract column, its index in the delivered row
    width: int


def header_key(text: str) -> str:
    """Accent- and case-insensitive key: 'Mã thẻ BHYT' and 'MA THE BHYT' meet."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9%]+", " ", bare.lower()).strip()


def map_header(path: Path, header: list[str], table: Table) -> HeaderMap:
    wanted: dict[str, int] = {}
    for index, column in enumerate(table.columns):
        wanted[header_key(column.header_vi)] = index
        wanted[header_key(column.name)] = index
    positions: list[int | None] = [None] * len(table.columns)
    unknown: list[str] = []
    for position, cell in enumerate(header):
        matched = wanted.get(header_key(cell))
        if matched is None:
            if cell.strip():
                unknown.append(cell.strip())
            continue
        if positions[matched] is not None:
            raise FileRejected(path, messages.COLUMN_TWICE.format(column=cell.strip()))
        positions[matched] = position
    missing = [
        f"{column.header_vi} ({column.name})"
        for column, position in zip(table.columns, positions, strict=True)
        if position is None and column.required
    ]
    if missing:
        raise FileRejected(path, messages.MISSING_COLUMNS.format(columns=", ".join(missing)))
    if unknown:
        raise FileRejected(path, messages.UNEXPECTED_COLUMNS.format(columns=", ".join(unknown)))
    return HeaderMap(positions=positions, width=len(header))
