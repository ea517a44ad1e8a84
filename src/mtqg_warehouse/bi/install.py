"""Superset's own virtual environment, installed once from its lock and reused after.

Superset pins SQLAlchemy 1.4, pandas < 2.2 and Flask-AppBuilder 5, which conflict with
Airflow 3 and dbt, so it never shares the product's environment. The pinned set is
`bi/superset/requirements.lock` (from `requirements.in` beside it); the environment records
the lock's hash and is reinstalled only when the lock changes. uv installs it (about a
minute cold on two cores, ~830 MB) with bytecode compiled up front, since the project runs
with PYTHONDONTWRITEBYTECODE=1 and every Superset start would otherwise compile it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from mtqg_warehouse.bi.settings import REQUIREMENTS_LOCK, SupersetHome

log = logging.getLogger(__name__)

STAMP = ".mtqg-installed"


def ensure_installed(home: SupersetHome) -> float:
    """Install Superset into ``home.venv`` unless the same lock is installed there already;
    returns the seconds it took (0 when reused). Concurrent callers wait for one install."""
    wanted = _lock_hash()
    stamp = home.venv / STAMP
    if _read(stamp) == wanted:
        return 0.0
    home.venv.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(home.venv.parent / f".{home.venv.name}.lock"):
        if _read(stamp) == wanted:
            return 0.0
        started = time.monotonic()
        print(f"installing Superset into {home.venv} (once; about a minute)...", file=sys.stderr)
        if home.venv.exists():
            shutil.rmtree(home.venv)
        uv = _uv()
        subprocess.run([uv, "venv", "--quiet", "--python", _base_python(), str(home.venv)], check=True)
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(home.python),
                "--compile-bytecode",
                "-r",
                str(REQUIREMENTS_LOCK),
            ],
            check=True,
        )
        stamp.write_text(wanted + "\n", encoding="ascii")
        seconds = time.monotonic() - started
        log.info("installed Superset in %.0f s", seconds)
        return seconds


def _lock_hash() -> str:
    return hashlib.sha256(REQUIREMENTS_LOCK.read_bytes()).hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None


def _uv() -> str:
    """The uv `make setup` put beside this interpreter, else one on PATH."""
    beside = Path(sys.executable).parent / "uv"
    found = str(beside) if beside.exists() else shutil.which("uv")
    if not found:
        raise RuntimeError("uv is not installed: run `make setup`")
    return found


def _base_python() -> str:
    """The interpreter the product's venv was made from (Superset supports 3.11 and 3.12)."""
    return str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
