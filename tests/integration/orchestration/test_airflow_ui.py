"""`make airflow-ui` for real: its command starts the components and prints the URL and login, a
person logs in with headless Chromium and sees every DAG with its latest run, and `make stop`'s
command ends every component.

Cost: about 40-90 s (migration, four components starting on 2 cores, one browser page). It runs
in a database of its own (`own_warehouse`): the runs it triggers are left unfinished when
Airflow stops, and a later test's scheduler must not find them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mtqg_warehouse.contracts.model import feeds
from mtqg_warehouse.orchestration import airflow_runner as runner
from mtqg_warehouse.orchestration.airflow_ui import PID_PREFIX, UI_COMPONENTS
from mtqg_warehouse.orchestration.ids import BUILD_DAG_ID, ingest_dag_id
from mtqg_warehouse.orchestration.rest_api import AirflowApi

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

MTQG = str(Path(sys.executable).with_name("mtqg"))


def test_operator_logs_in_and_sees_every_dag_with_its_latest_run(own_warehouse: str, page) -> None:
    dag_ids = [*(ingest_dag_id(feed) for feed in feeds()), BUILD_DAG_ID]
    try:
        started = _mtqg("airflow-ui")
        url, user, password = (
            re.search(rf"{label}: (\S+)", started).group(1)  # type: ignore[union-attr]
            for label in ("Airflow UI", "user", "password")
        )
        assert url.startswith("http://127.0.0.1:"), started
        assert _mtqg("airflow-ui") == started, "a second start finds the running UI"
        with_login = AirflowApi(url, login=(user, password))
        runner.wait_for_dags(with_login, dag_ids)
        for dag_id in dag_ids:
            runner.trigger(with_login, dag_id)

        page.goto(f"{url}/dags")
        page.get_by_label("Username").wait_for(timeout=30_000)
        assert "/auth/login" in page.url, "the UI must ask for a login"
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/dags")
        for dag_id in dag_ids:
            page.locator(f'a[href="/dags/{dag_id}"]').first.wait_for(timeout=60_000)
            latest = with_login.latest_run(dag_id)
            assert latest is not None, f"{dag_id} has no run"
            page.locator(f'a[href="/dags/{dag_id}/runs/{latest.run_id}"]').first.wait_for(timeout=30_000)
        page.screenshot(path=str(runner.airflow_home() / "ui-dags.png"), full_page=True)
        with_login.close()
    finally:
        pids = {name: _pid(name) for name in UI_COMPONENTS}
        stopped = _mtqg("stop")
    assert all(f"{PID_PREFIX}{name}" in stopped for name in UI_COMPONENTS), stopped
    assert not [name for name, pid in pids.items() if pid and _group_alive(pid)], "make stop left a component"


def _mtqg(*args: str) -> str:
    result = subprocess.run([MTQG, *args], capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"mtqg {' '.join(args)}: {result.stdout}\n{result.stderr[-3000:]}"
    return result.stdout


def _pid(component: str) -> int | None:
    path = runner.airflow_home() / f"{PID_PREFIX}{component}.pid"
    return int(path.read_text()) if path.exists() else None


def _group_alive(pid: int) -> bool:
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    return True
