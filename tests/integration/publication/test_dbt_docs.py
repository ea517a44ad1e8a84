"""dbt's documentation of the published warehouse, generated as one page that opens from disk."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def test_docs_describe_the_star_schema_and_its_exposures(warehouse: str) -> None:
    from mtqg_warehouse.publication.dbt_docs import generate_docs

    page = generate_docs()
    text = page.read_text(encoding="utf-8")
    for name in (
        "fct_household_status",
        "dim_geography",
        "poverty_reduction_dashboard",
        "stg_bank__loan_events",
    ):
        assert name in text, f"{name} is not documented"
    assert "One row per version of an administrative unit" in text
