"""Marts a build copies from its base publication instead of computing them again.

A mart whose every input is as the base had it (unchanged.py) would come out of dbt row for
row as the base's table: the dimensions made from seeds, and in a month without a poverty
review the poverty and classification reports. Each publication has a schema of its own, so
the mart must still exist in the new one (readers of `marts`, GX and the marts built next
read it there); a copy of a reporting table is milliseconds where dbt's node for it was a
tenth of a second to most of one. The copy is the base's table as dbt left it: columns,
constraints, column comments and indexes (``like ... including all``), its rows and the
table's own comment.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


def copy_from_base(conn: psycopg.Connection, names: list[str], base_schema: str, schema: str) -> list[str]:
    """Copy each of ``names`` that the base schema holds as a table into ``schema``, in one
    transaction; returns the names copied (a mart the base lacks is left to dbt)."""
    copied = []
    with conn.transaction():
        # dbt creates the publication's schema only when its first node runs
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for name in names:
            base = sql.Identifier(base_schema, name)
            found = conn.execute(
                "select obj_description(oid, 'pg_class') from pg_class "
                "where oid = to_regclass(%s) and relkind = 'r'",
                [f'"{base_schema}"."{name}"'],
            ).fetchone()
            if found is None:  # not a table of the base's schema (dropped, or a view)
                continue
            copy = sql.Identifier(schema, name)
            conn.execute(sql.SQL("create table {} (like {} including all)").format(copy, base))
            conn.execute(sql.SQL("insert into {} select * from {}").format(copy, base))
            if found[0] is not None:
                conn.execute(sql.SQL("comment on table {} is {}").format(copy, sql.Literal(found[0])))
            copied.append(name)
    log.info("%s: %d marts copied from %s: %s", schema, len(copied), base_schema, ", ".join(copied) or "none")
    return copied
