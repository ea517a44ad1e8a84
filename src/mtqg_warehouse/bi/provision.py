"""Provision Superset: its metadata, roles and admin user, and the dashboard bundle, in one go.

Runs `superset_side.py` with Superset's interpreter: about 25 s, most of it Superset's own
app start; a new SQLite metadata database starts from a migrated template (see
`superset_side.py`), which saves the ~25 s its migrations take.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from mtqg_warehouse.bi.bundle import Bundle
from mtqg_warehouse.bi.settings import ADMIN_USER, SupersetHome

SUPERSET_SIDE = Path(__file__).with_name("superset_side.py")


def provision(home: SupersetHome, bundle: Bundle) -> dict[str, Any]:
    """Migrate Superset's metadata, sync roles, set the admin, import the bundle; returns the
    dashboards Superset now holds (id, slug, title, chart count)."""
    home.root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home.root) as scratch:
        result_path = Path(scratch) / "result.json"
        spec = {
            "admin": {
                "username": ADMIN_USER,
                "password": home.admin_password(),
                "first_name": "Quản trị",
                "last_name": "MTQG",
                "email": "admin@example.invalid",
            },
            "contents": bundle.contents,
            "passwords": bundle.passwords,
            "result_path": str(result_path),
            **_template(home),
        }
        completed = subprocess.run(
            [str(home.python), str(SUPERSET_SIDE)],
            input=json.dumps(spec),
            text=True,
            capture_output=True,
            env=home.environment(),
            cwd=home.root,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"provisioning Superset failed:\n{completed.stderr[-4000:]}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    return result


def _template(home: SupersetHome) -> dict[str, str]:
    """With SQLite metadata: a migrated, user-less copy kept beside the venv (so it goes when
    Superset is reinstalled), from which new state folders start."""
    prefix = "sqlite:///"
    if not home.metadata_uri.startswith(prefix):
        return {}
    return {
        "metadata_sqlite": home.metadata_uri.removeprefix(prefix),
        "metadata_template": str(home.venv / "mtqg-metadata-template.db"),
    }
