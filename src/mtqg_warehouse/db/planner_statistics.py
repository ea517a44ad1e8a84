"""Planner statistics refreshed where a query depends on them and autovacuum may not have run.

Some servers run with autovacuum off (the machine's PostgreSQL 15 here does), and even with it
on, a load adds rows faster than autovacuum's analyze follows. A raw table never analyzed is
planned as if it were tiny: the cross-file key lookup (ingest/cross_file.py) then took 484 ms
at 220,000 bank rows instead of 76 ms, and grew with every daily file. The rule is
autovacuum's own (analyze when more than a tenth changed since the last analyze), as in dbt's
``analyze_stale_sources`` macro, so a table that changed little pays nothing.
"""

from __future__ import annotations

import logging

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

STALE_SHARE = 0.1  # autovacuum_analyze_scale_factor's default

STALE = """
select coalesce(greatest(last_analyze, last_autoanalyze), '-infinity') = '-infinity'
       or n_mod_since_analyze > %(share)s * greatest(n_live_tup, 1)
from pg_stat_user_tables
where relid = %(relation)s::regclass
"""


def analyze_if_stale(conn: psycopg.Connection, schema: str, table: str) -> bool:
    """ANALYZE ``schema.table`` when its statistics are missing or stale; True if it did.

    Inside a load's transaction the sample counts the load's own uncommitted rows, so the
    query that follows is planned for the table as it now is.
    """
    relation = sql.Identifier(schema, table)
    row = conn.execute(STALE, {"share": STALE_SHARE, "relation": relation.as_string(conn)}).fetchone()
    if row is None or not row[0]:
        return False
    conn.execute(sql.SQL("analyze {}").format(relation))
    log.info("analyzed %s.%s: its planner statistics were missing or stale", schema, table)
    return True
