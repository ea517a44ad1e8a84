"""dbt's documentation of the warehouse (models, columns, tests, lineage, exposures) as one
static page, for the publication `marts` shows now: the page BI users and auditors open to
learn what a column means and where it comes from."""

from __future__ import annotations

from pathlib import Path

from mtqg_warehouse.db import connection as db
from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication import lifecycle
from mtqg_warehouse.publication.dbt_runner import run_dbt, target_dir


def generate_docs() -> Path:
    """``dbt docs generate --static`` over the current publication; returns the page's path
    (a single file that opens from disk, no server needed)."""
    with db.connect() as conn:
        ddl.ensure_ops_schema(conn)  # a warehouse that never loaded has no publication log yet
        current = lifecycle.current_publication(conn)
    run_dbt("docs generate", current or "pub_none", "--static", "--quiet")
    return target_dir() / "static_index.html"
