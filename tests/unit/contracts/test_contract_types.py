"""Contract types: each defined once, with its messages, and the loader's checks built from it.

The integration test tests/integration/contracts/test_types_agree.py proves staging's dbt
macros take exactly the same values; here the rules themselves are pinned, without a database.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mtqg_warehouse.contracts import types
from mtqg_warehouse.contracts.model import feeds, load_contract
from mtqg_warehouse.publication.dbt_runner import DBT_PROJECT_DIR
from tests.unit.contracts.contract_values import contract_values, loader_verdicts

MACROS = DBT_PROJECT_DIR / "macros" / "contract_types.sql"


def _taken(rule: str, value: str) -> object:
    return loader_verdicts([value])[rule][0]


def test_every_type_a_contract_names_has_one_definition_with_its_messages() -> None:
    named = {
        column.type
        for feed in feeds()
        for table in load_contract(feed).tables.values()
        for column in table.columns
    }
    assert named <= set(types.TYPES), f"types without a definition: {named - set(types.TYPES)}"
    for contract_type in types.TYPES.values():
        if contract_type.rule is not None:
            assert all([contract_type.rule.reason, contract_type.rule.reason_vi, contract_type.rule.fix_hint])
    with pytest.raises(ValueError, match="no definition"):
        types.contract_type("datum")


@pytest.mark.parametrize(
    ("raw", "day"),
    [
        ("05/03/2023", dt.date(2023, 3, 5)),
        ("5/3/2023", dt.date(2023, 3, 5)),
        ("5/03/2023", dt.date(2023, 3, 5)),
        ("12/01/2024", dt.date(2024, 1, 12)),  # day first, never month first
        ("29/02/2024", dt.date(2024, 2, 29)),
        ("29/02/2000", dt.date(2000, 2, 29)),
        ("01/01/1900", dt.date(1900, 1, 1)),
        ("31/12/2100", dt.date(2100, 12, 31)),
    ],
)
def test_dates_are_day_first(raw: str, day: dt.date) -> None:
    assert _taken("date", raw) == day


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2023",
        "29/02/2023",
        "29/02/1900",
        "29/02/2100",
        "31/04/2023",
        "00/01/2023",
        "01/13/2023",
        "1/2/23",
        "01/02/20231",
        "31/12/1899",
        "01/01/2101",
        "01/01/0001",
        "31/12/9999",
        "2023-03-05",
        "05-03-2023",
        "05.03.2023",
        "2023/03/05",
        "hôm qua",
        "٠٥/٠٣/٢٠٢٣",
        "０５/０３/２０２３",
        " 05/03/2023",
    ],
)
def test_impossible_malformed_and_implausible_dates_are_refused(raw: str) -> None:
    assert _taken("date", raw) is None


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234.567", "1234567"),
        ("1.234,5", "1234.5"),
        ("1234567", "1234567"),
        ("1234,5", "1234.5"),
        ("-1.000", "-1000"),
        ("0,5", "0.5"),
        ("00", "0"),
        ("999.999.999.999.999.999", "999999999999999999"),
        ("1," + "9" * 18, "1." + "9" * 18),
        # the Vietnamese readings of the ambiguous forms
        ("1.234", "1234"),
        ("1,5", "1.5"),
        ("1,234", "1.234"),
    ],
)
def test_vietnamese_numbers(raw: str, value: str) -> None:
    assert _taken("number", raw) == Decimal(value)


@pytest.mark.parametrize(
    "raw",
    [
        # the English locale, refused rather than misread
        "1,234,567.5",
        "1,234,567",
        "1.5",
        "1234.5",
        "12.34",
        # signs, spaces and currency the contract does not allow
        "+2,50",
        "− 1.000",
        "1 234 567",
        "1\u00a0234",
        "1.500.000 đ",
        # garbage, and more digits than any amount has
        "",
        "abc",
        "1.23.456",
        ",5",
        "5,",
        "1..234",
        "9" * 19,
        "1," + "9" * 19,
        "١٢",
        "１２",
    ],
)
def test_other_number_forms_are_refused(raw: str) -> None:
    assert _taken("number", raw) is None


def test_amounts_are_never_negative_nor_above_the_limit_to_the_last_decimal() -> None:
    assert _taken("amount", "100.000.000.000") == Decimal(100_000_000_000)
    assert _taken("amount", "100.000.000.000,000000000000000001") is None
    assert _taken("amount", "-0") is None
    assert _taken("amount", "0") == Decimal(0)


@pytest.mark.parametrize(
    ("rule", "raw", "value"),
    [
        ("integer", "4", 4),
        ("integer", "1.234", 1234),
        ("integer", "007", 7),
        ("integer", "1,5", None),
        ("integer", "-4", None),
        ("flag01", "1", True),
        ("flag01", "0", False),
        ("flag01", "01", None),
        ("flag01", "１", None),
        ("cccd", "012345678901", "012345678901"),
        ("cccd", "١٢٣٤٥٦٧٨٩٠١٢", None),
        ("cccd", "01234567890", None),
        ("bhyt_card", "HN4951234567890", "HN4951234567890"),
        ("bhyt_card", "1234567890", "1234567890"),
        ("bhyt_card", "hn4951234567890", None),
        ("bhyt_card", "HN6951234567890", None),
        ("unit_code", "31813", "31813"),
        ("unit_code", "31899", None),
        ("poverty_classifications.value_vi", "Hộ nghèo", "Hộ nghèo"),
        ("poverty_classifications.value_vi", "Ho ngheo", None),
    ],
)
def test_other_types(rule: str, raw: str, value: object) -> None:
    assert _taken(rule, raw) == value


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(contract_values(), min_size=1, max_size=200), repeats=st.integers(1, 6))
def test_the_checks_reject_exactly_the_values_their_type_cannot_take(values: list[str], repeats: int) -> None:
    """The loader's machinery (suspects, rules run once per distinct value) changes nothing:
    a value is rejected where, and only where, its type says it is not one."""
    once = loader_verdicts(values)
    for rule, taken in loader_verdicts(values * repeats).items():  # repeats: the distinct-value path
        assert taken == once[rule] * repeats, rule


def test_the_dbt_macros_use_the_shapes_years_and_limit_defined_here() -> None:
    """A cheap guard against drift; the integration test proves the behaviour equal."""
    text = MACROS.read_text(encoding="utf-8")
    shapes = dict(re.findall(r"type_name == '(\w+)' -%}\s*(\S+)\s*{%-", text))
    assert shapes == {
        "date": types.DATE_SHAPE,
        "number": types.NUMBER_SHAPE,
        "integer": types.INTEGER_SHAPE,
        "cccd": types.CCCD_SHAPE,
        "bhyt_card": types.BHYT_CARD_SHAPE,
        "ambiguous_amount": types.AMBIGUOUS_AMOUNT_SHAPE,
    }
    assert f"set years = {types.YEARS}" in text
    assert f"max_value={types.DEFAULT_MAX_AMOUNT}" in text


def test_raw_sources_list_their_contract_columns() -> None:
    """dbt creates missing raw tables from these lists, so they must be the contract's."""
    for path in (DBT_PROJECT_DIR / "models").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            if not source["schema"].startswith("raw_"):
                continue
            contract = load_contract(source["schema"].removeprefix("raw_"))
            for table in source["tables"]:
                name = table["identifier"].removesuffix("_lineage")
                assert [column["name"] for column in table["columns"]] == contract.tables[name].column_names
