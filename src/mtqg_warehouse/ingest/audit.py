"""A delivery's row in ``ops.load_audit``: what was done with the file, and which load is current.

Every file taken from the inbox gets one audit row, whatever happens to it: loaded,
skipped as a duplicate, or quarantined with why. A load's row is opened first (its load id
is every raw row's lineage) and completed last, with its counts; the table's CHECK then
refuses any load where rows read != rows loaded + rows rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.rows import RowCounts


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
    """The load that makes this delivery a re-delivery: the same bytes loaded for the same
    return (feed, sender and period, as the file names say), current or of this version or
    a later one.

    The same bytes under another return's name are a new delivery: a file renamed as its
    rejections asked (the day its rows are of, the ward that absorbed a merged one) must
    load. The same bytes as a superseded version, sent as a newer version, make it current
    again (a correction withdrawn)."""
    row = conn.execute(
        """select load_id from ops.load_audit
           where feed = %(feed)s and sha256 = %(sha256)s and status = 'loaded'
             and period is not distinct from %(period)s and sender_code is not distinct from %(sender)s
             and (superseded_by is null or version >= %(version)s)
           order by load_id
           limit 1""",
        {
            "feed": delivery.feed,
            "sha256": delivery.sha256,
            "period": delivery.period,
            "sender": delivery.sender_code,
            "version": delivery.version,
        },
    ).fetchone()
    return row[0] if row else None


def loaded_under_this_name(conn: psycopg.Connection, delivery: Delivery) -> bool:
    """Whether a file of this name was loaded before: then it is most likely a re-delivery,
    worth waiting for its hash to skip it unread."""
    row = conn.execute(
        "select 1 from ops.load_audit where feed = %s and source_file = %s and status = 'loaded' limit 1",
        [delivery.feed, delivery.name],
    ).fetchone()
    return row is not None


def record_duplicate(conn: psycopg.Connection, delivery: Delivery, run_id: str | None, of: int) -> LoadResult:
    load_id = record_unloaded(conn, delivery, run_id, "duplicate", messages.DUPLICATE_FILE.format(load_id=of))
    return LoadResult(load_id, delivery.name, "duplicate", 0, 0, 0)


def record_unloaded(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str, message: str
) -> int:
    """The audit row of a file that loads nothing (a duplicate, a quarantined file), with why."""
    load_id = open_audit(conn, delivery, run_id, status=status)
    conn.execute(
        "update ops.load_audit set message = %s, finished_at = now() where load_id = %s",
        [message, load_id],
    )
    return load_id


def open_audit(
    conn: psycopg.Connection, delivery: Delivery, run_id: str | None, status: str, sha256: str | None = None
) -> int:
    """The file's audit row; a load passes a placeholder ``sha256`` and sets the real one when
    the background hashing has finished (see ``close_load``)."""
    row = conn.execute(
        """insert into ops.load_audit
               (feed, source_file, sha256, period, ward_code, sender_code, version, status, run_id)
           values (%s, %s, %s, %s, %s, %s, %s, %s, %s) returning load_id""",
        [
            delivery.feed,
            delivery.name,
            sha256 or delivery.sha256,
            delivery.period,
            delivery.ward_code,
            delivery.sender_code,
            delivery.version,
            status,
            run_id,
        ],
    ).fetchone()
    assert row is not None  # insert ... returning always returns the row
    return row[0]


def record_sheet(conn: psycopg.Connection, load_id: int, table: str, sheet: str) -> None:
    """The sheet a table was read from, with the rest of the file-level lineage."""
    conn.execute(
        "update ops.load_audit set sheets = sheets || jsonb_build_object(%s::text, %s::text) "
        "where load_id = %s",
        [table, sheet, load_id],
    )


def close_load(conn: psycopg.Connection, delivery: Delivery, load_id: int, counts: RowCounts) -> None:
    """The file's real hash and its counts, which the audit table's CHECK reconciles."""
    conn.execute(
        """update ops.load_audit
           set sha256 = %s, rows_read = %s, rows_loaded = %s, rows_rejected = %s, finished_at = now()
           where load_id = %s""",
        [delivery.sha256, counts.read, counts.loaded, counts.rejected, load_id],
    )


def supersede_earlier(conn: psycopg.Connection, delivery: Delivery, load_id: int) -> tuple[int, ...]:
    """The highest version of a feed, sender and period is current, whatever order they arrive in.

    The sender is what the contract's file name says identifies a delivery (the ward of a
    ward return, the bank's office, the insurance agency's province): one office's
    correction must never supersede another office's file of the same day.

    Earlier loads of the same or a lower version are superseded by this one; if a higher
    version is already loaded (a late re-send of version 1), this load is the superseded one.
    """
    if delivery.period is None:
        return ()
    same_return = """feed = %(feed)s and period = %(period)s and sender_code is not distinct from %(sender)s
                     and status = 'loaded' and superseded_by is null and load_id <> %(load)s"""
    params = {
        "feed": delivery.feed,
        "period": delivery.period,
        "sender": delivery.sender_code,
        "load": load_id,
        "version": delivery.version,
    }
    newer = conn.execute(
        f"select load_id from ops.load_audit where {same_return} and version > %(version)s "
        "order by version desc, load_id desc limit 1",
        params,
    ).fetchone()
    if newer:
        conn.execute("update ops.load_audit set superseded_by = %s where load_id = %s", [newer[0], load_id])
        return ()
    rows = conn.execute(
        f"update ops.load_audit set superseded_by = %(load)s where {same_return} "
        "and version <= %(version)s returning load_id",
        params,
    ).fetchall()
    return tuple(row[0] for row in rows)
