"""Installing the pseudonymisation key: byte for byte through COPY, replaced only when it changed."""

from __future__ import annotations

import psycopg
import pytest

from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication import pseudonym_key

pytestmark = pytest.mark.integration


def test_install_round_trips_any_bytes_and_rotates_only_on_change(warehouse: str) -> None:
    awkward = "back\\slash\ttab\nnewline 'quote' \\N đường".encode()  # COPY's escapes and NULL
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        conn.execute("delete from keys.pseudonym_key")  # the schema outlives the fixture's cleanup
        assert pseudonym_key.install(conn, awkward) is True
        assert pseudonym_key.install(conn, awkward) is False
        assert conn.execute("select key from keys.pseudonym_key").fetchall() == [(awkward,)]
        rotated = b"another-key-of-enough-bytes"
        assert pseudonym_key.install(conn, rotated) is True
        assert conn.execute("select key from keys.pseudonym_key").fetchall() == [(rotated,)]


def test_the_key_table_refuses_a_short_key_or_a_second_row(warehouse: str) -> None:
    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        pseudonym_key.install(conn, b"0123456789abcdef")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("insert into keys.pseudonym_key (key) values (%s)", [b"fedcba9876543210"])
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("update keys.pseudonym_key set key = '\\x00'")
