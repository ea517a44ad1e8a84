"""Rejected rows into ``ops.rejected_rows``, each with its reasons and the row as it was sent.

The rows come from the checks as a frame of ``REJECTED_ROW_SCHEMA``; the file-level lineage
(load, feed, file, sheet) is added here, once per table, and the lot goes in with one COPY.
"""

from __future__ import annotations

import polars as pl
import psycopg
from psycopg import sql

from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA
from mtqg_warehouse.ingest.copy_stream import copy_frame
from mtqg_warehouse.ingest.files import Delivery

REJECTED_ROWS = sql.Identifier("ops", "rejected_rows")
REJECTED_ROW_SCHEMA = pl.Schema({**REJECTION_SCHEMA, "original_text": pl.String()})
# A rejected row is kept as sent for the report, up to this many characters of each text;
# its full length is recorded beside it (a 20 MB line must not be stored whole).
STORED_TEXT_CHARS = 2_000


def no_rejections() -> pl.DataFrame:
    return pl.DataFrame(schema=REJECTED_ROW_SCHEMA)


def write_rejections(
    conn: psycopg.Connection, rejected: pl.DataFrame, load_id: int, delivery: Delivery, sheet: str | None
) -> None:
    """One table's rejected rows, under its load, file and sheet."""
    rows = rejected.select(
        pl.lit(load_id).alias("load_id"),
        pl.lit(delivery.feed).alias("feed"),
        pl.lit(delivery.name).alias("source_file"),
        pl.lit(sheet, pl.String).alias("sheet"),
        *(name for name in REJECTION_SCHEMA if name != "value_as_sent"),
        pl.col("value_as_sent").str.slice(0, STORED_TEXT_CHARS),
        pl.col("original_text").str.slice(0, STORED_TEXT_CHARS),
        pl.col("original_text").str.len_chars().alias("original_length"),
    )
    copy_frame(conn, REJECTED_ROWS, rows)
