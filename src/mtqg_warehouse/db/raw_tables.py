"""The raw tables' layout: delivered text, and only the lineage that differs from row to row.

A raw row carries ``_load_id`` and ``_row_number``; everything that is the same for a whole
file (source file, sha256, sheet, loaded at, Airflow run id) is kept once, in
``ops.load_audit``, and joined back by the ``<table>_lineage`` view. Carrying those five
on every row made a two-million-row file's COPY take twice as long as the bare data.

``_load_id`` defaults to a transaction-local setting and ``_row_number`` to a per-table
sequence the loader resets for each file, so a CSV delivery can be streamed to COPY as the
bytes that were sent, with no column added per row (see ingest/passthrough.py).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from psycopg import sql

if TYPE_CHECKING:
    import psycopg

    from mtqg_warehouse.contracts.model import FeedContract, Table

LOAD_ID_DEFAULT = "current_setting('mtqg.load_id')::bigint"
FILE_LINEAGE_COLUMNS = ("_source_file", "_sha256", "_sheet", "_loaded_at", "_run_id")


def row_sequence(schema: str, table: str) -> sql.Identifier:
    """The sequence that numbers a COPY's rows: the loader sets it to the row before the first."""
    return sql.Identifier(*_sequence_parts(schema, table))


def _sequence_parts(schema: str, table: str) -> tuple[str, str]:
    return schema, f"{table}__row_number"


def _nextval(schema: str, table: str) -> sql.Composed:
    return sql.SQL("nextval({})").format(sql.Literal(_regclass(schema, table)))


def _regclass(schema: str, table: str) -> str:
    """The row sequence as a regclass literal: each part quoted, so any name is safe."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in _sequence_parts(schema, table))


def lineage_view(schema: str, table: str) -> sql.Identifier:
    return sql.Identifier(schema, f"{table}_lineage")


def ddl(contract: FeedContract) -> list[sql.Composed]:
    """Idempotent statements for the feed's raw schema, in order."""
    schema = contract.raw_schema
    statements = [sql.SQL("create schema if not exists {}").format(sql.Identifier(schema))]
    for table in contract.tables.values():
        relation = sql.Identifier(schema, table.name)
        sequence = row_sequence(schema, table.name)
        columns = sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in table.column_names)
        statements += [
            sql.SQL("create sequence if not exists {} as integer minvalue 0").format(sequence),
            sql.SQL(
                "create table if not exists {} ({}, _load_id bigint not null default {}, "
                "_row_number integer not null default {})"
            ).format(relation, columns, sql.SQL(LOAD_ID_DEFAULT), _nextval(schema, table.name)),
            sql.SQL("alter sequence {} owned by {}").format(
                sequence, sql.Identifier(schema, table.name, "_row_number")
            ),
            sql.SQL(
                """create or replace view {view} as
                   select raw.*, audit.source_file as _source_file, audit.sha256 as _sha256,
                          audit.sheets ->> {table} as _sheet, audit.started_at as _loaded_at,
                          audit.run_id as _run_id
                   from {relation} as raw
                   join ops.load_audit as audit on audit.load_id = raw._load_id"""
            ).format(view=lineage_view(schema, table.name), table=sql.Literal(table.name), relation=relation),
        ]
        if table.natural_key_across_files and table.natural_key:
            statements += _cross_file_indexes(relation, table)
    return statements


def load_id_index(table: Table) -> str:
    """The BRIN index on ``_load_id`` of a table whose key spans files (same schema as it)."""
    return f"{table.name}__load_id"


def _cross_file_indexes(relation: sql.Identifier, table: Table) -> list[sql.Composed]:
    """For a key unique across files (ingest/cross_file.py): the key, to look a load's keys up
    in the others, and a BRIN index on the load id (rows arrive load by load, so it stays
    tiny and cheap to keep), to find the load's own rows without reading the whole table."""
    key = sql.SQL(", ").join(map(sql.Identifier, table.natural_key))
    return [
        sql.SQL("create index if not exists {} on {} ({})").format(
            sql.Identifier(f"{table.name}__natural_key"), relation, key
        ),
        sql.SQL("create index if not exists {} on {} using brin (_load_id)").format(
            sql.Identifier(load_id_index(table)), relation
        ),
    ]


def digest(statements: list[sql.Composed]) -> str:
    text = ";\n".join(statement.as_string() for statement in statements)
    return hashlib.sha256(text.encode()).hexdigest()


def upgrade_earlier_layouts(conn: psycopg.Connection, contract: FeedContract) -> None:
    """Tables made by earlier versions carried file lineage on every row: keep the sheet names
    in the audit, then drop those columns; the view gives them back."""
    for table in contract.tables.values():
        relation = sql.Identifier(contract.raw_schema, table.name)
        present = {
            row[0]
            for row in conn.execute(
                """select column_name from information_schema.columns
                   where table_schema = %s and table_name = %s""",
                [contract.raw_schema, table.name],
            )
        }
        if "_sheet" in present:
            conn.execute(
                sql.SQL(
                    """update ops.load_audit as audit
                       set sheets = audit.sheets || jsonb_build_object({name}, sheets_of.sheet)
                       from (select distinct _load_id, _sheet as sheet from {relation}
                             where _sheet is not null) as sheets_of
                       where audit.load_id = sheets_of._load_id"""
                ).format(name=sql.Literal(table.name), relation=relation)
            )
        for column in FILE_LINEAGE_COLUMNS:
            if column in present:
                conn.execute(
                    sql.SQL("alter table {} drop column {}").format(relation, sql.Identifier(column))
                )
        if "_row_number" in present:
            sequence = row_sequence(contract.raw_schema, table.name)
            conn.execute(sql.SQL("create sequence if not exists {} as integer minvalue 0").format(sequence))
            conn.execute(
                sql.SQL("alter table {} alter column _row_number set default {}").format(
                    relation, _nextval(contract.raw_schema, table.name)
                )
            )
            conn.execute(
                sql.SQL("alter table {} alter column _load_id set default {}").format(
                    relation, sql.SQL(LOAD_ID_DEFAULT)
                )
            )
            conn.execute(
                sql.SQL("alter table {} drop constraint if exists {}").format(
                    relation, sql.Identifier(f"{table.name}__load_id_fkey")
                )
            )


def number_rows_from(conn: psycopg.Connection, schema: str, table: str, first_row: int) -> None:
    """Make the next COPY's rows ``first_row``, ``first_row + 1`` ... in the order sent.

    The sequence is shared, so loads into the same table take turns for the rest of their
    transaction (a transaction-level advisory lock); a rolled-back load leaves nothing to undo,
    since the next load sets the sequence again.
    """
    conn.execute("select pg_advisory_xact_lock(hashtext(%s))", [f"raw rows {schema}.{table}"])
    conn.execute(
        sql.SQL("select setval({}, %s, true)").format(sql.Literal(_regclass(schema, table))),
        [first_row - 1],
    )
