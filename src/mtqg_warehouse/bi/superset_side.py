"""Provisioning that runs inside Superset's own environment, in one process.

Not imported by the package: `provision.py` runs this file with the Superset venv's Python
(Superset's pins conflict with Airflow's, so the two never share an interpreter) and passes
what to do as JSON on stdin; the result goes to the file that JSON names. One process
instead of four `superset` commands (db upgrade, fab create-admin, init, import) saves the
~10 s app import each of those pays.

Assets go in through Superset's assets importer, which overwrites databases, datasets,
charts and dashboards alike; `superset import-dashboards` would keep edited charts and
datasets as they were and overwrite only the dashboard.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import sys
from typing import Any

log = logging.getLogger("mtqg.superset")


def main() -> int:
    spec = json.load(sys.stdin)
    template = spec.get("metadata_template")
    if template:
        _start_from_template(spec["metadata_sqlite"], template)
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        _upgrade_metadata()
        _init_roles()
        if template:
            _keep_as_template(spec["metadata_sqlite"], template)
        admin = _ensure_admin(spec["admin"])
        result = _import_assets(admin, spec["contents"], spec["passwords"])
    # written to a file: Superset's start-up may print to stdout
    with open(spec["result_path"], "w", encoding="utf-8") as out:
        json.dump(result, out)
    return 0


def _start_from_template(metadata: str, template: str) -> None:
    """A new SQLite metadata database starts as a copy of one already migrated and
    initialised (no users, no secrets in it yet): the migrations take ~25 s on a new file."""
    if not os.path.exists(metadata) and os.path.exists(template):
        shutil.copyfile(template, metadata)


def _keep_as_template(metadata: str, template: str) -> None:
    """After migrations and roles, before any user or encrypted password: the template."""
    if os.path.exists(template):
        return
    partial = f"{template}.{os.getpid()}.partial"
    with sqlite3.connect(metadata) as source, sqlite3.connect(partial) as target:
        source.backup(target)
    os.replace(partial, template)


def _upgrade_metadata() -> None:
    """`superset db upgrade`: Superset's own tables, created or migrated."""
    from flask_migrate import upgrade

    upgrade()


def _init_roles() -> None:
    """`superset init`: the built-in roles and their permissions."""
    from superset import security_manager
    from superset.extensions import appbuilder, db

    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()


def _ensure_admin(admin: dict[str, str]) -> Any:
    """The admin user, created once; its password follows the configured one on every run."""
    from superset import security_manager
    from superset.extensions import db

    user = security_manager.find_user(username=admin["username"])
    if user is None:
        user = security_manager.add_user(
            admin["username"],
            admin["first_name"],
            admin["last_name"],
            admin["email"],
            security_manager.find_role("Admin"),
            password=admin["password"],
        )
        if not user:
            raise RuntimeError(f"could not create the Superset user {admin['username']}")
    else:
        security_manager.reset_password(user.id, admin["password"])
    db.session.commit()
    return user


def _import_assets(admin: Any, contents: dict[str, str], passwords: dict[str, str]) -> dict[str, Any]:
    from superset.commands.exceptions import CommandInvalidError
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.extensions import db
    from superset.models.dashboard import Dashboard
    from superset.utils.core import override_user

    command = ImportAssetsCommand(contents, passwords=passwords)
    with override_user(admin):
        try:
            command.validate()  # run() would turn what is wrong into "an unknown reason"
        except CommandInvalidError as invalid:
            raise SystemExit(f"the bundle is invalid: {json.dumps(invalid.normalized_messages())}") from None
        command.run()
    dashboards = db.session.query(Dashboard).all()
    return {
        "dashboards": [
            {"id": d.id, "slug": d.slug, "title": d.dashboard_title, "charts": len(d.slices)}
            for d in dashboards
        ]
    }


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    sys.exit(main())
