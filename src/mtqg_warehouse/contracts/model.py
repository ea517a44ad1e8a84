"""Feed contracts: the machine-readable half of docs/feeds/.

Loaders, the generator and the tests all read the same YAML, so a header rename or a new
column is made in one place and every consumer follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from mtqg_warehouse.contracts.file_names import FileNames
from mtqg_warehouse.contracts.periods import PERIOD_FORMATS, Cadence

CONTRACTS_DIR = Path(__file__).with_name("specs")


@dataclass(frozen=True)
class Column:
    name: str
    header_vi: str
    type: str
    required: bool
    description: str
    personal: bool = False
    accepted_from: str | None = None  # "<seed>.<column>": the code list this column must be in
    max_value: float | None = None
    min_value: float | None = None
    # Rules on more than the value alone (the loader's, row by row; staging types values only):
    not_before: str | None = None  # a date column this date may not precede (valid_to, valid_from)
    prefix_of: str | None = None  # a card-number column whose 15-character values start with this code
    equals_file_date: bool = False  # a date that must be the day in the file's name
    valid_on: str | None = None  # a unit code must name a ward that existed on this date column's day


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    natural_key: tuple[str, ...]
    columns: tuple[Column, ...]
    sheet_vi: str | None = None
    workbook_kind: str | None = None
    header_row_hint: int | None = None
    footer_markers: tuple[str, ...] = ()
    # the natural key is unique across the feed's files, not only within one (ingest/cross_file.py)
    natural_key_across_files: bool = False

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@dataclass(frozen=True)
class FeedContract:
    feed: str
    version: str
    format: str
    cadence: Cadence  # workbook kind (None: every file) -> daily | monthly | yearly
    file_names: FileNames  # the file_name key: matcher and renderer (contracts/file_names.py)
    tables: dict[str, Table]
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def raw_schema(self) -> str:
        return f"raw_{self.feed}"


def _table(name: str, spec: dict) -> Table:
    columns = tuple(
        Column(
            name=col["name"],
            header_vi=col["header_vi"],
            type=col["type"],
            required=bool(col.get("required", False)),
            description=col.get("description", ""),
            personal=bool(col.get("personal", False)),
            accepted_from=col.get("accepted_from"),
            max_value=col.get("max_value"),
            min_value=col.get("min_value"),
            not_before=col.get("not_before"),
            prefix_of=col.get("prefix_of"),
            equals_file_date=bool(col.get("equals_file_date", False)),
            valid_on=col.get("valid_on"),
        )
        for col in spec["columns"]
    )
    return Table(
        name=name,
        description=spec.get("description", ""),
        natural_key=tuple(spec.get("natural_key", ())),
        columns=columns,
        sheet_vi=spec.get("sheet_vi"),
        workbook_kind=spec.get("workbook_kind"),
        header_row_hint=spec.get("header_row_hint"),
        footer_markers=tuple(spec.get("footer_markers", ())),
        natural_key_across_files=bool(spec.get("natural_key_across_files", False)),
    )


def _cadence(value: str | dict[str | None, str], feed: str) -> Cadence:
    """``cadence: daily`` for every file of the feed, or ``{kind: cadence}`` per workbook kind."""
    by_kind: dict[str | None, str] = {None: value} if isinstance(value, str) else dict(value)
    unknown = set(by_kind.values()) - set(PERIOD_FORMATS)
    if unknown:
        raise ValueError(f"{feed}: unknown cadence {sorted(unknown)}; known: {sorted(PERIOD_FORMATS)}")
    return by_kind


@cache
def load_contract(feed: str) -> FeedContract:
    """Read ``contracts/specs/<feed>.yml``; raises FileNotFoundError naming the feed when absent."""
    path = CONTRACTS_DIR / f"{feed}.yml"
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    return FeedContract(
        feed=spec["feed"],
        version=str(spec["version"]),
        format=spec["format"],
        cadence=_cadence(spec["cadence"], feed),
        file_names=FileNames.from_spec(spec["file_name"]),
        tables={name: _table(name, table) for name, table in spec["tables"].items()},
        encoding=spec.get("encoding", "utf-8"),
        delimiter=spec.get("delimiter", ","),
    )


def feeds() -> list[str]:
    return sorted(path.stem for path in CONTRACTS_DIR.glob("*.yml"))
