"""The article's figures, and the rules that say whether a figure from the marts agrees."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mtqg_warehouse.generator.config import assumptions
from mtqg_warehouse.publication.article_figures import FIGURES, Reading, comparison_lines

BY_KEY = {figure.key: figure for figure in FIGURES}


def test_the_generator_is_calibrated_to_the_figures_the_article_states() -> None:
    """The demo city is generated to the article's 2023 figures: the generator's targets and
    the article's claims cannot drift apart."""
    targets = assumptions()["demo"]["targets"]
    for key in ("escaped_poverty", "escaped_near_poverty", "adopted_households"):
        assert targets[key] == BY_KEY[f"{key}_households" if "escaped" in key else key].article
    assert targets["insurance_cards"] == BY_KEY["insurance_cards_issued"].article
    assert targets["sponsored_cards"] == BY_KEY["sponsored_cards_issued"].article
    assert targets["trained_workers"] == BY_KEY["workers_trained"].article
    assert targets["jobs"] == BY_KEY["workers_placed_in_jobs"].article
    assert targets["houses"] == BY_KEY["houses_built"].article
    assert BY_KEY["electricity_households"].agrees(targets["electricity_households"])
    assert BY_KEY["houses_amount"].agrees(Decimal(targets["houses_amount"]))
    assert BY_KEY["social_fund_raised_amount"].agrees(Decimal(targets["social_fund_amount"]))
    assert set(assumptions()["demo"]["under_disbursed"]) == {"DA2", "DA3-TDA1"}


@pytest.mark.parametrize(
    ("key", "value", "agrees"),
    [
        ("escaped_poverty_households", 108, True),
        ("escaped_poverty_households", 107, False),
        ("electricity_households", 171, True),
        ("electricity_households", 170, False),
        ("social_fund_raised_amount", Decimal("13_449_000_000"), True),  # the article rounds to 0.1 bn
        ("social_fund_raised_amount", Decimal("13_450_000_000"), False),
        ("houses_amount", Decimal("5_700_000_000"), True),
        ("projects_below_plan", frozenset({"DA2", "DA3-TDA1"}), True),
        ("projects_below_plan", frozenset({"DA2"}), False),
        ("projects_below_plan", frozenset({"DA2", "DA3-TDA1", "DA4-TDA1"}), False),
    ],
)
def test_a_figure_from_the_marts_agrees_only_with_what_the_article_states(
    key: str, value: object, agrees: bool
) -> None:
    assert Reading(BY_KEY[key], value).agrees is agrees


def test_a_missing_figure_is_said_to_differ() -> None:
    lines = comparison_lines([Reading(BY_KEY["houses_built"], None)])
    assert "missing" in lines[2] and "DIFFERS" in lines[2]
    assert lines[-1] == "  0 of 1 agree with the article"
