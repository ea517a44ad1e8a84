"""dbt's sessions get the build's work_mem and no JIT, whatever PGOPTIONS held before."""

from __future__ import annotations

import pytest

from mtqg_warehouse.publication.dbt_runner import dbt_environment


def test_the_build_settings_replace_earlier_ones_and_keep_the_operators_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://u@db.example:5432/w")
    monkeypatch.setenv("PGOPTIONS", "-c statement_timeout=0 -c work_mem=8MB -c jit=on")
    monkeypatch.setenv("MTQG_BUILD_WORK_MEM", "256MB")
    options = dbt_environment()["PGOPTIONS"]
    assert options == "-c statement_timeout=0 -c work_mem=256MB -c jit=off"
    monkeypatch.setenv("PGOPTIONS", options)  # a second build in the same process
    assert dbt_environment()["PGOPTIONS"] == options


@pytest.mark.parametrize("value", ["64", "64 MB", "lots", "-1MB"])
def test_a_work_mem_that_is_not_a_size_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", "postgresql://u@db.example:5432/w")
    monkeypatch.setenv("MTQG_BUILD_WORK_MEM", value)
    with pytest.raises(ValueError, match="MTQG_BUILD_WORK_MEM"):
        dbt_environment()
