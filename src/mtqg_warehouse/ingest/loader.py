"""Loading one delivery: one transaction, nothing lost, nothing doubled.

COPY the checked text into a temporary table, run the row checks in SQL, move good rows to
``raw_<feed>.<table>`` and bad ones to ``ops.rejected_rows``, then record the audit row,
whose check constraint refuses any load where rows read != rows loaded + rows rejected.
A file already loaded (same sha256) is recorded as a duplicate and skipped; a later return
for the same feed, ward and period supersedes the earlier one without deleting it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg
from psycopg import sql

from mtqg_warehouse.contracts import FeedContract, Table
from mtqg_warehouse.ingest.checks import column_checks
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.rows import ReadResult, RowProblem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    source_file: str
    status: str  # loaded | duplicate
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    superseded: tuple[int, ...] = ()


def already_loaded(conn: psycopg.Connection, delivery: Delivery) -> int | None:
    row = conn.execute(
        "select load_id from ops.load_audit where feed = %s and sha256 = %s and status = 'loaded'",
        [delivery.feed, delivery.sha256],
    ).fetchone()
    return row[0] if row else None


def record_duplicate(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, of: int) -> LoadResult:
    load_id = _open_audit(conn, delivery, run_id, status="duplicate")
    conn.execute(
        "update ops.load_audit set message = %s, finished_at = now() where load_id = %s",
        [f"identical to load {of}: skipped", load_id],
    )
    return LoadResult(load_id, delivery.name, "duplicate", 0, 0, 0)


def load_delivery(
    conn: psycopg.Connection,
    contract: FeedContract,
    delivery: Delivery,
    results: list[ReadResult],
    known_units: list[str],
    run_id: str | None,
) -> LoadResult:
    """Write one delivery's tables in the caller's transaction."""
    load_id = _open_audit(conn, delivery, run_id, status="loaded")
    read = loaded = rejected = 0
    for result in results:
        table = contract.tables[result.table]
        _stage(conn, table, result)
        _record_python_problems(conn, load_id, delivery, result.sheet, result.problems)
        _reject_in_sql(conn, load_id, delivery, result.sheet, table, known_units)
        loaded += _insert_good_rows(conn, contract, table, load_id, delivery, result.sheet, run_id)
        read += result.rows_read
    rejected = conn.execute(
        "select count(distinct (sheet, row_number)) from ops.rejected_rows where load_id = %s",
        [load_id],
    ).fetchone()[0]
    superseded = _supersede_earlier(conn, delivery, load_id)
    conn.execute(
        """update ops.load_audit
           set rows_read = %s, rows_loaded = %s, rows_rejected = %s, finished_at = now()
           where load_id = %s""",
        [read, loaded, rejected, load_id],
    )
    return LoadResult(load_id, delivery.name, "loaded", read, loaded, rejected, superseded)


def _open_audit(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str) -> int:
    return conn.execute(
        """insert into ops.load_audit (feed, source_file, sha256, period, ward_code, status, run_id)
           values (%s, %s, %s, %s, %s, %s, %s) returning load_id""",
        [
            delivery.feed,
            delivery.name,
            delivery.sha256,
            delivery.period,
            delivery.ward_code,
            status,
            run_id,
        ],
    ).fetchone()[0]


def _stage(conn: psycopg.Connection, table: Table, result: ReadResult) -> None:
    columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in table.column_names)
    conn.execute("drop table if exists pg_temp._incoming")
    conn.execute(
        sql.SQL("create temp table _incoming (_row_number integer, {}) on commit drop").format(columns)
    )
    with conn.cursor().copy("copy _incoming from stdin") as copy:
        for row_number, values in result.rows:
            copy.write_row((row_number, *values))


def _record_python_problems(
    conn: psycopg.Connection,
    load_id: int,
    delivery: Delivery,
    sheet: str | None,
    problems: list[RowProblem],
) -> None:
    if not problems:
        return
    with conn.cursor().copy(
        """copy ops.rejected_rows (load_id, feed, source_file, sheet, row_number, field, reason,
           fix_hint, value_as_sent, original_text) from stdin"""
    ) as copy:
        for p in problems:
            copy.write_row(
                (
                    load_id,
                    delivery.feed,
                    delivery.name,
                    sheet,
                    p.row_number,
                    p.field,
                    p.reason,
                    p.fix_hint,
                    p.value_as_sent,
                    p.original_text,
                )
            )


def _reject_in_sql(
    conn: psycopg.Connection,
    load_id: int,
    delivery: Delivery,
    sheet: str | None,
    table: Table,
    known_units: list[str],
) -> None:
    """One pass over the staged rows: every failing (row, field) becomes a rejection record."""
    branches = [
        sql.SQL("select {field}, {reason}, {hint}, {value} where {condition}").format(
            field=sql.Literal(column.name),
            reason=sql.Literal(check.reason),
            hint=sql.Literal(check.fix_hint),
            value=sql.Identifier("i", column.name),
            condition=check.condition,
        )
        for column in table.columns
        for check in column_checks(column, sql.Identifier("i", column.name), known_units)
    ]
    branches.append(_duplicate_branch(table))
    row_text = sql.SQL(" || ',' || ").join(
        sql.SQL("coalesce(i.{}, '')").format(sql.Identifier(c)) for c in table.column_names
    )
    conn.execute(
        sql.SQL(
            """with keyed as (
                   select *, row_number() over (
                       partition by {key} order by _row_number) as _key_seen,
                       min(_row_number) over (partition by {key}) as _first_row
                   from _incoming
               )
               insert into ops.rejected_rows (load_id, feed, source_file, sheet, row_number, field,
                   reason, fix_hint, value_as_sent, original_text)
               select {load_id}, {feed}, {file}, {sheet}, i._row_number, f.field, f.reason,
                   f.hint, f.value, {row_text}
               from keyed as i
               cross join lateral ({branches}) as f (field, reason, hint, value)"""
        ).format(
            key=sql.SQL(", ").join(sql.Identifier(k) for k in table.natural_key or table.column_names),
            load_id=sql.Literal(load_id),
            feed=sql.Literal(delivery.feed),
            file=sql.Literal(delivery.name),
            sheet=sql.Literal(sheet),
            row_text=row_text,
            branches=sql.SQL(" union all ").join(branches),
        )
    )


def _duplicate_branch(table: Table) -> sql.Composable:
    key = ", ".join(table.natural_key) if table.natural_key else "all columns"
    return sql.SQL(
        "select {field}, 'reported twice in this file (first at row ' || i._first_row || ')', "
        "{hint}, null::text where i._key_seen > 1"
    ).format(
        field=sql.Literal(key),
        hint=sql.Literal("remove the repeated row, or correct it if the two rows are different cases"),
    )


def _insert_good_rows(
    conn: psycopg.Connection,
    contract: FeedContract,
    table: Table,
    load_id: int,
    delivery: Delivery,
    sheet: str | None,
    run_id: str | None,
) -> int:
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in table.column_names)
    cursor = conn.execute(
        sql.SQL(
            """insert into {raw} ({columns}, _load_id, _source_file, _sha256, _sheet, _row_number, _run_id)
               select {columns}, {load_id}, {file}, {sha}, {sheet}, _row_number, {run_id}
               from _incoming as i
               where not exists (
                   select from ops.rejected_rows as r
                   where r.load_id = {load_id} and r.sheet is not distinct from {sheet}
                       and r.row_number = i._row_number
               )"""
        ).format(
            raw=sql.Identifier(contract.raw_schema, table.name),
            columns=columns,
            load_id=sql.Literal(load_id),
            file=sql.Literal(delivery.name),
            sha=sql.Literal(delivery.sha256),
            sheet=sql.Literal(sheet),
            run_id=sql.Literal(run_id),
        )
    )
    return cursor.rowcount


def _supersede_earlier(conn: psycopg.Connection, delivery: Delivery, load_id: int) -> tuple[int, ...]:
    """A later return for the same feed, ward and period replaces the earlier one in staging."""
    if delivery.period is None:
        return ()
    rows = conn.execute(
        """update ops.load_audit set superseded_by = %s
           where feed = %s and period = %s and ward_code is not distinct from %s
             and status = 'loaded' and load_id <> %s and superseded_by is null
           returning load_id""",
        [load_id, delivery.feed, delivery.period, delivery.ward_code, load_id],
    ).fetchall()
    return tuple(row[0] for row in rows)
