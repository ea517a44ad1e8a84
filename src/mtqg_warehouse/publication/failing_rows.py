"""The rows behind a failed check, found in SQL and kept in ``ops`` with their file and row.

GX reports at most 20 row indexes of a SQL source, and an index leads to no file. For every
failed row-level check this counts all failing rows in the database and keeps the first
``KEEP_ROWS`` of them in ``ops.validation_failing_rows``, joined to ``ops.load_audit`` for the
file, the sheet and the ward, so an alert and a ward's rejection report can name them.

Column checks are turned into the predicate their rows fail; a custom SQL check
(``unexpected_rows_expectation``) is its own list of failing rows, whose columns ``load_id``,
``row_number``, ``ward_code`` and ``value`` (each optional) carry the lineage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from mtqg_warehouse.publication.suites import Check, Suite

KEEP_ROWS = 100  # kept per failed check; the exact count of all of them is kept beside
SHOWN_ROWS = 10  # of those, carried in the verdict (ops.publish_log.validation) and the alert


@dataclass(frozen=True)
class FailingRows:
    count: int
    rows: list[dict[str, Any]]


def predicate(check: Check) -> str | None:
    """The SQL condition a failing row of a column check meets; None when the check is not
    about rows (table shape, row counts, aggregates) or its rows cannot be told in SQL."""
    kwargs, column = check.kwargs, check.kwargs.get("column")
    quoted = f'"{column}"' if column else None
    if check.type == "expect_column_values_to_not_be_null":
        return f"{quoted} is null"
    if check.type == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        parts = [f"{quoted} < {_literal(low)}" if low is not None else "", ""]
        parts[1] = f"{quoted} > {_literal(high)}" if high is not None else ""
        return " or ".join(part for part in parts if part) or None
    if check.type == "expect_column_values_to_match_regex":
        return f"{quoted} !~ {_literal(kwargs['regex'])}"
    if check.type == "expect_column_values_to_be_in_set":
        values = ", ".join(_literal(str(value)) for value in kwargs["value_set"])
        return f"{quoted}::text not in ({values})"
    if check.type == "expect_column_values_to_be_unique":
        return f"{quoted} in (select {quoted} from {{relation}} as d group by 1 having count(*) > 1)"
    if check.type == "expect_column_pair_values_a_to_be_greater_than_b":
        sign = ">=" if kwargs.get("or_equal") else ">"
        return f'not ("{kwargs["column_A"]}" {sign} "{kwargs["column_B"]}")'
    return None


def failing_rows_sql(suite: Suite, check: Check, build_schema: str) -> str | None:
    """One select of the failing rows as (load_id, row_number, ward_code, value)."""
    relation = suite.relation_sql(build_schema)
    if check.is_custom_sql:
        query = check.kwargs["unexpected_rows_query"]
        return f"""select (j ->> 'load_id')::bigint as load_id, (j ->> 'row_number')::bigint as row_number,
                          j ->> 'ward_code' as ward_code, j ->> 'value' as value
                   from ({query}) as failing cross join lateral to_jsonb(failing) as j"""
    condition = predicate(check)
    if condition is None:
        return None
    lineage = suite.lineage
    column = check.kwargs.get("column") or check.kwargs.get("column_A")
    return f"""select {_col(lineage.load_id)}::bigint as load_id, {_col(lineage.row)}::bigint as row_number,
                      {_col(lineage.ward)}::text as ward_code, {_col(column)}::text as value
               from {relation} as guarded
               where {condition.replace("{relation}", relation)}"""


def record(
    conn: psycopg.Connection, suite: Suite, check: Check, build_schema: str, observed: str | None
) -> FailingRows:
    """Count and keep the failing rows of one failed check; returns the count and the first
    ``SHOWN_ROWS`` of them (the rest are in ``ops.validation_failing_rows``)."""
    select = failing_rows_sql(suite, check, build_schema)
    counted = 0
    if select is not None:
        row = conn.execute(sql.SQL(f"select count(*) from ({select}) as counted")).fetchone()
        counted = row[0] if row else 0
    failure = conn.execute(
        """insert into ops.validation_failures
               (build_schema, suite, expectation, check_name, column_name, observed, failing_count)
           values (%s, %s, %s, %s, %s, %s, %s) returning failure_id""",
        [build_schema, suite.name, check.type, check.name, check.kwargs.get("column"), observed, counted],
    ).fetchone()
    assert failure is not None  # insert ... returning gives its row
    if select is None or not counted:
        return FailingRows(counted, [])
    sheet = f"audit.sheets ->> '{suite.lineage.sheet_of}'" if suite.lineage.sheet_of else "null"
    keep = f"""insert into ops.validation_failing_rows
                   (failure_id, position, load_id, source_file, sheet, row_number, ward_code, value)
               select %(failure)s, row_number() over (order by failing.load_id, failing.row_number),
                      failing.load_id, audit.source_file, {sheet}, failing.row_number,
                      coalesce(failing.ward_code, audit.ward_code), left(failing.value, 200)
               from ({select}) as failing
               left join ops.load_audit as audit on failing.load_id = audit.load_id
               order by failing.load_id, failing.row_number
               limit {KEEP_ROWS}"""
    conn.execute(sql.SQL(keep), {"failure": failure[0]})
    kept = conn.execute(
        """select source_file, sheet, row_number, ward_code, value from ops.validation_failing_rows
           where failure_id = %s order by position limit %s""",
        [failure[0], SHOWN_ROWS],
    ).fetchall()
    keys = ("file", "sheet", "row", "ward", "value")
    rows = [{key: value for key, value in zip(keys, row, strict=True) if value is not None} for row in kept]
    return FailingRows(counted, rows)


def _col(name: str | None) -> str:
    return f'guarded."{name}"' if name else "null"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
