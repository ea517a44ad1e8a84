"""Ward and hamlet columns typed as names instead of codes ("P.5", "Khóm 3") become codes.

Officials often write the unit's name where the contract asks for its code. Each distinct
value that is not a known code is matched once, tolerantly but never fuzzily (see
mtqg_warehouse.text.units); a value that matches nothing stays as sent and the code check
rejects it with its reason.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from mtqg_warehouse.contracts import reference
from mtqg_warehouse.contracts.model import Table


@cache
def _ward_matcher():
    from mtqg_warehouse.text.units import UnitMatcher

    return UnitMatcher((row["code"], row["name"]) for row in reference.seed_rows("units"))


@cache
def _hamlet_matcher(ward_code: str):
    from mtqg_warehouse.text.units import UnitMatcher

    hamlets = [row for row in reference.seed_rows("hamlets") if row["ward_code"] == ward_code]
    return UnitMatcher((row["hamlet_code"], row["hamlet_name"]) for row in hamlets)


def resolve_unit_names(frame: pl.DataFrame, table: Table, ward_code: str | None) -> pl.DataFrame:
    """Replace unit and hamlet names by their codes where they match exactly one unit."""
    mappings = {}
    for column in table.columns:
        if column.type == "unit_code":
            known, matcher = reference.unit_codes(), _ward_matcher()
        elif column.type == "hamlet_code" and ward_code:
            known, matcher = reference.hamlet_codes(), _hamlet_matcher(ward_code)
        else:
            continue
        values = frame.get_column(column.name).drop_nulls().unique()
        unknown = [value for value in values.to_list() if value not in known]
        found = {value: code for value in unknown if (code := matcher.match(value))}
        if found:
            mappings[column.name] = found
    if not mappings:
        return frame
    return frame.with_columns(pl.col(name).replace(mapping) for name, mapping in mappings.items())
