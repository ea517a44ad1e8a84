"""Every file name the generator writes, rendered from the feed contracts' ``file_name`` key, so
a generated file is always one the loader accepts and a contract change renames both at once."""

from __future__ import annotations

from datetime import date
from functools import cache

from mtqg_warehouse.contracts.file_names import contract_file_name
from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.generator.config import assumptions, province_code, wards

CORRECTION = 2  # a corrected or re-delivered file is the second version of its name


def review(ward_code: str, year: int) -> str:
    """The ward's annual poverty-review workbook."""
    return contract_file_name(load_contract("ward_returns"), "ra_soat", ward_code=ward_code, period=year)


def monthly_report(ward_code: str, year: int, month: int) -> str:
    """The ward's monthly support and funds workbook."""
    first_day = date(year, month, 1)
    return contract_file_name(load_contract("ward_returns"), "bao_cao", ward_code=ward_code, period=first_day)


@cache  # called once per loan event
def bank_day(day: date) -> str:
    """The city transaction office's loan events of one business day."""
    office = assumptions()["bank"]["office_code"]
    return contract_file_name(load_contract("bank"), office_code=office, period=day)


@cache  # called once per card
def card_month(day: date) -> str:
    """The province's health-insurance cards of the month ``day`` falls in (the province the
    city's wards belonged to then, as the card numbers carry it)."""
    province = province_code(wards()[0].code, day.year)
    return contract_file_name(load_contract("insurance"), province_code=province, period=day)


def corrected(feed: str, name: str, version: int = CORRECTION) -> str:
    """``name`` with a later version: the file that supersedes it (bank _02, ward returns _v2)."""
    names = load_contract(feed).file_names
    first = names.parse(name)
    return names.render(first.kind, **(first.parts() | {"version": version}))
