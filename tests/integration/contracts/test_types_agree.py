"""The loader and staging take exactly the same values of every contract type.

Thousands of generated, near-miss and hostile values go through the loader's checks (Polars)
and through the SQL staging's dbt macros expand to, on the real PostgreSQL, one query per
batch. Any value one side takes and the other refuses fails the test, and so does any value
both take but read differently (another date, another number).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.contracts.conftest import compile_inline
from tests.unit.contracts.contract_values import (
    NAMED_CASES,
    accepted_from_lists,
    checked_columns,
    contract_values,
    listed_codes,
    loader_verdicts,
)

pytestmark = pytest.mark.integration

# Each loader rule (tests/unit/contracts/contract_values.checked_columns) and its staging macro.
STAGING_MACROS = {
    "date": "{{ vn_date('v') }}",
    "number": "{{ vn_number('v') }}",
    "amount": "{{ vn_amount('v') }}",
    "integer": "{{ vn_integer('v') }}",
    "flag01": "{{ vn_flag('v') }}",
    "cccd": "{{ shaped_code('v', 'cccd') }}",
    "bhyt_card": "{{ shaped_code('v', 'bhyt_card') }}",
    "unit_code": "{{ ward_code('v') }}",
    **{spec: f"{{{{ listed_code('v', '{spec}') }}}}" for spec in accepted_from_lists()},
}


@dataclass(frozen=True)
class Staging:
    url: str
    query: str = field(repr=False)  # long: kept out of a failing example's report

    def verdicts(self, values: list[str]) -> dict[str, list[object]]:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(self.query, [values]).fetchall()
        return {name: [row[index] for row in rows] for index, name in enumerate(STAGING_MACROS)}


@pytest.fixture(scope="module")
def staging(dbt_built_database: str, tmp_path_factory: pytest.TempPathFactory) -> Staging:
    """One query typing a text array with every macro: a batch costs one round trip."""
    assert set(STAGING_MACROS) == set(checked_columns()), "every loader rule needs its staging macro"
    select = "select " + ", ".join(f'{macro} as "{name}"' for name, macro in STAGING_MACROS.items())
    typed = compile_inline(select, dbt_built_database, tmp_path_factory.mktemp("compile"))
    query = (
        "select typed.* from unnest(%s::text[]) with ordinality as given(v, position) "
        f"cross join lateral ({typed.replace('%', '%%')}) as typed order by given.position"
    )
    return Staging(dbt_built_database, query)


def _disagreements(values: list[str], loader: dict, staging: dict) -> list[tuple[str, str, object, object]]:
    return [
        (rule, value, taken, typed)
        for rule in STAGING_MACROS
        for value, taken, typed in zip(values, loader[rule], staging[rule], strict=True)
        if taken != typed or (taken is None) != (typed is None)
    ]


def test_named_boundaries_and_every_listed_code(staging: Staging) -> None:
    values = NAMED_CASES + listed_codes()
    typed_in_staging = staging.verdicts(values)
    assert _disagreements(values, loader_verdicts(values), typed_in_staging) == []
    for rule, typed in typed_in_staging.items():
        assert any(value is not None for value in typed), f"{rule} took none of the named values"
        assert any(value is None for value in typed), f"{rule} refused none of the named values"


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(values=st.lists(contract_values(), min_size=100, max_size=300))
def test_loader_and_staging_take_the_same_values(staging: Staging, values: list[str]) -> None:
    assert _disagreements(values, loader_verdicts(values), staging.verdicts(values)) == []
