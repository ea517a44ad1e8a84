"""A warehouse built by the earlier version (free-string statuses) upgrades in place."""

from __future__ import annotations

from importlib.resources import files

import psycopg
import pytest

from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication.lifecycle import PublicationStatus

pytestmark = pytest.mark.integration

EARLIER_PUBLISH_LOG = """
create schema ops;
create table ops.publish_log (
    publication_id bigserial primary key,
    build_schema text not null,
    status text not null check (
        status in ('building', 'published', 'failed_build', 'failed_validation', 'retired')
    ),
    started_at timestamptz not null default now(),
    validated_at timestamptz,
    published_at timestamptz,
    checks_passed integer,
    checks_failed integer,
    data_docs_url text,
    run_id text,
    summary jsonb
);
insert into ops.publish_log (build_schema, status, validated_at, published_at) values
    ('pub_00001', 'retired', now() - interval '4 days', now() - interval '4 days'),
    ('pub_00002', 'published', now() - interval '3 days', now() - interval '3 days'),
    ('pub_00003', 'published', now() - interval '2 days', now() - interval '2 days'),
    ('pub_00004', 'failed_validation', now() - interval '1 day', null),
    ('pub_00005', 'building', now(), null),
    ('pub_00006', 'building', null, null);
"""


def _statuses(conn: psycopg.Connection) -> list[tuple[str, str]]:
    return conn.execute("select build_schema, status from ops.publish_log order by publication_id").fetchall()


def test_earlier_statuses_are_mapped_and_the_new_constraint_applies(warehouse: str) -> None:
    expected = [
        ("pub_00001", "retired"),
        ("pub_00002", "superseded"),  # published before the one `marts` shows
        ("pub_00003", "published"),
        ("pub_00004", "failed_validation"),
        ("pub_00005", "validated"),  # passed its audit, not yet published
        ("pub_00006", "building"),
    ]
    with psycopg.connect(warehouse, autocommit=True) as conn:
        conn.execute(EARLIER_PUBLISH_LOG)
        ddl.ensure_ops_schema(conn)
        assert _statuses(conn) == expected
        # the script is idempotent: running it again changes nothing
        conn.execute(files("mtqg_warehouse.db").joinpath("sql/ops.sql").read_text(encoding="utf-8"))
        assert _statuses(conn) == expected
        for status in PublicationStatus:
            conn.execute("update ops.publish_log set status = %s where build_schema = 'pub_00006'", [status])
        with pytest.raises(psycopg.errors.CheckViolation, match="publish_log_status_check"):
            conn.execute("update ops.publish_log set status = 'live' where build_schema = 'pub_00006'")
