"""The marts suites' checks written as plain SQL, to price what Great Expectations adds.

Each expectation of ``expectations/suites/*.yml`` is compiled, generically by its type, to one
query that returns the number of unexpected rows (for a row count: 1 when the count is out of
range, else 0). The suites are read through ``validation.suite_specs``, the same function the
GX checkpoint is defined from, so both sides always check the same things. A type this module
cannot compile raises ``Unsupported``: the comparison is then unavailable, never made over
fewer checks than GX ran.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from psycopg import sql

if TYPE_CHECKING:
    import psycopg

BATCH_PLACEHOLDER = "{batch}"  # GX's UnexpectedRowsExpectation names the table so


class Unsupported(ValueError):
    """An expectation type (or option) with no plain-SQL form here."""


@dataclass(frozen=True)
class Check:
    suite: str
    expectation: str
    query: sql.Composable


def compile_suite(spec: dict[str, Any], schema: str) -> list[Check]:
    """One query per expectation of one suite spec, against ``schema.<relation>``."""
    table = sql.Identifier(schema, spec["relation"])
    return [
        Check(spec["suite"], item["type"], compile_expectation(item["type"], item.get("kwargs", {}), table))
        for item in spec["expectations"]
    ]


def compile_expectation(kind: str, kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    """The query counting ``kind``'s unexpected rows in ``table``."""
    if kwargs.get("mostly", 1) != 1:
        raise Unsupported(f"{kind}: 'mostly' is not compiled")
    compiler = _COMPILERS.get(kind)
    if compiler is None:
        raise Unsupported(f"no plain-SQL form for {kind}")
    return compiler(kwargs, table)


def _row_count(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    inside = _range(sql.SQL("count(*)"), low, high, False, False)
    return sql.SQL("select case when {} then 0 else 1 end from {}").format(inside, table)


def _not_null(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    return sql.SQL("select count(*) from {} where {} is null").format(table, sql.Identifier(kwargs["column"]))


def _unique(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    """GX counts every row whose value occurs more than once (nulls are ignored)."""
    column = sql.Identifier(kwargs["column"])
    return sql.SQL(
        "select coalesce(sum(n), 0) from (select count(*) as n from {} where {} is not null "
        "group by {} having count(*) > 1) as repeated"
    ).format(table, column, column)


def _between(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    column = sql.Identifier(kwargs["column"])
    inside = _range(
        column,
        kwargs.get("min_value"),
        kwargs.get("max_value"),
        bool(kwargs.get("strict_min")),
        bool(kwargs.get("strict_max")),
    )
    return _unexpected(table, column, sql.SQL("not ({})").format(inside))


def _regex(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    column = sql.Identifier(kwargs["column"])
    condition = sql.SQL("{}::text !~ {}").format(column, sql.Literal(kwargs["regex"]))
    return _unexpected(table, column, condition)


def _in_set(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    column = sql.Identifier(kwargs["column"])
    values = sql.SQL(", ").join(sql.Literal(value) for value in kwargs["value_set"])
    return _unexpected(table, column, sql.SQL("{} not in ({})").format(column, values))


def _pair_greater(kwargs: dict[str, Any], table: sql.Identifier) -> sql.Composable:
    """Rows where both are missing are ignored (GX's default); otherwise A must exceed B."""
    a, b = sql.Identifier(kwargs["column_A"]), sql.Identifier(kwargs["column_B"])
    operator = sql.SQL(">=" if kwargs.get("or_equal") else ">")
    return sql.SQL(
        "select count(*) from {} where not ({} is null and {} is null) and not coalesce({} {} {}, false)"
    ).format(table, a, b, a, operator, b)


def _unexpected_rows(kwargs: dict[str, Any], table: sql.Composable) -> sql.Composable:
    """GX's query as is, every ``{batch}`` replaced by the table (a query naming its tables
    itself runs unchanged, as GX runs it)."""
    parts = kwargs["unexpected_rows_query"].split(BATCH_PLACEHOLDER)
    pieces: list[sql.Composable] = [sql.SQL(parts[0])]
    for part in parts[1:]:
        pieces += [table, sql.SQL(part)]
    return sql.SQL("select count(*) from ({}) as unexpected").format(sql.Composed(pieces))


def _unexpected(table: sql.Identifier, column: sql.Identifier, condition: sql.Composable) -> sql.Composable:
    """Non-null values failing ``condition``: GX's column-map expectations skip nulls."""
    return sql.SQL("select count(*) from {} where {} is not null and {}").format(table, column, condition)


def _range(value: sql.Composable, low: Any, high: Any, strict_low: bool, strict_high: bool) -> sql.Composable:
    bounds: list[sql.Composable] = []
    if low is not None:
        bounds.append(
            sql.SQL("{} {} {}").format(value, sql.SQL(">" if strict_low else ">="), sql.Literal(low))
        )
    if high is not None:
        bounds.append(
            sql.SQL("{} {} {}").format(value, sql.SQL("<" if strict_high else "<="), sql.Literal(high))
        )
    return sql.SQL(" and ").join(bounds) if bounds else sql.SQL("true")


_COMPILERS = {
    "expect_table_row_count_to_be_between": _row_count,
    "expect_column_values_to_not_be_null": _not_null,
    "expect_column_values_to_be_unique": _unique,
    "expect_column_values_to_be_between": _between,
    "expect_column_values_to_match_regex": _regex,
    "expect_column_values_to_be_in_set": _in_set,
    "expect_column_pair_values_a_to_be_greater_than_b": _pair_greater,
    "unexpected_rows_expectation": _unexpected_rows,
}


def compile_layer(layer: str, schema: str) -> list[Check]:
    """Every check of every suite of ``layer``, as the GX checkpoint defines them.

    Where the project renders its suites itself (``publication/suites.py``: thresholds as
    named params, suites over a query), the rendered checks are compiled, so both sides read
    the same numbers; otherwise the YAML specs as written."""
    try:
        from mtqg_warehouse.publication import suites as rendered  # type: ignore[attr-defined]
    except ImportError:
        rendered = None
    if rendered is not None and hasattr(rendered, "suites"):
        return [
            Check(suite.name, check.type, compile_expectation(check.type, check.kwargs, _from(suite, schema)))
            for suite in rendered.suites(layer, schema)
            for check in suite.checks
        ]
    from mtqg_warehouse.publication.validation import suite_specs

    return [check for spec in suite_specs(layer) for check in compile_suite(spec, schema)]


def _from(suite: Any, schema: str) -> sql.Composable:
    """A rendered suite's rows as a from item: its relation, or its query given an alias."""
    text = suite.relation_sql(schema)
    return sql.SQL(f"{text} as batch_rows" if text.startswith("(") else text)


def time_checks(conn: psycopg.Connection, checks: list[Check]) -> dict[str, Any]:
    """Run every query once on one connection; total seconds and the unexpected counts."""
    started = time.perf_counter()
    unexpected = []
    for check in checks:
        row = conn.execute(check.query).fetchone()
        unexpected.append(int(row[0]) if row and row[0] is not None else 0)
    seconds = time.perf_counter() - started
    return {
        "checks": len(checks),
        "seconds": round(seconds, 3),
        "failed": sum(1 for count in unexpected if count),
    }
