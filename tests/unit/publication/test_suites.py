"""The suites as data: every YAML suite renders for a build, thresholds come from its params,
value shapes from the loader's contracts, and a column check becomes the SQL its rows fail."""

from __future__ import annotations

import re

import pytest

from mtqg_warehouse.contracts.types import CCCD_SHAPE
from mtqg_warehouse.publication import failing_rows, suites


def test_every_suite_renders_for_a_build_and_names_a_relation_or_a_query() -> None:
    for layer in suites.LAYERS:
        for suite in suites.suites(layer, "pub_00042"):
            assert (suite.relation is None) != (suite.query is None), suite.name
            assert suite.checks, suite.name
            for check in suite.checks:
                text = str(check.kwargs)
                # nothing left for us to fill (GX's own {batch} is not used by these suites)
                assert not re.search(r"(?<!\{)\{[a-z_]\w*\}", text), (suite.name, check.index)
                if check.is_custom_sql:
                    assert check.name and suites.expected_of(check), (suite.name, check.index)


def test_every_published_model_of_the_issue_has_a_suite_and_each_raw_feed_one() -> None:
    names = {spec["suite"] for spec in suites.suite_specs()}
    assert {"raw_ward_returns__poverty_review", "raw_bank__loan_events", "raw_insurance__cards"} <= names
    assert {
        "fct_household_status",
        "fct_support",
        "fct_loan_month",
        "fct_insurance_cards",
        "fct_fund",
    } <= names
    assert {name for name in names if name.startswith("rpt_")} >= {
        "rpt_poverty_by_ward_year",
        "rpt_support_coverage",
        "rpt_entitlement_gaps",
        "rpt_disbursement_progress",
    }


def test_thresholds_come_from_the_suite_params() -> None:
    (household,) = [s for s in suites.suites("marts", "pub_00001") if s.name == "fct_household_status"]
    (volume,) = [c for c in household.checks if c.name == "ward_review_shrank_against_previous"]
    assert "< 0.6 * compared.previous_households" in volume.kwargs["unexpected_rows_query"]
    assert volume.expected == "a ward's households in a review at least 0.6 of its previous review's"
    assert '"pub_00001".fct_household_status' in volume.kwargs["unexpected_rows_query"]


def test_the_cccd_pattern_is_the_loaders_with_padding_allowed() -> None:
    pattern = suites.contract_shape("cccd")
    assert CCCD_SHAPE.strip("^$") in pattern
    assert re.match(pattern.replace(r"\s", r"\s"), " 095204437765 ")
    assert not re.match(pattern, "0952044377")


def test_an_unknown_placeholder_is_refused_and_a_schema_must_be_a_plain_name() -> None:
    with pytest.raises(KeyError, match="unknown placeholder"):
        suites._render("select {nope}", "pub_1", {})
    with pytest.raises(ValueError):
        suites.suites("marts", 'pub_1"; drop table x; --')


@pytest.mark.parametrize(
    ("check_type", "kwargs", "condition"),
    [
        ("expect_column_values_to_not_be_null", {"column": "a"}, '"a" is null'),
        ("expect_column_values_to_be_between", {"column": "a", "min_value": 0}, '"a" < 0'),
        (
            "expect_column_values_to_be_between",
            {"column": "a", "min_value": 0, "max_value": 1},
            '"a" < 0 or "a" > 1',
        ),
        ("expect_column_values_to_match_regex", {"column": "a", "regex": "^x'$"}, "\"a\" !~ '^x''$'"),
        (
            "expect_column_values_to_be_in_set",
            {"column": "a", "value_set": ["HN", 1]},
            "\"a\"::text not in ('HN', '1')",
        ),
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            {"column_A": "to", "column_B": "from", "or_equal": True},
            'not ("to" >= "from")',
        ),
        ("expect_table_row_count_to_be_between", {"min_value": 1}, None),
    ],
)
def test_a_column_check_becomes_the_condition_its_failing_rows_meet(check_type, kwargs, condition) -> None:
    check = suites.Check("s", 0, check_type, kwargs)
    assert failing_rows.predicate(check) == condition
