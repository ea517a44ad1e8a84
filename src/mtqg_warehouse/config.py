"""Settings read from the environment, typed.

One variable, ``WAREHOUSE_URL``, names the warehouse; everything else has a project-local
default under the state folder so that a fresh clone works with nothing configured.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
N = TypeVar("N", int, float)


def state_dir() -> Path:
    """The git-ignored folder for the embedded server, Airflow home, logs and Data Docs."""
    return Path(os.environ.get("MTQG_STATE_DIR", PROJECT_ROOT / ".state")).resolve()


def inbox_dir() -> Path:
    """Where feeds drop their files: ``<inbox>/<feed>/``. A path, so an object store fits later."""
    return Path(os.environ.get("MTQG_INBOX_DIR", state_dir() / "inbox")).resolve()


def archive_dir() -> Path:
    return Path(os.environ.get("MTQG_ARCHIVE_DIR", state_dir() / "archive")).resolve()


def quarantine_dir() -> Path:
    return Path(os.environ.get("MTQG_QUARANTINE_DIR", state_dir() / "quarantine")).resolve()


@dataclass(frozen=True)
class WarehouseTarget:
    """The libpq connection parts that dbt and GX need separately."""

    host: str
    port: int
    user: str
    password: str
    dbname: str

    @classmethod
    def from_url(cls, url: str) -> WarehouseTarget:
        """Split a libpq URL; a ``host=`` query parameter (a socket folder) wins over the netloc."""
        parts = urlsplit(url)
        if parts.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"WAREHOUSE_URL must be a postgresql:// URL, got scheme {parts.scheme!r}")
        query = parse_qs(parts.query)
        host = query.get("host", [parts.hostname or "localhost"])[0]
        return cls(
            host=host,
            port=parts.port or int(query.get("port", ["5432"])[0]),
            user=unquote(parts.username or query.get("user", ["postgres"])[0]),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.lstrip("/") or "postgres"),
        )

    def url(self, dbname: str | None = None) -> str:
        auth = self.user if not self.password else f"{self.user}:{self.password}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{dbname or self.dbname}"


def configured_warehouse_url() -> str | None:
    """The server the operator named, or None when the embedded one should be used."""
    return os.environ.get("WAREHOUSE_URL") or None


KEEP_PUBLICATIONS_VAR = "MTQG_KEEP_PUBLICATIONS"
DEFAULT_KEEP_PUBLICATIONS = 3  # the current publication and two earlier ones to roll back to


def keep_publications() -> int:
    """How many publications stay retained (the current one included) as rollback targets.

    Older ones are retired (schema dropped) after each publish. At least 1: the current one.
    """
    wanted = "a whole number of at least 1"
    return _number_setting(KEEP_PUBLICATIONS_VAR, DEFAULT_KEEP_PUBLICATIONS, int, 1, wanted)


def _number_setting(variable: str, default: N, parse: Callable[[str], N], least: N, wanted: str) -> N:
    """``variable``'s number, ``default`` when unset or empty; anything else, or a number
    below ``least`` (or not a number at all, NaN), is refused naming the variable."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = parse(text)
    except ValueError:
        value = None
    if value is None or not value >= least:
        raise ValueError(f"{variable} must be {wanted}, got {text!r}")
    return value


BUILD_WORK_MEM_VAR = "MTQG_BUILD_WORK_MEM"
# PostgreSQL's default 4MB made the province build's sorts of 200,000 loan events spill to
# disk; a build runs two models at a time, each with a few sorts and hashes
DEFAULT_BUILD_WORK_MEM = "64MB"


def build_work_mem() -> str:
    """The work_mem of dbt's sessions (a PostgreSQL memory size such as 64MB)."""
    text = os.environ.get(BUILD_WORK_MEM_VAR, "").strip() or DEFAULT_BUILD_WORK_MEM
    if not re.fullmatch(r"[0-9]+(kB|MB|GB)", text):
        raise ValueError(f"{BUILD_WORK_MEM_VAR} must be a size such as 64MB or 1GB, got {text!r}")
    return text


INBOX_QUIET_SECONDS_VAR = "MTQG_INBOX_QUIET_SECONDS"
# where the kernel cannot say whether a sender still writes a file (ingest/files.py)
DEFAULT_INBOX_QUIET_SECONDS = 10.0


def inbox_quiet_seconds() -> float:
    """How long a delivered file must have been left unchanged before it loads, where the
    machine cannot tell whether an upload still holds it open (a network file system,
    another user's file)."""
    wanted = "a number of seconds (0 or more)"
    return _number_setting(INBOX_QUIET_SECONDS_VAR, DEFAULT_INBOX_QUIET_SECONDS, float, 0.0, wanted)


BI_READER_PASSWORD_VAR = "BI_READER_PASSWORD"


def configured_reader_password() -> str | None:
    """The BI reader role's password, when the operator set one (see publication/reader_role.py)."""
    return os.environ.get(BI_READER_PASSWORD_VAR) or None
