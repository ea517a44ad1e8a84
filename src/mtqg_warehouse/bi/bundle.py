"""The dashboard as code: the YAML bundle in `bi/superset/assets/`, made ready to import.

The bundle in git names no server and holds no password: its database file carries a
placeholder URI. At import time the URI becomes the warehouse's, as the BI reader role, and
the reader's password travels beside the files (Superset's importer takes passwords per
database file), never into a file on disk.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

from mtqg_warehouse.bi.settings import BUNDLE_DIR
from mtqg_warehouse.config import WarehouseTarget

MASKED_PASSWORD = "XXXXXXXXXX"  # what Superset writes in place of a password in its exports
DRIVER = "postgresql+psycopg2"


@dataclass(frozen=True)
class Bundle:
    """File name (relative to the bundle) -> YAML text, and the passwords per database file."""

    contents: dict[str, str]
    passwords: dict[str, str]

    def as_zip(self, root: str = "mtqg_dashboard") -> bytes:
        """A zip `superset import-dashboards -p` accepts (passwords written into the database
        files, since that command takes none: keep the zip out of git and delete it after)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, text in self.contents.items():
                if name in self.passwords:
                    config = yaml.safe_load(text)
                    config["password"] = self.passwords[name]
                    text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
                archive.writestr(f"{root}/{name}", text)
        return buffer.getvalue()


def read_bundle(reader_url: str, folder: Path = BUNDLE_DIR) -> Bundle:
    """Every YAML file of the bundle, with each database pointed at ``reader_url``."""
    target = WarehouseTarget.from_url(reader_url)
    contents: dict[str, str] = {}
    passwords: dict[str, str] = {}
    for path in sorted(folder.rglob("*.yaml")):
        name = path.relative_to(folder).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = sqlalchemy_uri(target)
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
            if target.password:
                passwords[name] = target.password
        contents[name] = text
    if "metadata.yaml" not in contents:
        raise FileNotFoundError(f"{folder} is not a Superset bundle: metadata.yaml is missing")
    return Bundle(contents=contents, passwords=passwords)


def sqlalchemy_uri(target: WarehouseTarget) -> str:
    """The reader's URI as Superset stores it: the password masked, supplied separately."""
    auth = quote(target.user, safe="") + (f":{MASKED_PASSWORD}" if target.password else "")
    return f"{DRIVER}://{auth}@{target.host}:{target.port}/{quote(target.dbname, safe='')}"
