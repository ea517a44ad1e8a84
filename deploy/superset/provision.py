"""The compose deployment's superset-init service: Superset's metadata, its admin, the dashboard.

Runs once per `docker compose up` in the Superset image (its own Python, not the project's).
It reads the dashboard bundle mounted at /bundle (bi/superset/assets in the repository),
points the bundle's database at the warehouse as the BI reader (BI_DATABASE_URI, no password
in it) and hands everything to the project's Superset-side provisioning (superset_side.py,
mounted beside this file), which migrates, creates the admin and imports the assets with the
reader's password passed beside the files, never written into them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

BUNDLE = Path(os.environ.get("MTQG_BUNDLE_DIR", "/bundle"))
SUPERSET_SIDE = Path(__file__).with_name("superset_side.py")


def contents_and_passwords() -> tuple[dict[str, str], dict[str, str]]:
    contents, passwords = {}, {}
    for path in sorted(BUNDLE.rglob("*.yaml")):
        name = path.relative_to(BUNDLE).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = os.environ["BI_DATABASE_URI"]
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
            passwords[name] = os.environ["BI_READER_PASSWORD"]
        contents[name] = text
    return contents, passwords


def main() -> int:
    contents, passwords = contents_and_passwords()
    with tempfile.TemporaryDirectory() as scratch:
        result_path = Path(scratch) / "result.json"
        spec = {
            "admin": {
                "username": os.environ.get("SUPERSET_ADMIN_USER", "admin"),
                "first_name": "MTQG",
                "last_name": "Admin",
                "email": os.environ.get("SUPERSET_ADMIN_EMAIL", "admin@example.invalid"),
                "password": os.environ["SUPERSET_ADMIN_PASSWORD"],
            },
            "contents": contents,
            "passwords": passwords,
            "result_path": str(result_path),
        }
        subprocess.run([sys.executable, str(SUPERSET_SIDE)], input=json.dumps(spec), text=True, check=True)
        print(result_path.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
