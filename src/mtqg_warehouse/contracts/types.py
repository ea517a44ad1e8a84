"""The contract's column types, each defined once: what a value must look like, and what the
ward officer is told when it does not.

A type gives a vectorised Polars expression, ``typed``, that is the value as its type (a date,
an exact decimal, a whole number, a boolean, the code itself) or null where the value is not
of the type. The loader rejects a present value the type does not ``accepts`` (ingest/checks.py;
where the shape alone decides, only the shape is tested, which is cheaper); staging types the
same raw text with the dbt macros in ``dbt_project/macros/contract_types.sql``. Tests prove the
three equal on thousands of generated and hostile values: ``accepts`` and ``typed`` in
tests/unit/contracts, the loader and the macros on PostgreSQL in
tests/integration/contracts/test_types_agree.py (a value the loader takes types to the same value
in staging, and one it refuses is null there). The macros repeat the shapes, years and amount
limit below; a unit test fails when they drift.

Shapes are regular expressions both Polars (Rust's regex) and PostgreSQL read the same way:
``[0-9]``, never ``\\d`` (which in Rust also matches '٣' and other Unicode digits), and ``$``
only at the very end (neither engine lets it match before a final newline). Digit counts are
bounded, so no accepted number can overflow PostgreSQL's numeric or bigint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from mtqg_warehouse.contracts import reference

YEARS = (1900, 2100)  # a date outside these is a typo (0023 for 2023), not a record
DATE_SHAPE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
# Vietnamese numbers: '.' groups thousands, ',' marks decimals; at most 18 digits each side.
NUMBER_SHAPE = r"^-?([0-9]{1,3}(\.[0-9]{3}){1,5}|[0-9]{1,18})(,[0-9]{1,18})?$"
# 425,000: 425 in Vietnamese format, four hundred twenty-five thousand in English; amounts are
# in đồng, which has no fraction, so the English reading is the likely one and neither is taken
AMBIGUOUS_AMOUNT_SHAPE = r"^[1-9][0-9]{0,2},[0-9]{3}$"
INTEGER_SHAPE = r"^([0-9]{1,3}(\.[0-9]{3}){1,5}|[0-9]{1,18})$"
CCCD_SHAPE = r"^[0-9]{12}$"
BHYT_CARD_SHAPE = r"^([A-Z]{2}[1-5][0-9]{12}|[0-9]{10})$"
DEFAULT_MAX_AMOUNT = 100_000_000_000  # 100 billion VND in one row is a typo, not a payment
DECIMAL = pl.Decimal(38, 18)  # holds every accepted number exactly (18 + 18 digits)


@dataclass(frozen=True)
class Rule:
    """Why a value is refused: in English for operators, in Vietnamese for the ward officer."""

    reason: str
    reason_vi: str
    fix_hint: str  # in Vietnamese: the ward officer or the sending agency acts on it


@dataclass(frozen=True)
class ContractType:
    name: str
    rule: Rule | None  # None: free text, any value is of the type
    typed: Callable[[pl.Expr], pl.Expr]  # the value as its type, null where it is not one
    # True where ``typed`` is not null, cheaper where the shape alone decides (the loader's
    # hot path); tests/unit/contracts proves the two agree on generated values.
    shape: str | None = None

    def accepts(self, value: pl.Expr) -> pl.Expr:
        return value.str.contains(self.shape) if self.shape else self.typed(value).is_not_null()


def _date(value: pl.Expr) -> pl.Expr:
    year = value.str.slice(-4).cast(pl.Int32, strict=False)
    parsed = value.str.strptime(pl.Date, "%d/%m/%Y", strict=False)  # null on 31/04, 29/02/2023
    return pl.when(value.str.contains(DATE_SHAPE) & year.is_between(*YEARS)).then(parsed)


def _decimal_text(value: pl.Expr) -> pl.Expr:
    return value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)


def _number(value: pl.Expr) -> pl.Expr:
    return pl.when(value.str.contains(NUMBER_SHAPE)).then(_decimal_text(value).cast(DECIMAL, strict=False))


def _integer(value: pl.Expr) -> pl.Expr:
    whole = value.str.replace_all(".", "", literal=True).cast(pl.Int64, strict=False)
    return pl.when(value.str.contains(INTEGER_SHAPE)).then(whole)


def _flag(value: pl.Expr) -> pl.Expr:
    return pl.when(value == "1").then(True).when(value == "0").then(False)


def _shaped(pattern: str) -> Callable[[pl.Expr], pl.Expr]:
    return lambda value: pl.when(value.str.contains(pattern)).then(value)


def _listed(codes: Callable[[], frozenset[str]]) -> Callable[[pl.Expr], pl.Expr]:
    return lambda value: pl.when(value.is_in(sorted(codes()))).then(value)


def _text(value: pl.Expr) -> pl.Expr:
    return value


# Free text, or codes whose list (if any) the column names with accepted_from.
FREE_TEXT = ("text", "code", "code_vi", "household_code", "hamlet_code")

TYPES: dict[str, ContractType] = {
    contract_type.name: contract_type
    for contract_type in (
        ContractType(
            "date",
            Rule(
                "not a valid date",
                "ngày không hợp lệ",
                f"ghi ngày theo dạng dd/mm/yyyy, ví dụ 05/09/2023 (năm từ {YEARS[0]} đến {YEARS[1]})",
            ),
            _date,
        ),
        ContractType(
            "number",
            Rule(
                "not a number in Vietnamese format (wrong locale?)",
                "số không đúng định dạng",
                "ghi số dạng 1.234.567 hoặc 1.234,5 (dấu chấm phân cách hàng nghìn, dấu phẩy thập phân)",
            ),
            _number,
            NUMBER_SHAPE,  # every number of this shape fits the decimal exactly
        ),
        ContractType(
            "integer",
            Rule("not a whole number", "không phải số nguyên", "ghi số nguyên, ví dụ 4"),
            _integer,
            INTEGER_SHAPE,  # at most 18 digits: always a bigint
        ),
        ContractType(
            "flag01",
            Rule(
                "not 0 or 1",
                "chỉ được ghi 0 hoặc 1",
                "ghi 1 nếu hộ thiếu hụt chỉ số này, ngược lại ghi 0",
            ),
            _flag,
        ),
        ContractType(
            "cccd",
            Rule(
                "not a 12-digit citizen ID (CCCD) number",
                "số CCCD phải gồm 12 chữ số",
                "ghi đủ 12 chữ số trên thẻ CCCD",
            ),
            _shaped(CCCD_SHAPE),
            CCCD_SHAPE,
        ),
        ContractType(
            "bhyt_card",
            Rule(
                "not a health-insurance card number",
                "mã thẻ BHYT không đúng",
                "mã thẻ 15 ký tự (2 chữ, 1 số, mã tỉnh, 10 số) hoặc 10 chữ số mã BHXH",
            ),
            _shaped(BHYT_CARD_SHAPE),
            BHYT_CARD_SHAPE,
        ),
        ContractType(
            "unit_code",
            Rule(
                "unknown ward/commune code",
                "mã xã/phường không đúng",
                "ghi mã 5 chữ số của xã/phường theo danh mục của Tổng cục Thống kê",
            ),
            _listed(reference.unit_codes),
        ),
        *(ContractType(name, None, _text) for name in FREE_TEXT),
    )
}


def contract_type(name: str) -> ContractType:
    """The type a contract column names; a name with no definition is a contract error."""
    try:
        return TYPES[name]
    except KeyError:
        raise ValueError(f"contract type {name!r} has no definition in contracts/types.py") from None


# Codes a column takes from a reference list (``accepted_from: <seed>.<column>``).
CODE_LIST = Rule("unknown code", "mã không có trong danh mục", "dùng một mã trong danh mục: {listed}")


def listed_code(accepted_from: str) -> Callable[[pl.Expr], pl.Expr]:
    """The code where it is in the seed column ``accepted_from``, else null."""
    return _listed(lambda: reference.accepted_values(accepted_from))


def code_list_rule(accepted_from: str) -> Rule:
    accepted = sorted(reference.accepted_values(accepted_from))
    listed = ", ".join(accepted[:12]) + (" ..." if len(accepted) > 12 else "")
    return Rule(CODE_LIST.reason, CODE_LIST.reason_vi, CODE_LIST.fix_hint.format(listed=listed))


# Amounts: numbers in columns named ``amount`` or ``*_amount``, never negative, never absurd.
NEGATIVE_AMOUNT = Rule(
    "negative amount",
    "số tiền âm",
    "không ghi số âm; nếu cần điều chỉnh, gửi lại báo cáo đã sửa",
)


AMBIGUOUS_AMOUNT = Rule(
    "ambiguous amount: a comma before three digits is a decimal comma in Vietnamese (425,000 = 425 VND)",
    "số tiền không rõ: dấu phẩy là dấu thập phân (425,000 là 425 đồng)",
    "ghi dấu chấm ngăn cách hàng nghìn, ví dụ 425.000",
)


def ambiguous_amount(value: pl.Expr) -> pl.Expr:
    """One to three digits, a comma, three digits: a thousand-grouped English number."""
    return value.str.contains(AMBIGUOUS_AMOUNT_SHAPE)


def is_amount(column_name: str) -> bool:
    return column_name == "amount" or column_name.endswith("_amount")


def amount_above_rule(limit: float) -> Rule:
    return Rule(
        f"amount above {limit:,.0f} VND",
        "số tiền quá lớn, có thể ghi nhầm",
        "kiểm tra lại số chữ số của số tiền",
    )


def negative_amount(value: pl.Expr) -> pl.Expr:
    """A number written with a minus sign, '-0' too: an amount is never entered negative."""
    return value.str.starts_with("-")


def amount_above(value: pl.Expr, limit: float) -> pl.Expr:
    """On numbers (the caller tests the shape once): exact, compared as decimals, so
    100.000.000.000,01 is above 100 billion."""
    return _decimal_text(value).cast(DECIMAL, strict=False) > pl.lit(limit).cast(DECIMAL)


# Declared ranges of other numbers (``min_value`` / ``max_value``: a percentage is 0-100).
def below(value: pl.Expr, limit: float) -> pl.Expr:
    """On numbers, compared exactly as decimals (like ``amount_above``)."""
    return _decimal_text(value).cast(DECIMAL, strict=False) < pl.lit(limit).cast(DECIMAL)


def below_rule(limit: float) -> Rule:
    return Rule(f"below the minimum {limit:g}", f"giá trị nhỏ hơn mức tối thiểu {limit:g}", _range_hint())


def above_rule(limit: float) -> Rule:
    return Rule(f"above the maximum {limit:g}", f"giá trị lớn hơn mức tối đa {limit:g}", _range_hint())


def _range_hint() -> str:
    return "kiểm tra lại giá trị; ví dụ tỷ lệ phần trăm ghi từ 0 đến 100"


# Rules on more than one value: the loader's, row by row (staging types each value alone).
def as_date(value: pl.Expr) -> pl.Expr:
    return _date(value)


def before_rule(earlier: str) -> Rule:
    return Rule(
        f"before {earlier}",
        "ngày kết thúc trước ngày bắt đầu",
        f"kiểm tra lại hai ngày: ngày này không được trước ngày ở cột {earlier}",
    )


def group_not_card_prefix(group: pl.Expr, card: pl.Expr) -> pl.Expr:
    """A 15-character card number begins with its beneficiary group; a 10-digit number has no
    group to compare, and a number that is not a card number is said to be that alone."""
    card_with_group = (card.str.len_chars() == 15) & card.str.contains(BHYT_CARD_SHAPE)
    return card_with_group & (card.str.slice(0, 2) != group)


CARD_PREFIX = Rule(
    "beneficiary group does not match the card number's prefix",
    "đối tượng không khớp với 2 chữ đầu của mã thẻ BHYT",
    "kiểm tra lại mã thẻ hoặc đối tượng: 2 chữ đầu của mã thẻ 15 ký tự là mã đối tượng (ví dụ HN)",
)


def not_file_date_rule(file_date: str) -> Rule:
    return Rule(
        f"not the file's date {file_date}",
        "ngày giao dịch khác ngày của tệp",
        "mỗi tệp chỉ gồm giao dịch của ngày ghi trên tên tệp; chuyển dòng này sang tệp của ngày đó",
    )
