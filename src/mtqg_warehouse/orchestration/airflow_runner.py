"""Running the DAGs for real, bounded: Airflow's own components, started and stopped here.

`make demo` and the end-to-end tests need the scheduler to run asset-triggered DAGs, which
`airflow dags test` does not do; so this starts the dag-processor, scheduler and api-server
in the background, triggers the ingest DAGs, waits for the asset-scheduled build, and stops
every component again. Everything it asks Airflow goes through the public REST API
(rest_api.py); Airflow's home and logs live in the state folder, its metadata in PostgreSQL
beside the warehouse (metadata_db.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.config import PROJECT_ROOT, state_dir
from mtqg_warehouse.db.embedded import free_port
from mtqg_warehouse.orchestration import metadata_db
from mtqg_warehouse.orchestration.rest_api import AirflowApi

log = logging.getLogger(__name__)

COMPONENTS = ("dag-processor", "scheduler", "api-server")
# started once the api-server serves: a task the scheduler dispatched earlier could not reach
# the execution API (connection refused) and would wait out its retry delay (minutes)
AFTER_API = frozenset({"scheduler"})
TERMINAL = {"success", "failed"}


def airflow_home() -> Path:
    return state_dir() / "airflow"


@dataclass(frozen=True)
class RunOutcome:
    dag_id: str
    run_id: str
    state: str


@dataclass(frozen=True)
class RunningAirflow:
    """The started components' environment and API; runs changed since ``started`` are this session's."""

    env: dict[str, str]
    api: AirflowApi
    started: dt.datetime


def airflow_env(warehouse_url: str, api_port: int | None = None) -> dict[str, str]:
    home = airflow_home()
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT": "30",
            "WAREHOUSE_URL": warehouse_url,
            "MTQG_STATE_DIR": str(state_dir()),
            "PYTHONPATH": str(PROJECT_ROOT / "src"),
        }
    )
    env.update(metadata_db.metadata_settings(warehouse_url, os.environ))
    if api_port:
        # loopback only: with every user an admin, the API must not be reachable from the network
        env["AIRFLOW__API__HOST"] = "127.0.0.1"
        env["AIRFLOW__API__PORT"] = str(api_port)
        env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{api_port}/execution/"
        # the scheduler's log server too: Airflow's fixed default (8793) is another clone's
        env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(free_port(0))
    return env


def airflow_cli(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
        )
    return result


def migrate_metadata(warehouse_url: str, env: dict[str, str]) -> None:
    """`airflow db migrate` once per Airflow version and metadata database (it costs about 5 s)."""
    from importlib.metadata import version

    conn = env[metadata_db.SYNC_CONN]
    ours = conn == metadata_db.metadata_url(warehouse_url)
    created = ours and metadata_db.ensure_metadata_database(warehouse_url)
    database = hashlib.sha256(conn.encode()).hexdigest()[:12]
    stamp = airflow_home() / f".migrated-{version('apache-airflow')}-{database}"
    if stamp.exists() and not created:
        return
    airflow_home().mkdir(parents=True, exist_ok=True)
    airflow_cli(env, "db", "migrate")
    stamp.touch()


@dataclass(frozen=True)
class Component:
    """One Airflow process the runner started: its name (and pid file) and the process."""

    name: str
    process: subprocess.Popen


@dataclass(frozen=True)
class ExtraComponents:
    """What an executor other than the LocalExecutor adds: settings and processes of its own.

    ``processes`` maps a component name to its ``airflow`` arguments and the environment it
    adds (e.g. a Celery worker's log-server port); see celery_workers.py.
    """

    settings: dict[str, str]
    processes: dict[str, tuple[list[str], dict[str, str]]]


@contextmanager
def running_airflow(warehouse_url: str, extra: ExtraComponents | None = None) -> Iterator[RunningAirflow]:
    """Start the components, wait until they serve, and always stop them on the way out."""
    # any free port, not a fixed one: another clone's runner on this machine must not answer
    # the requests meant for this one's api-server
    port = free_port(0)
    log.info("Airflow api-server (UI and REST API): http://127.0.0.1:%s", port)
    env = airflow_env(warehouse_url, port) | (extra.settings if extra else {})
    migrate_metadata(warehouse_url, env)
    started = dt.datetime.now(dt.UTC)
    components = [start_component(env, name, [name]) for name in COMPONENTS if name not in AFTER_API]
    api = None
    try:
        wait_until_serving(port, components)
        components += [start_component(env, name, [name]) for name in COMPONENTS if name in AFTER_API]
        for name, (args, added) in (extra.processes if extra else {}).items():
            components.append(start_component(env | added, name, args))
        api = AirflowApi(f"http://127.0.0.1:{port}")
        yield RunningAirflow(env, api, started)
    finally:
        if api is not None:
            api.close()
        _stop(components)


def wait_until_serving(port: int, components: list[Component]) -> None:
    """The api-server answers, and its execution API is warm: the first request is slow and
    would otherwise time a task out (see ../shared/airflow3-notes.md)."""
    _wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=120, components=components)
    _wait_http(f"http://127.0.0.1:{port}/execution/health", timeout=60, components=components)


def start_component(env: dict[str, str], name: str, args: list[str]) -> Component:
    """``airflow <args>`` in a session of its own; output to ``logs/<name>.log``, pid in ``<name>.pid``."""
    logs = airflow_home() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / f"{name}.log", "ab") as out:
        process = subprocess.Popen(
            [str(Path(sys.executable).with_name("airflow")), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _pid_file(name).write_text(f"{process.pid}\n")
    return Component(name, process)


def _pid_file(component: str) -> Path:
    return airflow_home() / f"{component}.pid"


def stop_leftover_components(grace: float = 20) -> list[str]:
    """End every component a pid file names: the UI `make airflow-ui` left running, or what a
    killed demo or test left behind. SIGTERM to each process group, SIGKILL after ``grace``."""
    groups = {}
    for path in sorted(airflow_home().glob("*.pid")):
        groups[path.stem] = int(path.read_text())
        path.unlink()
    stopped = [component for component, pid in groups.items() if _signal_group(pid, signal.SIGTERM)]
    _wait_groups_gone(groups.values(), grace)
    for pid in groups.values():
        _signal_group(pid, signal.SIGKILL)
    _wait_groups_gone(groups.values(), 5)
    return stopped


def _wait_groups_gone(pids: Iterable[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_signal_group(pid, 0) for pid in pids):
        time.sleep(0.5)


def _signal_group(pid: int, signum: int) -> bool:
    """Whether the group existed (signal 0 only asks)."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        return False
    return True


def _stop(components: list[Component], grace: float = 20) -> None:
    """SIGTERM every component's whole process group (workers included) at once, then SIGKILL
    the stragglers after ``grace``: each takes 2-5 s to shut down, and one after the other
    that was 10-35 s per Airflow session on 2 busy cores."""
    running = [c for c in components if c.process.poll() is None]
    for component in running:
        _signal_group(component.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for component in running:
        try:
            component.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            _signal_group(component.process.pid, signal.SIGKILL)
            component.process.wait()
    for component in components:
        _pid_file(component.name).unlink(missing_ok=True)


def _wait_http(url: str, timeout: float, components: list[Component]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dead = [c.name for c in components if c.process.poll() is not None]
        if dead:
            raise RuntimeError(f"Airflow component(s) exited early: {dead}; see {airflow_home() / 'logs'}")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def wait_for_dags(api: AirflowApi, dag_ids: list[str], timeout: float = 120) -> None:
    """The dag-processor must have serialised a DAG before it can be triggered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        missing = [dag_id for dag_id in dag_ids if not api.dag_is_parsed(dag_id)]
        if not missing:
            return
        time.sleep(1)
    raise TimeoutError(f"DAGs {missing} were not parsed within {timeout} s")


def trigger(api: AirflowApi, dag_id: str) -> str:
    run_id = f"manual__{dag_id}__{time.time_ns()}"
    api.trigger(dag_id, run_id)
    return run_id


def wait_for_all_runs(
    airflow: RunningAirflow,
    dag_id: str,
    timeout: float,
    run_type: str | None = None,
    allow_none: bool = False,
) -> list[RunOutcome]:
    """Until every run of ``dag_id`` since the components started has finished; returns them in order.

    Runs the scheduler creates itself count, and so do asset events still queued for the
    DAG (its max_active_runs holds them back): each becomes a run to wait for. With
    ``allow_none``, having no run at all (after a short grace) is a valid answer.
    """
    deadline = time.monotonic() + timeout
    grace = time.monotonic() + 5
    while time.monotonic() < deadline:
        runs = airflow.api.runs(dag_id, updated_since=airflow.started)
        queued = airflow.api.queued_asset_events(dag_id)
        wanted = [run for run in runs if run_type in (None, run.run_type)]
        if wanted and not queued and all(run.state in TERMINAL for run in wanted):
            return [RunOutcome(dag_id, run.run_id, run.state) for run in wanted]
        if allow_none and not runs and not queued and time.monotonic() > grace:
            return []
        time.sleep(1)
    raise TimeoutError(f"runs of {dag_id} did not finish within {timeout} s; see {airflow_home() / 'logs'}")


def failed_task_logs(dag_id: str, run_id: str) -> str:
    """The tail of each failed task's log, so a failed demo or test says why."""
    folder = airflow_home() / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}"
    tails = [
        f"--- {path.relative_to(folder)}\n{path.read_text(errors='replace')[-3000:]}"
        for path in sorted(folder.rglob("*.log"))
    ]
    return "\n".join(tails)
