"""Vietnamese dates and numbers, and refusal of the English locale where it is unambiguous."""

import datetime
from decimal import Decimal

import pytest

from mtqg_warehouse.text import parse_vn_date, parse_vn_number


@pytest.mark.parametrize(
    "raw",
    ["05/03/2023", "5/3/2023", "05-03-2023", "05.03.2023", "2023-03-05", " 5/3/2023 ", "5/03/2023"],
)
def test_date_forms_are_day_first_or_iso(raw: str) -> None:
    assert parse_vn_date(raw) == datetime.date(2023, 3, 5)


def test_day_first_is_not_month_first() -> None:
    assert parse_vn_date("12/01/2024") == datetime.date(2024, 1, 12)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("31/02/2023", "impossible date"),
        ("29/02/2023", "impossible date"),
        ("2023-13-01", "impossible date"),
        ("1/2/23", "four digits"),
        ("01/02/20231", "four digits"),
        ("01-02/2023", "not a date"),
        ("hôm qua", "not a date"),
        ("", "not a date"),
        ("2023/03/05", "not a date"),
    ],
)
def test_bad_dates_raise_clear_errors(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_vn_date(raw)


def test_leap_day_is_accepted() -> None:
    assert parse_vn_date("29/02/2024") == datetime.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("1.234.567", "1234567"),
        ("1.234,5", "1234.5"),
        ("1234567", "1234567"),
        ("1234,5", "1234.5"),
        ("-1.000", "-1000"),
        ("− 1.000", "-1000"),
        ("+2,50", "2.50"),
        ("1 234 567", "1234567"),
        ("1\u00a0234\u00a0567,25", "1234567.25"),
        ("1.500.000 đ", "1500000"),
        ("1.500.000đ", "1500000"),
        ("1.500.000 đồng", "1500000"),
        ("1.500.000 VND", "1500000"),
        ("1.500.000 VNĐ", "1500000"),
        ("0,5", "0.5"),
        # Documented Vietnamese readings of the ambiguous forms:
        ("1.234", "1234"),
        ("1,5", "1.5"),
        ("1,234", "1.234"),
    ],
)
def test_vietnamese_numbers(raw: str, value: str) -> None:
    parsed = parse_vn_number(raw)
    assert parsed == Decimal(value)
    assert isinstance(parsed, Decimal)


def test_decimal_comma_keeps_exact_digits() -> None:
    assert str(parse_vn_number("0,10")) == "0.10"


@pytest.mark.parametrize("raw", ["1,234,567.5", "1,234,567", "1.5", "1234.5", "12.34"])
def test_english_locale_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="wrong number locale"):
        parse_vn_number(raw)


@pytest.mark.parametrize("raw", ["", "abc", "1.23.456", "1,2,3,4.5.6", ",5", "1 23", "đ"])
def test_garbage_numbers_raise(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        parse_vn_number(raw)
