import polars as pl

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest.unit_names import resolve_unit_names


def _frame(table, **columns):
    data = {name: [None] * 4 for name in table.column_names}
    data.update(columns)
    return pl.DataFrame(
        {"_row_number": [2, 3, 4, 5], **data}, schema_overrides=dict.fromkeys(data, pl.String)
    )


def test_ward_names_as_typed_become_codes_and_unknown_names_stay():
    table = load_contract("bank").tables["loan_events"]
    frame = _frame(table, ward_code=["P.5", "xa vinh trach dong", "31825", "Phường 4"])
    resolved = resolve_unit_names(frame, table, ward_code=None)
    assert resolved.get_column("ward_code").to_list() == ["31819", "31837", "31825", "Phường 4"]


def test_hamlet_names_are_matched_within_the_return_s_ward_only():
    table = load_contract("ward_returns").tables["poverty_review"]
    frame = _frame(table, hamlet_code=["Khóm 3", "khom 03", "31819-K01", "Ấp 99"])
    resolved = resolve_unit_names(frame, table, ward_code="31819")
    assert resolved.get_column("hamlet_code").to_list() == ["31819-K03", "31819-K03", "31819-K01", "Ấp 99"]
