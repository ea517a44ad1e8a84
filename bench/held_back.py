"""Which generated deliveries are "one more month": the last month's, held back to load later.

A delivery's period comes from its file name, parsed by the feed's contract
(contracts/file_names.py): a daily bank file (``yyyymmdd``) and a monthly card file or ward
report (``yyyymm``) belong to the month they name. A yearly poverty review (``yyyy``) is not a
month's delivery and always goes with the history: the held-back month is the monthly and
daily deliveries of the last month any of them names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mtqg_warehouse.contracts.model import FeedContract

MONTH_DIGITS = len("yyyymm")


@dataclass
class Split:
    """Every feed's files: the history to load first, and the month held back."""

    history: dict[str, list[Path]] = field(default_factory=dict)
    month: dict[str, list[Path]] = field(default_factory=dict)
    month_name: str | None = None  # yyyymm
    left_out: dict[str, int] = field(default_factory=dict)  # earlier deliveries a smoke run skips

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            feed: {
                "history_files": len(self.history.get(feed, [])),
                "month_files": len(files),
                "left_out_files": self.left_out.get(feed, 0),
            }
            for feed, files in self.month.items()
        }


def month_of(contract: FeedContract, name: str) -> str | None:
    """The ``yyyymm`` a delivery's name places it in, or None for a yearly delivery."""
    period = contract.file_names.parse(name).period
    return period[:MONTH_DIGITS] if len(period) >= MONTH_DIGITS else None


def last_month(contracts: dict[str, FeedContract], files: dict[str, Iterable[Path]]) -> str:
    """The latest month that any feed's monthly or daily delivery names."""
    months = [
        month
        for feed, paths in files.items()
        for path in paths
        if (month := month_of(contracts[feed], path.name)) is not None
    ]
    if not months:
        raise ValueError("no monthly or daily delivery: there is no month to hold back")
    return max(months)


def split(
    contracts: dict[str, FeedContract], files: dict[str, list[Path]], history_months: int | None = None
) -> Split:
    """History and the last month, per feed; file order within each is kept. With
    ``history_months``, only that many months of monthly and daily deliveries before the held
    one are history (a smoke run); yearly reviews are always kept."""
    month = last_month(contracts, files)
    first = None if history_months is None else _months_before(month, history_months)
    out = Split(month_name=month)
    for feed, paths in files.items():
        contract = contracts[feed]
        months = [(path, month_of(contract, path.name)) for path in paths]
        out.month[feed] = [path for path, of in months if of == month]
        history = [(path, of) for path, of in months if of != month]
        out.history[feed] = [path for path, of in history if first is None or of is None or of >= first]
        out.left_out[feed] = len(history) - len(out.history[feed])
    return out


def _months_before(month: str, count: int) -> str:
    """The ``yyyymm`` ``count`` months before ``month``."""
    index = int(month[:4]) * 12 + int(month[4:]) - 1 - count
    return f"{index // 12:04d}{index % 12 + 1:02d}"


def deliveries(generated: Path, contracts: dict[str, FeedContract]) -> dict[str, list[Path]]:
    """The files the generator wrote, per feed (its folders are named after the feeds), sorted;
    only names the contract accepts (the generator's manifest lives elsewhere)."""
    found: dict[str, list[Path]] = {}
    for feed, contract in contracts.items():
        folder = generated / feed
        paths = sorted(folder.iterdir()) if folder.is_dir() else []
        found[feed] = [path for path in paths if contract.file_names.accepts(path.name)]
    return found
