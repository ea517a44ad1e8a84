"""Text cells as Vietnamese officials type them: NFC, and legacy fonts repaired or refused."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CleanText:
    value: str | None
    problem: str | None = None


def clean_cell(raw: str | None) -> CleanText:
    """NFC-normalise a cell; repair TCVN3/VNI mojibake, or say why it cannot be repaired safely.

    The ASCII fast path matters: most cells are codes, dates and numbers.
    """
    if raw is None:
        return CleanText(None)
    value = raw.strip()
    if not value:
        return CleanText(None)
    if value.isascii():
        return CleanText(value)
    from mtqg_warehouse.text.legacy import repair
    from mtqg_warehouse.text.normalize import nfc

    repaired = repair(value)
    if repaired.encoding and not repaired.safe:
        return CleanText(value, f"text in a legacy font that cannot be repaired safely: {repaired.reason}")
    return CleanText(nfc(repaired.text))
