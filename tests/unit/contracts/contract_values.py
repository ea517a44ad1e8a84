"""Values to throw at the contract types: well-formed ones, near misses and hostile text.

Shared by the unit tests (loader rules alone) and the integration test that proves the loader
and staging's dbt macros agree on every value.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import polars as pl
from hypothesis import strategies as st

from mtqg_warehouse.contracts import reference, types
from mtqg_warehouse.contracts.model import Column, Table, load_contract
from mtqg_warehouse.ingest.checks import find_rejections
from mtqg_warehouse.ingest.rows import ROW_NUMBER

# Characters that look like what a rule accepts but are not: Unicode digits (Arabic-Indic,
# fullwidth, Devanagari, NKo), spaces of every kind, other signs and separators.
LOOKALIKES = "٠٣٩１９०७߃\u00a0\u3000\u2007\u202f\t\n\r\x0b\x0c\x1f\x7f −+–·٫٬،／．，"
SYMBOLS = "0123456789/.,-"

# Values every type must get right, named in the issue: boundaries and classic confusions.
NAMED_CASES = [
    "05/03/2023",
    "5/3/2023",
    "29/02/2024",
    "29/02/2023",
    "29/02/2000",
    "29/02/1900",
    "29/02/2100",
    "31/04/2023",
    "31/12/2100",
    "01/01/2101",
    "01/01/1900",
    "31/12/1899",
    "01/01/0001",
    "31/12/9999",
    "00/01/2023",
    "01/00/2023",
    "01/13/2023",
    "1/1/23",
    "01/02/20231",
    "2023-03-05",
    "05-03-2023",
    "05.03.2023",
    "٠٥/٠٣/٢٠٢٣",
    "０５/０３/２０２３",
    " 05/03/2023",
    "05/03/2023 ",
    "05/03/2023\n",
    "1.234,5",
    "1,234.5",
    "1.234.567",
    "1,234,567",
    "1234,5",
    "1.5",
    "1,5",
    "1,234",
    "0,10",
    "00",
    "007",
    "-0",
    "-0,0",
    "+1",
    "−1",
    "-1.000",
    "1 234 567",
    "1\u00a0234",
    "1.500.000 đ",
    ",5",
    "5,",
    "1.23.456",
    "1..234",
    ".123",
    "123.",
    "999.999.999.999.999",
    "999.999.999.999.999.999",
    "9.999.999.999.999.999.999",
    "999999999999999999",
    "9999999999999999999",
    "1," + "9" * 18,
    "1," + "9" * 19,
    "100.000.000.000",
    "100.000.000.000,0",
    "100.000.000.000,000000000000000001",
    "100.000.000.001",
    "99.999.999.999,99",
    "0",
    "1",
    "01",
    "10",
    "1.0",
    "0,0",
    "true",
    "O",
    "l",
    "１",
    "٣",
    "123456789012",
    "12345678901",
    "1234567890123",
    "١٢٣٤٥٦٧٨٩٠١٢",
    "HN4951234567890",
    "hn4951234567890",
    "HN6951234567890",
    "HN0951234567890",
    "ĐN4951234567890",
    "1234567890",
    "HN495123456789",
    "9" * 400,
    "1" * 5000,
    "",
    " ",
    "\u00a0",
]


def _padded(number: int, width: int) -> str:
    return str(number).zfill(width)


@st.composite
def date_like(draw: st.DrawFn) -> str:
    """d/m/y with any numbers, widths and separator; mostly a real date near the allowed years."""
    kind = draw(st.sampled_from(["near", "near", "any", "numbers"]))
    if kind == "numbers":
        day, month, year = (draw(st.integers(0, 99)), draw(st.integers(0, 99)), draw(st.integers(0, 99999)))
    else:
        low, high = (
            (dt.date(1890, 1, 1), dt.date(2110, 12, 31)) if kind == "near" else (dt.date.min, dt.date.max)
        )
        day_date = draw(st.dates(min_value=low, max_value=high))
        day, month, year = day_date.day, day_date.month, day_date.year
    widths = draw(
        st.sampled_from([(2, 2, 4), (2, 2, 4), (1, 1, 4), (1, 2, 4), (3, 2, 4), (2, 2, 2), (2, 2, 5)])
    )
    separator = draw(st.sampled_from(["/", "/", "/", "/", "-", ".", " / ", "／"]))
    parts = [_padded(day, widths[0]), _padded(month, widths[1]), _padded(year, widths[2])]
    return separator.join(parts)


@st.composite
def number_like(draw: st.DrawFn) -> str:
    """Numbers grouped the Vietnamese or the English way, or neither, of any length."""
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=24))
    fraction = draw(st.text(alphabet="0123456789", min_size=0, max_size=22))
    grouping, decimal = draw(
        st.sampled_from([(".", ","), (".", ","), (",", "."), ("", ","), ("", "."), (" ", ",")])
    )
    stripped = digits.lstrip("0") or "0"
    if draw(st.booleans()):
        digits = stripped
    if grouping and draw(st.booleans()):
        head = len(digits) % 3 or 3
        digits = grouping.join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])
    sign = draw(st.sampled_from(["", "", "", "-", "+", "−"]))
    return sign + digits + (decimal + fraction if fraction or draw(st.booleans()) else "")


@st.composite
def identifier_like(draw: st.DrawFn) -> str:
    """CCCD and card numbers, right and nearly right."""
    digits = draw(st.text(alphabet="0123456789", min_size=9, max_size=14))
    prefix = draw(st.sampled_from(["", "", "HN", "CN", "hn", "Hn", "ĐN", "H1", "ZZ"]))
    level = draw(st.sampled_from(["", "1", "4", "5", "0", "6"]))
    return prefix + level + digits


def code_lists() -> list[list[str]]:
    """The unit codes, and each code list a contract names."""
    return [sorted(reference.unit_codes())] + [
        sorted(reference.accepted_values(spec)) for spec in accepted_from_lists()
    ]


def listed_codes() -> list[str]:
    return sorted({code for codes in code_lists() for code in codes})


@st.composite
def code_like(draw: st.DrawFn) -> str:
    lists = [sorted(reference.unit_codes())] + [
        sorted(reference.accepted_values(spec)) for spec in accepted_from_lists()
    ]
    code = draw(st.sampled_from(draw(st.sampled_from(lists))))
    change = draw(st.sampled_from(["same", "same", "lower", "upper", "nfd", "space", "suffix", "cut"]))
    changed = {
        "same": code,
        "lower": code.lower(),
        "upper": code.upper(),
        "nfd": unicodedata.normalize("NFD", code),
        "space": code + " ",
        "suffix": code + "0",
        "cut": code[:-1],
    }
    return changed[change]


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A value with one character replaced by, or one inserted from, the lookalikes."""
    value = draw(base)
    position = draw(st.integers(0, len(value)))
    character = draw(st.sampled_from(LOOKALIKES + SYMBOLS))
    replace = draw(st.booleans()) and position < len(value)
    return value[:position] + character + value[position + (1 if replace else 0) :]


def hostile_text() -> st.SearchStrategy[str]:
    """Any text PostgreSQL can store (no NUL, no lone surrogate), biased to what rules read."""
    return st.text(
        alphabet=st.sampled_from(LOOKALIKES + SYMBOLS)
        | st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
        max_size=30,
    )


def contract_values() -> st.SearchStrategy[str]:
    """One value of any kind: each type's well-formed values, their near misses, hostile text."""
    shaped = st.one_of(
        date_like(), number_like(), identifier_like(), code_like(), st.sampled_from(NAMED_CASES)
    )
    return st.one_of(shaped, shaped, mutated(shaped), hostile_text())


def accepted_from_lists() -> list[str]:
    return sorted(
        {
            column.accepted_from
            for feed in ("bank", "insurance", "ward_returns")
            for table in load_contract(feed).tables.values()
            for column in table.columns
            if column.accepted_from
        }
    )


def checked_columns() -> dict[str, Column]:
    """One optional column per rule the loader has: each type, amounts, each code list."""
    columns = {
        name: Column(name=name, header_vi=name, type=name, required=False, description="")
        for name, contract_type in types.TYPES.items()
        if contract_type.rule is not None
    }
    columns["amount"] = Column(
        name="amount", header_vi="Số tiền", type="number", required=False, description=""
    )
    for spec in accepted_from_lists():
        columns[spec] = Column(
            name=spec, header_vi=spec, type="code", required=False, description="", accepted_from=spec
        )
    return columns


def typed_expression(column: Column) -> pl.Expr:
    value = pl.col(column.name)
    if column.accepted_from:
        return types.listed_code(column.accepted_from)(value)
    return types.contract_type(column.type).typed(value)


def loader_verdicts(values: list[str]) -> dict[str, list[object]]:
    """Per rule, each value as the loader takes it (typed by its contract type), or None where
    the loader's checks reject it. Fails where the checks and the type disagree."""
    columns = checked_columns()
    frame = pl.DataFrame(
        {ROW_NUMBER: list(range(len(values))), **{name: values for name in columns}},
        schema={ROW_NUMBER: pl.Int64, **{name: pl.String for name in columns}},
    )
    table = Table(name="values", description="", natural_key=(), columns=tuple(columns.values()))
    rejected = set(find_rejections(frame, table).select("row_number", "field").iter_rows())
    typed = frame.select(typed_expression(column).alias(name) for name, column in columns.items())
    verdicts = {}
    for name, column in columns.items():
        taken = typed.get_column(name).to_list()
        # an amount is a number the amount rules may still refuse (negative, above the limit)
        may_refuse = types.is_amount(column.name)
        disagree = [
            values[row]
            for row, value in enumerate(taken)
            if (value is None) != ((row, name) in rejected) and not (may_refuse and value is not None)
        ]
        assert not disagree, f"{name}: the loader's checks and the type disagree on {disagree[:5]!r}"
        verdicts[name] = [None if (row, name) in rejected else value for row, value in enumerate(taken)]
    return verdicts
