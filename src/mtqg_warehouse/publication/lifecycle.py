"""Write-audit-publish: each build gets its own schema; `marts` is repointed only after GX passes.

`marts` holds one view per published model over the current publication's tables, so a
publish (or a rollback) is a single transaction of view swaps, readers never see a half
build, and the grants on `marts` survive every repointing.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"
READER_ROLE = "mtqg_reader"
KEEP_PUBLICATIONS = 3


def start_publication(conn: psycopg.Connection, run_id: str | None) -> str:
    with conn.transaction():
        publication_id = conn.execute(
            "insert into ops.publish_log (build_schema, status, run_id) values ('', 'building', %s) "
            "returning publication_id",
            [run_id],
        ).fetchone()[0]
        schema = f"pub_{publication_id:05d}"
        conn.execute(
            "update ops.publish_log set build_schema = %s where publication_id = %s",
            [schema, publication_id],
        )
    return schema


def record_outcome(
    conn: psycopg.Connection, schema: str, status: str, passed: int, failed: int, docs: str | None
) -> None:
    with conn.transaction():
        conn.execute(
            """update ops.publish_log set status = %s, validated_at = now(), checks_passed = %s,
                   checks_failed = %s, data_docs_url = %s
               where build_schema = %s""",
            [status, passed, failed, docs, schema],
        )


def publish(conn: psycopg.Connection, schema: str) -> list[str]:
    """Repoint every `marts` view at ``schema`` in one transaction; returns the published relations."""
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('mtqg_publish'))")
        relations = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = %s order by 1",
                [schema],
            )
        ]
        if not relations:
            raise RuntimeError(f"publication {schema} has no relations to publish")
        conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(MARTS_SCHEMA)))
        _drop_marts_views(conn)
        for relation in relations:
            conn.execute(
                sql.SQL("create view {} as select * from {}").format(
                    sql.Identifier(MARTS_SCHEMA, relation), sql.Identifier(schema, relation)
                )
            )
        _grant_reader(conn)
        conn.execute(
            "update ops.publish_log set status = 'published', published_at = now() where build_schema = %s",
            [schema],
        )
    return relations


def current_publication(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        "select build_schema from ops.publish_log where status = 'published' "
        "order by published_at desc limit 1"
    ).fetchone()
    return row[0] if row else None


def retire_old_publications(conn: psycopg.Connection, keep: int = KEEP_PUBLICATIONS) -> list[str]:
    """Drop all but the newest ``keep`` published builds, and failed builds older than the newest."""
    with conn.transaction():
        current = current_publication(conn)
        rows = conn.execute(
            """select build_schema from ops.publish_log
               where status <> 'retired' and build_schema <> coalesce(%s, '')
                 and publication_id not in (
                     select publication_id from ops.publish_log where status = 'published'
                     order by published_at desc limit %s)
                 and publication_id < (select max(publication_id) from ops.publish_log)""",
            [current, keep],
        ).fetchall()
        retired = [row[0] for row in rows]
        for schema in retired:
            conn.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
            conn.execute("update ops.publish_log set status = 'retired' where build_schema = %s", [schema])
    return retired


def _drop_marts_views(conn: psycopg.Connection) -> None:
    for (view,) in conn.execute(
        "select table_name from information_schema.views where table_schema = %s", [MARTS_SCHEMA]
    ).fetchall():
        conn.execute(sql.SQL("drop view {}").format(sql.Identifier(MARTS_SCHEMA, view)))


def _grant_reader(conn: psycopg.Connection) -> None:
    """BI reads `marts` only; the role is created once, its grants re-applied on every publish."""
    exists = conn.execute("select 1 from pg_roles where rolname = %s", [READER_ROLE]).fetchone()
    if not exists:
        conn.execute(sql.SQL("create role {} nologin").format(sql.Identifier(READER_ROLE)))
    role = sql.Identifier(READER_ROLE)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(MARTS_SCHEMA), role))
    conn.execute(
        sql.SQL("grant select on all tables in schema {} to {}").format(sql.Identifier(MARTS_SCHEMA), role)
    )
