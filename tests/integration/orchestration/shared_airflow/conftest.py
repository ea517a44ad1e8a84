"""The package's one Airflow session (tests/integration/airflow_session.py): started before its
first test, stopped after its last, emptied between tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.airflow_session import SharedAirflow, prepare_for_test, shared_session


@pytest.fixture(scope="package")
def shared_airflow(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedAirflow]:
    with shared_session(server_url, tmp_path_factory.mktemp("shared_airflow") / "state") as session:
        yield session


@pytest.fixture
def scheduler(shared_airflow: SharedAirflow, monkeypatch: pytest.MonkeyPatch) -> SharedAirflow:
    """The shared session, idle, with an empty warehouse and state folder for this test."""
    return prepare_for_test(shared_airflow, monkeypatch)
