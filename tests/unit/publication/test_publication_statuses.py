"""The publication status table (what may follow what, how a refusal reads) and the schema names."""

from __future__ import annotations

import pytest

from mtqg_warehouse.publication.lifecycle import (
    TRANSITIONS,
    IllegalTransition,
    PublicationStatus,
    check_transition,
    publication_id,
    publication_schema,
)

S = PublicationStatus

ALLOWED = [
    (S.BUILDING, S.VALIDATED),
    (S.BUILDING, S.FAILED_BUILD),
    (S.BUILDING, S.FAILED_VALIDATION),
    (S.VALIDATED, S.PUBLISHED),
    (S.PUBLISHED, S.SUPERSEDED),
    (S.PUBLISHED, S.ROLLED_BACK),
    (S.SUPERSEDED, S.PUBLISHED),  # a rollback's target
    (S.SUPERSEDED, S.RETIRED),
    (S.ROLLED_BACK, S.RETIRED),
    (S.FAILED_VALIDATION, S.RETIRED),
    (S.FAILED_BUILD, S.RETIRED),
]

REFUSED = [
    (S.BUILDING, S.PUBLISHED),  # never published unaudited
    (S.FAILED_VALIDATION, S.PUBLISHED),
    (S.FAILED_BUILD, S.PUBLISHED),
    (S.FAILED_VALIDATION, S.VALIDATED),  # a verdict is final
    (S.PUBLISHED, S.RETIRED),  # what `marts` shows cannot be dropped
    (S.PUBLISHED, S.PUBLISHED),
    (S.BUILDING, S.RETIRED),  # may be running now
    (S.RETIRED, S.PUBLISHED),  # its schema is gone
    (S.SUPERSEDED, S.BUILDING),
]


def test_every_status_has_a_row_and_only_statuses_as_targets() -> None:
    assert set(TRANSITIONS) == set(PublicationStatus)
    assert all(target in set(PublicationStatus) for targets in TRANSITIONS.values() for target in targets)


@pytest.mark.parametrize(("current", "to"), ALLOWED)
def test_allowed(current: PublicationStatus, to: PublicationStatus) -> None:
    check_transition("pub_00007", current, to)


@pytest.mark.parametrize(("current", "to"), REFUSED)
def test_refused_naming_publication_and_both_statuses(
    current: PublicationStatus, to: PublicationStatus
) -> None:
    with pytest.raises(IllegalTransition) as refused:
        check_transition("pub_00007", current, to)
    message = str(refused.value)
    assert "pub_00007" in message and f"from {current} to {to}" in message


def test_retired_is_final_and_nothing_returns_to_building() -> None:
    assert TRANSITIONS[S.RETIRED] == frozenset()
    assert not any(S.BUILDING in targets for targets in TRANSITIONS.values())


def test_only_audited_or_once_published_builds_can_be_published() -> None:
    sources = {status for status, targets in TRANSITIONS.items() if S.PUBLISHED in targets}
    assert sources == {S.VALIDATED, S.SUPERSEDED, S.ROLLED_BACK}


def test_every_status_is_reachable_from_building_and_every_path_can_end_retired() -> None:
    reachable = _closure(S.BUILDING)
    assert reachable == set(PublicationStatus)
    # a publication only stays unretired while it is shown or still building
    assert {status for status in PublicationStatus if S.RETIRED not in _closure(status)} == set()


def _closure(start: PublicationStatus) -> set[PublicationStatus]:
    seen, frontier = {start}, [start]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen


def test_a_publication_schema_names_its_id_and_no_other_schema_does() -> None:
    assert publication_schema(42) == "pub_00042"
    assert publication_id(publication_schema(42)) == 42
    for other in ("pub_dev", "pub_none", "marts", "pub_", "xpub_00001", "pub_-1"):
        with pytest.raises(ValueError, match="not a publication's schema"):
            publication_id(other)
