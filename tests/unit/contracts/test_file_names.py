"""File names from the contracts: what the matcher accepts, what it refuses and why, and that
every name the renderer writes parses back to the parts it was written from."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mtqg_warehouse.contracts.file_names import (
    MAX_VERSION,
    FileNameRefused,
    FileNames,
    contract_file_name,
)
from mtqg_warehouse.contracts.model import feeds, load_contract
from mtqg_warehouse.ingest.files import LONGEST_NAME_BYTES

BANK = load_contract("bank")
CARDS = load_contract("insurance")
WARDS = load_contract("ward_returns")

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
ward_versions = st.none() | st.integers(min_value=1, max_value=MAX_VERSION)


def codes(width: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=width, max_size=width)


@given(office=codes(3), day=days, version=st.none() | st.integers(min_value=1, max_value=99))
def test_bank_names_round_trip(office: str, day: date, version: int | None) -> None:
    name = contract_file_name(BANK, office_code=office, period=day, version=version)
    parsed = BANK.file_names.parse(name)
    assert (parsed.sender, parsed.code("office_code")) == (office, office)
    assert (parsed.period, parsed.version, parsed.kind) == (f"{day:%Y%m%d}", version, None)
    assert contract_file_name(BANK, **parsed.parts()) == name


@given(province=codes(2), day=days)
def test_insurance_names_round_trip(province: str, day: date) -> None:
    name = contract_file_name(CARDS, province_code=province, period=day)
    parsed = CARDS.file_names.parse(name)
    assert (parsed.sender, parsed.period, parsed.version) == (province, f"{day:%Y%m}", None)
    assert contract_file_name(CARDS, **parsed.parts()) == name


@given(kind=st.sampled_from(["ra_soat", "bao_cao"]), ward=codes(5), day=days, version=ward_versions)
def test_ward_return_names_round_trip(kind: str, ward: str, day: date, version: int | None) -> None:
    period = day.year if kind == "ra_soat" else day
    name = contract_file_name(WARDS, kind, ward_code=ward, period=period, version=version)
    parsed = WARDS.file_names.parse(name)
    expected = f"{day:%Y}" if kind == "ra_soat" else f"{day:%Y%m}"
    assert (parsed.kind, parsed.sender, parsed.period, parsed.version) == (kind, ward, expected, version)
    assert parsed.code("ward_code") == ward
    assert contract_file_name(WARDS, kind, **parsed.parts()) == name


def test_known_names_parse_to_their_parts() -> None:
    bank = BANK.file_names.parse("vbsp_954_20230102_02.csv")
    assert (bank.sender, bank.period, bank.version) == ("954", "20230102", 2)
    review = WARDS.file_names.parse("ra_soat_31825_2023_v3.xlsx")
    assert (review.kind, review.sender, review.period, review.version) == ("ra_soat", "31825", "2023", 3)
    assert WARDS.file_names.parse("bao_cao_31825_202305.xlsx").version is None


FULLWIDTH_2023 = "\uff12\uff10\uff12\uff13"  # ２０２３
ARABIC_INDIC_2023 = "\u0662\u0660\u0662\u0663"  # ٢٠٢٣


@pytest.mark.parametrize(
    ("contract", "name", "reason"),
    [
        (BANK, f"vbsp_954_{FULLWIDTH_2023}0102.csv", "non-ASCII"),
        (BANK, f"vbsp_954_{ARABIC_INDIC_2023}0102.csv", "non-ASCII"),
        (WARDS, f"ra_soat_31825_{FULLWIDTH_2023}.xlsx", "non-ASCII"),
        (CARDS, f"the_bhyt_95_{ARABIC_INDIC_2023}01.csv", "non-ASCII"),
        (BANK, "vbsp_954_20230102.csv\n", "control character"),
        (WARDS, "ra_soat_31825_2023.xlsx\n", "control character"),
        (BANK, "vbsp_954_20231399.csv", "not a real calendar date"),
        (BANK, "vbsp_954_20230230.csv", "not a real calendar date"),
        (CARDS, "the_bhyt_95_202313.csv", "not a real month"),
        (CARDS, "the_bhyt_95_202300.csv", "not a real month"),
        (WARDS, "bao_cao_31825_202399.xlsx", "not a real month"),
        (WARDS, "ra_soat_31825_0000.xlsx", "outside the years"),
        (WARDS, "ra_soat_31825_2023_v99999999999999999999.xlsx", "out of range"),
        (WARDS, "ra_soat_31825_2023_v2147483648.xlsx", "out of range"),
        (WARDS, "ra_soat_31825_2023_v0.xlsx", "out of range"),
        (WARDS, "ra_soat_31825_2023_v02.xlsx", "leading zeros"),
        (BANK, "vbsp_954_20230102_00.csv", "out of range"),
        (WARDS, "ra_soat_31825_202301.xlsx", "does not follow"),  # a review is yearly
        (WARDS, "bao_cao_31825_2023.xlsx", "does not follow"),  # a report is monthly
        (BANK, "vbsp_954_20230102_2.csv", "does not follow"),
        (BANK, "vbsp_954_20230102.CSV", "does not follow"),
        (CARDS, "the_bhyt_95_202301_v2.csv", "does not follow"),
    ],
)
def test_refused_names_say_why(contract, name: str, reason: str) -> None:
    with pytest.raises(FileNameRefused, match=reason):
        contract.file_names.parse(name)


def test_the_highest_version_the_audit_column_holds_is_accepted() -> None:
    parsed = WARDS.file_names.parse(f"ra_soat_31825_2023_v{MAX_VERSION}.xlsx")
    assert parsed.version == MAX_VERSION == 2**31 - 1


def test_the_renderer_never_writes_a_name_the_matcher_refuses() -> None:
    with pytest.raises(ValueError, match="would be refused"):
        contract_file_name(BANK, office_code="954", period="20231399")
    with pytest.raises(ValueError, match="missing parts"):
        contract_file_name(WARDS, "ra_soat", period=2023)
    with pytest.raises(ValueError, match="unknown parts"):
        contract_file_name(CARDS, province_code="95", period=date(2023, 1, 1), version=2)
    with pytest.raises(ValueError, match="no file name pattern of kind"):
        contract_file_name(WARDS, ward_code="31825", period=2023)


@pytest.mark.parametrize("feed", feeds())
def test_every_contract_name_fits_the_archive(feed: str) -> None:
    """The archive puts a prefix and sidecar suffixes on the name; the longest name a contract
    accepts must still fit one path component."""
    assert load_contract(feed).file_names.longest <= LONGEST_NAME_BYTES


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"pattern": "x_{code:ddd}.csv", "sender": "code"}, "period"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}_{version:n}.csv", "sender": "code"}, "misplaced"),
        ({"pattern": "x_{code:ddd}_{period:ddd}.csv", "sender": "code"}, "misplaced"),
        ({"pattern": "x_{code:yyyy}_{period:yyyy}.csv", "sender": "code"}, "misplaced"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}[_{other:dd}].csv", "sender": "code"}, "misplaced"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}_{period:yyyy}.csv", "sender": "code"}, "exactly one"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}.csv", "sender": "period"}, "no sender code"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}[_v{version:n}.csv", "sender": "code"}, "unbalanced"),
        ({"pattern": "x_{code:abc}_{period:yyyy}.csv", "sender": "code"}, "unknown format"),
        ({"pattern": "x_{code:ddd}_{period:yyyy}.csv", "sender": "ward_code"}, "no sender code"),
    ],
)
def test_malformed_patterns_are_caught_when_the_contract_loads(spec: dict, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        FileNames.from_spec(spec)


def test_kind_and_acceptance_by_name() -> None:
    assert WARDS.file_names.kind_of("ra_soat_31825_2023.xlsx") == "ra_soat"
    assert WARDS.file_names.kind_of("bao_cao_31825_202301_v2.xlsx") == "bao_cao"
    assert WARDS.file_names.kind_of("ra_soat_31825_2023.xls") is None
    assert BANK.file_names.accepts("vbsp_954_20230102.csv")
    assert not BANK.file_names.accepts("vbsp_954_20230132.csv")
