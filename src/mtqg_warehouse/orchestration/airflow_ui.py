"""Airflow's UI on this machine, left running: `make airflow-ui` starts it, `make stop` stops it.

The same components a deployment runs (api-server, scheduler, dag-processor, triggerer), with
the runner's environment (airflow_runner.airflow_env: the embedded or configured warehouse,
Airflow's metadata beside it, parallelism 4), one api-server worker and one parsing process
for 2 cores. Unlike the bounded runs, which make every caller an admin on a random port, the
UI asks for a login: one user, `operator`, whose password is generated once into the state
folder (the simple auth manager's passwords file, readable by its owner only), and it listens
on 127.0.0.1 only. Each component's pid file is named ``ui-<component>`` so a bounded run
(demo, backfill) beside it never takes it for its own; ``mtqg stop`` ends every pid file's group.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from mtqg_warehouse.db.embedded import free_port
from mtqg_warehouse.orchestration import airflow_runner as runner

log = logging.getLogger(__name__)

UI_COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
PID_PREFIX = "ui-"
USER = "operator"
ROLE = "admin"
PREFERRED_PORT = 8080
# 2 cores: one API worker and one parsing process; the runner's parallelism (4) bounds tasks
SMALL_MACHINE = {
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    "AIRFLOW__TRIGGERER__CAPACITY": "100",
}


@dataclass(frozen=True)
class AirflowUi:
    url: str
    username: str
    password: str


def _info_file() -> Path:
    return runner.airflow_home() / "ui.json"


def passwords_file() -> Path:
    return runner.airflow_home() / "ui-passwords.json"


def ui_env(warehouse_url: str, port: int) -> dict[str, str]:
    env = runner.airflow_env(warehouse_url, port) | SMALL_MACHINE
    env.update(
        {
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:{ROLE}",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file()),
        }
    )
    return env


def running_ui() -> AirflowUi | None:
    """The UI a previous `make airflow-ui` left running, if all its components still run."""
    pids = [runner.airflow_home() / f"{PID_PREFIX}{name}.pid" for name in UI_COMPONENTS]
    if not _info_file().exists() or not all(path.exists() and _alive(path) for path in pids):
        return None
    return AirflowUi(**json.loads(_info_file().read_text()))


def start_ui(warehouse_url: str) -> AirflowUi:
    """Start the components (or find them running), wait until the API serves, say where."""
    if ui := running_ui():
        return ui
    port = free_port(PREFERRED_PORT)
    env = ui_env(warehouse_url, port)
    runner.migrate_metadata(warehouse_url, env)
    password = _password()
    first = [name for name in UI_COMPONENTS if name not in runner.AFTER_API]
    components = [runner.start_component(env, f"{PID_PREFIX}{name}", [name]) for name in first]
    try:
        runner.wait_until_serving(port, components)
        for name in runner.AFTER_API:
            runner.start_component(env, f"{PID_PREFIX}{name}", [name])
    except Exception:
        runner.stop_leftover_components()
        raise
    ui = AirflowUi(f"http://127.0.0.1:{port}", USER, password)
    _info_file().write_text(json.dumps(asdict(ui)) + "\n")
    _info_file().chmod(0o600)
    return ui


def _password() -> str:
    """The operator's password: generated once, kept where the auth manager reads it (0600)."""
    path = passwords_file()
    passwords = json.loads(path.read_text()) if path.exists() else {}
    if USER not in passwords:
        passwords[USER] = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(passwords) + "\n")
    return passwords[USER]


def _alive(pid_file: Path) -> bool:
    try:
        os.killpg(int(pid_file.read_text()), 0)
    except (ProcessLookupError, ValueError):
        return False
    return True
