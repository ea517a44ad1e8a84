"""One list of what a test warehouse is emptied of between tests: every schema the project
writes (the loaders', the builds', the versioned facts' store). A test that resets the
database by hand with a shorter list leaves rows behind that the next build reads: the
versioned facts of an earlier test once spoiled the pseudonymisation-key test's build."""

from __future__ import annotations

import psycopg
from psycopg import sql

SCHEMAS = ("ops", "marts", "staging", "intermediate", "facts", "reference", "restricted")


def drop_warehouse_schemas(url: str, *also: str) -> None:
    """Drop the project's schemas (and ``also``), raw_* and pub_* included."""
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute(
            "select nspname from pg_namespace where nspname = any(%s) "
            "or nspname like 'raw\\_%%' or nspname like 'pub\\_%%'",
            [[*SCHEMAS, *also]],
        ).fetchall()
        for (schema,) in found:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
