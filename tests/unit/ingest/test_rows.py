"""A reader's row problem is built by keyword, so its texts can never trade places."""

from __future__ import annotations

import pytest

from mtqg_warehouse.ingest import messages
from mtqg_warehouse.ingest.rows import RowCounts, RowProblem


def test_row_problem_refuses_positional_arguments() -> None:
    with pytest.raises(TypeError):
        RowProblem(7, None, messages.NUL_CHARACTER, None)  # type: ignore[misc]


def test_row_problem_by_keyword_carries_its_message() -> None:
    problem = RowProblem(row_number=7, field=None, message=messages.NUL_CHARACTER, value_as_sent=None)
    assert (problem.row_number, problem.message.reason_vi) == (7, messages.NUL_CHARACTER.reason_vi)


def test_row_counts_add_up_field_by_field() -> None:
    total = RowCounts(read=3, loaded=2, rejected=1) + RowCounts(read=5, loaded=5, rejected=0)
    assert total == RowCounts(read=8, loaded=7, rejected=1)
