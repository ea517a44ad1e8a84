"""Which database errors read as "the warehouse cannot be reached" (exit 3) and which do not."""

from __future__ import annotations

import psycopg
import pytest

from mtqg_warehouse.cli import exit_codes


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (psycopg.OperationalError("connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),
        (psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"), False),
    ],
)
def test_only_a_server_that_did_not_answer_is_unreachable(error: Exception, unreachable: bool) -> None:
    assert exit_codes.unreachable(error) is unreachable


def test_an_error_from_a_server_that_answered_keeps_its_traceback() -> None:
    with pytest.raises(psycopg.errors.DeadlockDetected), exit_codes.unreachable_warehouse():
        raise psycopg.errors.DeadlockDetected("deadlock detected")
