"""A row whose natural key was already seen earlier in the same delivery is rejected.

Chunks arrive in file order, so the tracker remembers every key seen so far with its first
row; a chunk is checked against them with hash-set tests, and only the rare rows that
might repeat a key are joined as text.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from mtqg_warehouse.contracts import Table
from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA
from mtqg_warehouse.ingest.rows import ROW_NUMBER

KEY = "_key"
HASH = "_hash"
FIRST = "_first_row"
SEEN_BITS = 25  # a 32 MB bitmap: ~6 % of rows of a 2-million-row file need a closer look


class DuplicateTracker:
    def __init__(self, table: Table) -> None:
        self.key = list(table.natural_key) or table.column_names
        self.seen = pl.DataFrame(schema={HASH: pl.UInt64, KEY: pl.String, FIRST: pl.Int64})
        self.seen_bits = np.zeros(1 << SEEN_BITS, dtype=bool)  # untouched pages cost nothing

    def repeats(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rejections for this chunk's rows whose key appeared before (here or earlier).

        Repeats are rare, so rows are first sorted out by a 64-bit hash of their key: a row
        whose hash is not repeated in the chunk and whose bit (the hash's top bits index a
        bitmap of every key seen so far) is not set is a new key. Only the few others are
        compared as text with the keys seen before, so neither a hash collision nor a shared
        bit can ever reject a good row.
        """
        keyed = (
            frame.select(
                ROW_NUMBER,
                (
                    pl.col(self.key[0])
                    if len(self.key) == 1
                    else pl.concat_str([pl.col(k) for k in self.key], separator="\x1f")
                ).alias(KEY),
            )
            .drop_nulls(KEY)
            .with_columns(pl.col(KEY).hash().alias(HASH))
        )
        bits = (keyed.get_column(HASH).to_numpy() >> np.uint64(64 - SEEN_BITS)).astype(np.int64)
        keyed = keyed.with_columns((pl.col(HASH).is_duplicated() | self.seen_bits[bits]).alias("_suspect"))
        self.seen_bits[bits] = True
        fresh = keyed.filter(~pl.col("_suspect")).select(HASH, KEY, pl.col(ROW_NUMBER).alias(FIRST))
        suspects = keyed.filter(pl.col("_suspect"))
        seen_before = self.seen.filter(pl.col(HASH).is_in(suspects.get_column(HASH).implode()))
        firsts = suspects.group_by(KEY).agg(pl.col(ROW_NUMBER).min().alias(FIRST), pl.col(HASH).first())
        earlier = firsts.select(KEY).join(seen_before.select(KEY, FIRST), on=KEY)
        new = firsts.join(earlier, on=KEY, how="anti")
        self.seen = pl.concat([self.seen, fresh, new.select(HASH, KEY, FIRST)])
        first_of = pl.concat([new.select(KEY, FIRST), earlier])
        repeated = suspects.join(first_of, on=KEY).filter(pl.col(ROW_NUMBER) != pl.col(FIRST))
        return repeated.select(
            pl.col(ROW_NUMBER).alias("row_number"),
            pl.lit(", ".join(self.key)).alias("field"),
            (
                pl.lit("reported twice in this file (first at row ")
                + pl.col(FIRST).cast(pl.String)
                + pl.lit(")")
            ).alias("reason"),
            pl.lit("dòng bị trùng (báo cáo hai lần)").alias("reason_vi"),
            pl.lit("xóa dòng lặp lại, hoặc sửa lại nếu hai dòng là hai trường hợp khác nhau").alias(
                "fix_hint"
            ),
            pl.lit(None, pl.String).alias("value_as_sent"),
        ).cast(REJECTION_SCHEMA)
