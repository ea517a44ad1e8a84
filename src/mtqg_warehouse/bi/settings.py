"""Where Superset lives locally and the settings it reads: one place for paths, port and secrets.

Everything is under ``<state>/superset/`` (git-ignored) except the virtual environment, whose
place ``MTQG_SUPERSET_VENV`` may move: the install is the slow part (about a minute), so the
tests point every throwaway state folder at the project's one environment instead of
installing again. Secrets come from the environment; unset, a development value is generated
once into the state folder (owner-only), never into the repository.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from mtqg_warehouse.config import PROJECT_ROOT, state_dir

ASSETS_DIR = PROJECT_ROOT / "bi" / "superset"
BUNDLE_DIR = ASSETS_DIR / "assets"
REQUIREMENTS_LOCK = ASSETS_DIR / "requirements.lock"
CONFIG_FILE = ASSETS_DIR / "superset_config.py"

VENV_VAR = "MTQG_SUPERSET_VENV"
PORT_VAR = "MTQG_SUPERSET_PORT"
ADMIN_PASSWORD_VAR = "SUPERSET_ADMIN_PASSWORD"
SECRET_KEY_VAR = "SUPERSET_SECRET_KEY"
METADATA_URI_VAR = "SUPERSET_METADATA_URI"

ADMIN_USER = "admin"
DEFAULT_PORT = 8088
DASHBOARD_SLUG = "giam-ngheo"


@dataclass(frozen=True)
class SupersetHome:
    """The paths of one local Superset: its state folder and its virtual environment."""

    root: Path
    venv: Path

    @classmethod
    def default(cls) -> SupersetHome:
        root = state_dir() / "superset"
        venv = os.environ.get(VENV_VAR)
        return cls(root=root, venv=Path(venv).resolve() if venv else root / "venv")

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def gunicorn(self) -> Path:
        return self.venv / "bin" / "gunicorn"

    @property
    def metadata_uri(self) -> str:
        return os.environ.get(METADATA_URI_VAR) or f"sqlite:///{self.root / 'superset.db'}"

    @property
    def pid_file(self) -> Path:
        return self.root / "gunicorn.pid"

    @property
    def log_file(self) -> Path:
        return self.root / "superset.log"

    @property
    def port_file(self) -> Path:
        return self.root / "port"

    @property
    def screenshot(self) -> Path:
        return self.root / "dashboard.png"

    def admin_password(self) -> str:
        return os.environ.get(ADMIN_PASSWORD_VAR) or _generated_once(self.root / "admin.password.dev")

    def secret_key(self) -> str:
        return os.environ.get(SECRET_KEY_VAR) or _generated_once(self.root / "secret_key.dev")

    def environment(self) -> dict[str, str]:
        """What Superset's processes get: our config file, secret and metadata database."""
        return {
            **os.environ,
            "SUPERSET_CONFIG_PATH": str(CONFIG_FILE),
            SECRET_KEY_VAR: self.secret_key(),
            METADATA_URI_VAR: self.metadata_uri,
            "SUPERSET_HOME": str(self.root),
            # its own interpreter: the product's settings must not leak in
            "PYTHONPATH": "",
            "VIRTUAL_ENV": str(self.venv),
        }


def _generated_once(path: Path) -> str:
    """A random development secret kept in the state folder, readable by its owner only."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(32))
    text = path.read_text(encoding="ascii").strip()
    if not text:
        raise RuntimeError(f"{path} is empty: delete it and run again")
    return text
