"""Superset's web server on 127.0.0.1: started detached, found again by its pid file, stopped.

One gunicorn worker with four threads (about 350 MB): enough for a few readers on a 2-core
machine. It outlives the command that started it, like the embedded PostgreSQL, until
`make stop` (or `mtqg dashboard --stop`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from mtqg_warehouse.bi.settings import DEFAULT_PORT, PORT_VAR, SupersetHome
from mtqg_warehouse.db.embedded import free_port

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
START_TIMEOUT = 180  # seconds; it answers /health after 12-14 s on an idle machine


def base_url(home: SupersetHome) -> str:
    return f"http://{HOST}:{port(home)}"


def port(home: SupersetHome) -> int:
    """``MTQG_SUPERSET_PORT``, else 8088 or the next free port, chosen once per state folder."""
    configured = os.environ.get(PORT_VAR)
    if configured:
        return int(configured)
    if home.port_file.exists():
        return int(home.port_file.read_text().strip())
    chosen = free_port(DEFAULT_PORT)
    home.root.mkdir(parents=True, exist_ok=True)
    home.port_file.write_text(f"{chosen}\n")
    return chosen


def running_pid(home: SupersetHome) -> int | None:
    """The gunicorn master's pid if the pid file names a live gunicorn, else None."""
    try:
        pid = int(home.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return pid if b"gunicorn" in command else None


def start(home: SupersetHome) -> str:
    """Start the server unless it runs; wait until /health answers; return its base URL."""
    url = base_url(home)
    process = None
    if running_pid(home) is None:
        home.pid_file.unlink(missing_ok=True)
        with home.log_file.open("ab") as log_out:
            process = subprocess.Popen(
                [
                    str(home.gunicorn),
                    "--workers",
                    "1",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    # each request's status in the log: what a reader was refused, and when
                    "--access-logfile",
                    "-",
                    "--bind",
                    f"{HOST}:{port(home)}",
                    "--pid",
                    str(home.pid_file),
                    "superset.app:create_app()",
                ],
                env=home.environment(),
                cwd=home.root,
                stdin=subprocess.DEVNULL,
                stdout=log_out,
                stderr=log_out,
                start_new_session=True,
            )
        log.info("Superset starting on %s (log: %s)", url, home.log_file)
    _wait_healthy(home, url, process)
    return url


def stop(home: SupersetHome, timeout: float = 30) -> bool:
    """Stop the server if it runs (TERM, then KILL after ``timeout``); returns whether it ran."""
    pid = running_pid(home)
    if pid is None:
        home.pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    home.pid_file.unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie of ours is gone for every purpose here
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def _wait_healthy(home: SupersetHome, url: str, process: subprocess.Popen | None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if process is not None and process.poll() is not None:
            tail = home.log_file.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Superset exited ({process.returncode}); the end of {home.log_file}:\n{tail}")
        time.sleep(1)
    raise TimeoutError(f"Superset did not answer {url}/health within {START_TIMEOUT} s; see {home.log_file}")
