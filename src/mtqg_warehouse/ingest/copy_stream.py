"""Bytes to PostgreSQL's COPY: CSV written for it, and parts framed into useful messages.

A chunk goes to COPY as a list of parts (slices of the delivered bytes, markers, re-written
lines; see passthrough.py) that are never joined, since joining would copy the chunk.
"""

from __future__ import annotations

import io

import polars as pl
import psycopg
from psycopg import sql

COPY_BLOCK = 1 << 20
SMALL_PART = 1 << 16


def send(copy: psycopg.Copy, parts: list[bytes | memoryview]) -> None:
    """Big parts in blocks as they are; small ones (markers, re-written lines) gathered first,
    so each COPY message carries a useful amount."""
    gathered = bytearray()
    for part in parts:
        if len(part) < SMALL_PART:
            gathered += part
            if len(gathered) >= SMALL_PART:
                copy.write(gathered)
                gathered = bytearray()
            continue
        if gathered:
            copy.write(gathered)
            gathered = bytearray()
        for start in range(0, len(part), COPY_BLOCK):
            copy.write(part[start : start + COPY_BLOCK])
    if gathered:
        copy.write(gathered)


def csv_bytes(frame: pl.DataFrame) -> memoryview:
    """CSV for COPY: nulls unquoted-empty, empty strings quoted, so COPY keeps them apart."""
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    return buffer.getbuffer()


def copy_frame(conn: psycopg.Connection, target: sql.Identifier, frame: pl.DataFrame) -> None:
    """The frame into ``target``'s columns of the same names; nothing sent when it is empty."""
    if frame.height == 0:
        return
    statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
        target, sql.SQL(", ").join(sql.Identifier(c) for c in frame.columns)
    )
    with conn.cursor().copy(statement) as copy:
        send(copy, [csv_bytes(frame)])
