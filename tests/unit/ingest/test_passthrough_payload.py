"""The COPY payload of a chunk: every line as sent, except dropped lines (markers) and re-written
ones (their cleaned values), each in its place and ending as the file's lines do; checked
against a line-by-line reference on generated chunks, however often lines are replaced."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from mtqg_warehouse.ingest.line_layout import newlines
from mtqg_warehouse.ingest.passthrough import CopyShape, SourceLines, payload

ROW = "_row_number"
FIRST_ROW = 2


def _reference(lines: list[bytes], line_end: bytes, dropped: set[int], rewritten: dict[int, tuple[str, str]]):
    out = []
    for index, line in enumerate(lines):
        if index in dropped:
            out.append(b"," + line_end)
        elif index in rewritten:
            a, b = rewritten[index]
            out.append(f"{a},{b}".encode() + line_end)
        else:
            out.append(line + line_end)
    return b"".join(out)


CHUNKS = st.lists(
    st.tuples(
        st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b"")),
        st.sampled_from(["keep", "drop", "rewrite"]),
        st.from_regex(r"[a-z]{1,4}", fullmatch=True),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(chunk=CHUNKS, crlf=st.booleans())
def test_payload_replaces_exactly_the_dropped_and_rewritten_lines(chunk, crlf: bool) -> None:
    line_end = b"\r\n" if crlf else b"\n"
    lines = [line for line, _, _ in chunk]
    piece = b"".join(line + line_end for line in lines)
    ends = newlines(piece)
    starts = np.concatenate(([0], ends[:-1] + 1))
    source = SourceLines(piece, starts, ends, FIRST_ROW, np.zeros(0, dtype=np.int64))
    shape = CopyShape(["a", "b"], "a", verbatim=True, line_end=line_end)
    dropped = {i for i, (_, action, _) in enumerate(chunk) if action == "drop"}
    rewritten = {
        i: (value, value.upper()) for i, (_, action, value) in enumerate(chunk) if action == "rewrite"
    }
    frame = pl.DataFrame(
        {
            ROW: [i + FIRST_ROW for i in rewritten],
            "a": [a for a, _ in rewritten.values()],
            "b": [b for _, b in rewritten.values()],
        },
        schema={ROW: pl.Int64, "a": pl.String, "b": pl.String},
    ).sample(fraction=1.0, shuffle=True, seed=1)  # the frame's order is not the file's
    parts = payload(source, shape, np.array(sorted(dropped), dtype=np.int64) + FIRST_ROW, frame, ROW)
    assert b"".join(bytes(part) for part in parts) == _reference(lines, line_end, dropped, rewritten)


def test_a_chunk_with_nothing_to_replace_goes_as_one_view_of_its_bytes() -> None:
    piece = b"x,y\nz,w\n"
    ends = newlines(piece)
    source = SourceLines(piece, np.array([0, 4]), ends, FIRST_ROW, np.zeros(0, dtype=np.int64))
    empty = pl.DataFrame(schema={ROW: pl.Int64, "a": pl.String, "b": pl.String})
    parts = payload(source, CopyShape(["a", "b"], "a", True), np.zeros(0, dtype=np.int64), empty, ROW)
    assert len(parts) == 1 and isinstance(parts[0], memoryview) and parts[0].obj is piece
