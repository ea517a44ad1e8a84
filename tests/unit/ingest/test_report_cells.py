"""Report cells Excel would run as formulas are shown as text (OWASP CSV injection)."""

from __future__ import annotations

import pytest

from mtqg_warehouse.ingest.report import safe_cell


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_a_cell_that_could_start_a_formula_gets_an_apostrophe(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Nguyễn Văn A", "1.234.567", "", None, 12, "a=b"])
def test_other_cells_are_left_as_they_are(value: object) -> None:
    assert safe_cell(value) == value
