"""Text cells as Vietnamese officials type them: NFC, and legacy fonts repaired or refused.

Only cells holding characters that proper Vietnamese Unicode never uses (the marks of TCVN3
or VNI mojibake) go through Python's repair; everything else is normalised in Polars, so a
file of a million Vietnamese names costs a vectorised pass, not a million Python calls.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import polars as pl

from mtqg_warehouse.ingest.rows import ORIGINAL, ROW_NUMBER, RowProblem

LEGACY_HINT = "retype the cell in a Unicode font (e.g. Times New Roman with Unikey set to Unicode)"


@cache
def suspect_pattern() -> str:
    """Any character outside ASCII, Vietnamese letters and combining marks (NFD is fine)."""
    bases = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = {unicodedata.normalize("NFC", b + t) for b in bases for t in tones} | {"đ", "Đ"}
    allowed = "".join(sorted(ch for ch in letters if not ch.isascii()))
    return f"[^\\x00-\\x7F{allowed}\\x{{0300}}-\\x{{036F}}\\x{{2013}}\\x{{2019}}\\x{{201C}}\\x{{201D}}]"


def clean_text(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[RowProblem]]:
    """NFC every text column; repair legacy-font cells; unsafe ones become row problems."""
    from mtqg_warehouse.text.legacy import repair

    problems: list[RowProblem] = []
    pattern = suspect_pattern()
    for column in columns:
        values = frame.get_column(column)
        if values.null_count() == len(values) or values.str.contains(r"^[\x00-\x7F]*$").all():
            continue
        suspects = frame.filter(pl.col(column).str.contains(pattern)).select(ROW_NUMBER, ORIGINAL, column)
        fixes: dict[str, str] = {}
        for row_number, original, value in suspects.iter_rows():
            result = repair(value)
            if result.encoding and not result.safe:
                problems.append(
                    RowProblem(
                        row_number,
                        column,
                        f"text in a legacy font that cannot be repaired safely: {result.reason}",
                        LEGACY_HINT,
                        value,
                        original,
                    )
                )
            else:
                fixes[value] = result.text
        expr = pl.col(column).replace(fixes) if fixes else pl.col(column)
        frame = frame.with_columns(expr.str.normalize("NFC").alias(column))
    return frame, problems
