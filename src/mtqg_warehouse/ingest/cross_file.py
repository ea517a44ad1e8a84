"""A row whose natural key another file already loaded is rejected, set-based, after COPY.

The DuplicateTracker finds keys repeated within one file; a key "unique across files" (the
bank's transaction id, an insurance card) can also come back in another day's or month's
file. After the table's COPY, in the same transaction, this load's rows whose key is in
another current load of the feed are deleted from raw and rejected, naming the earlier file.
Loads of the same sender and period are not compared: a correction (``_02``) repeats the
keys of the file it supersedes (ingest/audit.py ``supersede_earlier``), and a late re-send
of an earlier version is itself superseded.

The lookup goes through the key's index and this load's rows through a BRIN index on
``_load_id`` (db/raw_tables.py), so a file that repeats nothing costs one index probe a row;
when no other current load of the feed could hold a key, one look at ``ops.load_audit``
says so and the lookup is not made at all. The probe is a lateral subquery, so that this
plan is the only one: written as a join, a planner whose statistics of ``ops.load_audit``
were stale (one bank load where there were 300) started from the earlier loads instead,
and read every earlier row for each file, 13.9 s per daily file against 69 ms. The table's
statistics are still refreshed first when stale (db/planner_statistics.py): some servers
run without autovacuum.
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from mtqg_warehouse.contracts.model import FeedContract, Table
from mtqg_warehouse.db.planner_statistics import analyze_if_stale
from mtqg_warehouse.db.raw_tables import load_id_index
from mtqg_warehouse.ingest.files import Delivery
from mtqg_warehouse.ingest.messages import LOADED_FROM_EARLIER_FILE

OTHER_CURRENT_LOADS = """
select exists (
    select from ops.load_audit as earlier_load
    where earlier_load.load_id <> %(load)s
      and earlier_load.feed = %(feed)s
      and earlier_load.status = 'loaded' and earlier_load.superseded_by is null
      and not (earlier_load.period is not distinct from %(period)s
               and earlier_load.sender_code is not distinct from %(sender)s)
)
"""

REJECT_REPEATS = """
with repeated as (
    select mine.ctid as row_id, found.earlier_file
    from {relation} as mine
    cross join lateral (
        select min(earlier_load.source_file) as earlier_file
        from {relation} as earlier
        join ops.load_audit as earlier_load on earlier_load.load_id = earlier._load_id
        where {same_key}
          and earlier._load_id <> %(load)s
          and earlier_load.feed = %(feed)s
          and earlier_load.status = 'loaded' and earlier_load.superseded_by is null
          and not (earlier_load.period is not distinct from %(period)s
                   and earlier_load.sender_code is not distinct from %(sender)s)
    ) as found
    where mine._load_id = %(load)s and found.earlier_file is not null
),
deleted as (
    delete from {relation} as mine using repeated
    where mine.ctid = repeated.row_id
    returning mine.*, repeated.earlier_file
)
insert into ops.rejected_rows
    (load_id, feed, source_file, sheet, row_number, field, reason, reason_vi, fix_hint,
     value_as_sent, original_text)
select %(load)s, %(feed)s, %(file)s, %(sheet)s, deleted._row_number, %(field)s,
       replace(%(reason)s, '{{}}', deleted.earlier_file), %(reason_vi)s, %(fix_hint)s,
       {key_text}, {row_text}
from deleted
"""


def reject_repeats(
    conn: psycopg.Connection,
    contract: FeedContract,
    table: Table,
    delivery: Delivery,
    load_id: int,
    sheet: str | None,
) -> int:
    """This load's rows of ``table`` whose key another current load holds, moved from raw to
    ops.rejected_rows; how many (nothing to do unless the contract says the key spans files)."""
    if not table.natural_key_across_files or not table.natural_key:
        return 0
    parameters = _parameters(table, delivery, load_id, sheet)
    (others,) = conn.execute(OTHER_CURRENT_LOADS, parameters).fetchone() or (False,)
    if not others:  # the feed's first load (or its sender's only period): nothing to repeat
        return 0
    analyze_if_stale(conn, contract.raw_schema, table.name)
    # BRIN ranges written since the last vacuum are unsummarized, and an unsummarized range
    # matches every load id: without this, finding this load's rows reads every page that no
    # vacuum has seen yet, the whole table on a server without autovacuum
    index = sql.Identifier(contract.raw_schema, load_id_index(table))
    conn.execute("select brin_summarize_new_values(%s::regclass)", [index.as_string(conn)])
    key = [sql.Identifier(name) for name in table.natural_key]
    query = sql.SQL(REJECT_REPEATS).format(
        relation=sql.Identifier(contract.raw_schema, table.name),
        same_key=sql.SQL(" and ").join(sql.SQL("earlier.{k} = mine.{k}").format(k=column) for column in key),
        key_text=_joined(key, ", "),
        row_text=_joined([sql.Identifier(name) for name in table.column_names], contract.delimiter),
    )
    with conn.cursor() as cursor:
        # the planner cannot know this load's rows yet (no statistics on them): its estimate
        # can cross the JIT threshold, and compiling then costs more than the whole lookup
        before = cursor.execute("select current_setting('jit')").fetchone()
        cursor.execute("select set_config('jit', 'off', true)")
        cursor.execute(query, parameters)
        repeated = cursor.rowcount
        cursor.execute("select set_config('jit', %s, true)", [before[0] if before else "on"])
        return repeated


def _joined(columns: list[sql.Identifier], separator: str) -> sql.Composed:
    """The columns' values as one text, as sent (an empty value stays empty)."""
    values = sql.SQL(", ").join(sql.SQL("deleted.{}").format(column) for column in columns)
    return sql.SQL("array_to_string(array[{}], {}, '')").format(values, sql.Literal(separator))


def _parameters(table: Table, delivery: Delivery, load_id: int, sheet: str | None) -> dict[str, object]:
    return {
        "load": load_id,
        "feed": delivery.feed,
        "file": delivery.name,
        "sheet": sheet,
        "period": delivery.period,
        "sender": delivery.sender_code,
        "field": ", ".join(table.natural_key),
        "reason": LOADED_FROM_EARLIER_FILE.reason,
        "reason_vi": LOADED_FROM_EARLIER_FILE.reason_vi,
        "fix_hint": LOADED_FROM_EARLIER_FILE.fix_hint,
    }
