"""Airflow's public REST API (v2), the only way the runner asks Airflow anything.

Its metadata tables are Airflow's private business and change between versions; the REST API
is the contract Airflow keeps. The api-server the runner starts serves it; with the simple
auth manager and ``simple_auth_manager_all_admins``, ``GET /auth/token`` hands out a JWT; with
named users (the local UI, airflow_ui.py), ``POST /auth/token`` with a user's password does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class DagRun:
    dag_id: str
    run_id: str
    state: str
    run_type: str


class AirflowApi:
    def __init__(self, base_url: str, timeout: float = 30, login: tuple[str, str] | None = None) -> None:
        self._client = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        if login:
            token = self._client.post("/auth/token", json={"username": login[0], "password": login[1]})
        else:
            token = self._client.get("/auth/token")
        token.raise_for_status()
        self._client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def close(self) -> None:
        self._client.close()

    def dag_is_parsed(self, dag_id: str) -> bool:
        """Whether the dag-processor has serialised the DAG, so that it can be triggered."""
        response = self._client.get(f"/api/v2/dags/{dag_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return False
        return not _json(response)["is_stale"]

    def trigger(self, dag_id: str, run_id: str) -> None:
        """A manual run: no logical date, so it takes everything waiting (contracts/periods.py)."""
        body = {"dag_run_id": run_id, "logical_date": None}
        _json(self._client.post(f"/api/v2/dags/{dag_id}/dagRuns", json=body))

    def runs(self, dag_id: str, updated_since: dt.datetime) -> list[DagRun]:
        """The DAG's runs created or changed since then, oldest first."""
        since = updated_since.isoformat()
        params: dict[str, str | int] = {"updated_at_gte": since, "order_by": "id", "limit": 100}
        body = _json(self._client.get(f"/api/v2/dags/{dag_id}/dagRuns", params=params))
        if body["total_entries"] > len(body["dag_runs"]):
            raise RuntimeError(f"{dag_id}: more than {len(body['dag_runs'])} runs to wait for")
        return [DagRun(dag_id, run["dag_run_id"], run["state"], run["run_type"]) for run in body["dag_runs"]]

    def latest_run(self, dag_id: str) -> DagRun | None:
        """The DAG's run that is due last (``run_after``), as the UI's DAG list shows it."""
        params: dict[str, str | int] = {"order_by": "-run_after", "limit": 1}
        runs = _json(self._client.get(f"/api/v2/dags/{dag_id}/dagRuns", params=params))["dag_runs"]
        return next((DagRun(dag_id, r["dag_run_id"], r["state"], r["run_type"]) for r in runs), None)

    def queued_asset_events(self, dag_id: str) -> int:
        """Asset events that will schedule a run of the DAG but have not yet (max_active_runs)."""
        response = self._client.get(f"/api/v2/dags/{dag_id}/assets/queuedEvents")
        if response.status_code == httpx.codes.NOT_FOUND:
            return 0
        return _json(response)["total_entries"]

    def task_state(self, dag_id: str, run_id: str, task_id: str) -> str | None:
        response = self._client.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        return _json(response)["state"]

    def set_paused(self, dag_id: str, paused: bool) -> None:
        """Pause or unpause a DAG; a paused DAG takes no asset events (none queue for later)."""
        _json(self._client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": paused}))

    def create_backfill(self, dag_id: str, from_date: dt.datetime, to_date: dt.datetime) -> None:
        """Queue one run per logical date in the range, one at a time (the DAG's own max_active_runs)."""
        body = {
            "dag_id": dag_id,
            "from_date": from_date.isoformat(),
            "to_date": to_date.isoformat(),
            "max_active_runs": 1,
        }
        _json(self._client.post("/api/v2/backfills", json=body))


def _json(response: httpx.Response) -> Any:
    if response.is_error:
        raise RuntimeError(
            f"Airflow API {response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:2000]}"
        )
    return response.json()
