"""A row whose natural key was already seen earlier in the same delivery is rejected.

Chunks arrive in file order, so the tracker remembers every key seen so far by its hash and
first row; a chunk is checked against them with a bitmap, and only the rare rows that
might repeat a key are compared on the key's values.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import polars as pl

from mtqg_warehouse.contracts.model import Table
from mtqg_warehouse.ingest.checks import REJECTION_SCHEMA
from mtqg_warehouse.ingest.messages import REPEATED_KEY
from mtqg_warehouse.ingest.rows import ROW_NUMBER

HASH = "_hash"
HASH_SEED = 0x6D747167
FIRST = "_first_row"
SEEN_BITS = 25  # a 32 MB bitmap: ~6 % of rows of a 2-million-row file need a closer look


class DuplicateTracker:
    def __init__(self, table: Table) -> None:
        self.key = list(table.natural_key) or table.column_names
        self.seen = pl.DataFrame(schema={HASH: pl.UInt64, FIRST: pl.Int64})  # every key: hash, first row
        self.seen_bits = np.zeros(1 << SEEN_BITS, dtype=bool)  # untouched pages cost nothing
        # each chunk's first and last row number, and its row numbers and key columns
        self.earlier_chunks: list[tuple[int, int, pl.DataFrame]] = []

    def repeats(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Rejections for this chunk's rows whose key appeared before (here or earlier).

        Repeats are rare, so rows are first sorted out by a 64-bit hash of their key: a row
        whose hash is not repeated in the chunk and whose bit (the hash's top bits index a
        bitmap of every key seen so far) is not set is a new key. Only the few others are
        compared on the key's values with the keys seen before, so neither a hash collision
        nor a shared bit can ever reject a good row.
        """
        keyed = frame.select(ROW_NUMBER, *self.key).filter(
            pl.all_horizontal(pl.col(k).is_not_null() for k in self.key)
        )
        hashes = keyed.select(self.key).hash_rows(seed=HASH_SEED)
        bits = (hashes.to_numpy() >> np.uint64(64 - SEEN_BITS)).astype(np.int64)
        suspect = hashes.is_duplicated().to_numpy() | self.seen_bits[bits]
        self.seen_bits[bits] = True
        keyed = keyed.with_columns(hashes.alias(HASH), pl.Series("_suspect", suspect))
        fresh = keyed.filter(~pl.col("_suspect")).select(HASH, pl.col(ROW_NUMBER).alias(FIRST))
        suspects = keyed.filter(pl.col("_suspect"))
        earlier = self._earlier_occurrences(suspects)
        firsts = suspects.group_by(self.key).agg(pl.col(ROW_NUMBER).min().alias(FIRST), pl.col(HASH).first())
        known = firsts.select(self.key).join(earlier, on=self.key)
        new = firsts.join(known, on=self.key, how="anti")
        self.seen = pl.concat([self.seen, fresh, new.select(HASH, FIRST)])
        rows = keyed.get_column(ROW_NUMBER)
        first = cast("int | None", rows.min())  # an Int64 column: None only when it is empty
        last = cast("int | None", rows.max())
        self.earlier_chunks.append((first or 0, last or 0, keyed.select(ROW_NUMBER, *self.key)))
        first_of = pl.concat([new.select(*self.key, FIRST), known.select(*self.key, FIRST)])
        repeated = suspects.join(first_of, on=self.key).filter(pl.col(ROW_NUMBER) != pl.col(FIRST))
        return repeated.select(
            pl.col(ROW_NUMBER).alias("row_number"),
            pl.lit(", ".join(self.key)).alias("field"),
            pl.format(REPEATED_KEY.reason, pl.col(FIRST)).alias("reason"),
            pl.lit(REPEATED_KEY.reason_vi).alias("reason_vi"),
            pl.lit(REPEATED_KEY.fix_hint).alias("fix_hint"),
            pl.lit(None, pl.String).alias("value_as_sent"),
        ).cast(REJECTION_SCHEMA)

    def _earlier_occurrences(self, suspects: pl.DataFrame) -> pl.DataFrame:
        """Key values and first rows of earlier chunks' keys sharing a suspect's hash."""
        rows = self.seen.filter(pl.col(HASH).is_in(suspects.get_column(HASH).implode())).get_column(FIRST)
        schema = pl.Schema({**suspects.select(self.key).schema, FIRST: pl.Int64()})
        wanted = rows.to_numpy()
        parts = [
            chunk.filter(pl.col(ROW_NUMBER).is_in(rows.implode())).select(
                *self.key, pl.col(ROW_NUMBER).alias(FIRST)
            )
            for low, high, chunk in self.earlier_chunks
            if ((wanted >= low) & (wanted <= high)).any()  # only the chunks those rows are in
        ]
        return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
