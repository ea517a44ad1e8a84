"""Text cells as Vietnamese officials type them: NFC, and legacy fonts repaired or refused.

Only cells that need it go through Python: those with characters proper Vietnamese Unicode
never uses (the marks of TCVN3 or VNI mojibake) and those with combining marks (NFD). The
fixes are applied to the column in one vectorised replace, so a file of a million names in
correct Unicode costs one regex pass per column.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from mtqg_warehouse.ingest.rows import ROW_NUMBER, RowProblem

LEGACY_HINT = "retype the cell in a Unicode font (e.g. Times New Roman with Unikey set to Unicode)"


@cache
def needs_python_pattern() -> str:
    """Characters outside ASCII and precomposed Vietnamese letters (combining marks included)."""
    bases = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = {unicodedata.normalize("NFC", b + t) for b in bases for t in tones} | {"đ", "Đ"}
    allowed = "".join(sorted(ch for ch in letters if not ch.isascii()))
    return f"[^\\x00-\\x7F{allowed}\\x{{2013}}\\x{{2019}}\\x{{201C}}\\x{{201D}}]"


def clean_text(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[RowProblem]]:
    """NFC and legacy repair where needed; cells that cannot be repaired safely become problems."""
    from mtqg_warehouse.text.legacy import repair
    from mtqg_warehouse.text.normalize import nfc

    problems: list[RowProblem] = []
    fixes_by_column: dict[str, dict[str, str]] = {}
    for column in columns:
        odd = frame.filter(pl.col(column).str.contains(needs_python_pattern())).select(ROW_NUMBER, column)
        fixes: dict[str, str] = {}
        for row_number, value in odd.iter_rows():
            result = repair(value)
            if result.encoding and not result.safe:
                reason = f"text in a legacy font that cannot be repaired safely: {result.reason}"
                problems.append(RowProblem(row_number, column, reason, LEGACY_HINT, value, ""))
            else:
                fixes[value] = nfc(result.text)
        if fixes:
            fixes_by_column[column] = fixes
    if fixes_by_column:
        frame = frame.with_columns(pl.col(c).replace(f) for c, f in fixes_by_column.items())
    return frame, problems
