"""The pseudonymisation key: from the environment into a table only the build role can read.

dbt's ``pseudonymize`` macro hashes with the key where it lies (``keys.pseudonym_key``), so the
key never passes through dbt: not in vars, compiled SQL, manifest or logs. It reaches the
table through COPY, whose data PostgreSQL neither logs (even with ``log_statement = all``) nor
keeps in pg_stat_statements; a bind parameter would be logged. Rotation is described in
docs/operations/pseudonym-key.md.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path

import psycopg

from mtqg_warehouse.config import state_dir

log = logging.getLogger(__name__)

ENV_VAR = "MTQG_PSEUDONYM_KEY"
MIN_LENGTH = 16  # household codes are a small space; a short key could be found by brute force


class WeakPseudonymKey(ValueError):
    pass


def configured_key() -> bytes:
    """``MTQG_PSEUDONYM_KEY``, or the development key kept in the state folder."""
    value = os.environ.get(ENV_VAR)
    if not value:  # unset, or left empty as in .env.example
        path = development_key_path()
        log.warning("%s is not set: pseudonymising with the development key in %s", ENV_VAR, path)
        return _development_key(path)
    key = value.encode("utf-8")
    if len(key) < MIN_LENGTH:
        raise WeakPseudonymKey(f"{ENV_VAR} must be at least {MIN_LENGTH} bytes, e.g. `openssl rand -hex 32`")
    return key


def development_key_path() -> Path:
    return state_dir() / "pseudonym_key.dev"


def install(conn: psycopg.Connection, key: bytes | None = None) -> bool:
    """Make the stored key ``key`` (default: the configured one); True when it changed.

    From the next build on, every pseudonymous key is computed with it (a rotation); the
    publications already built keep the keys they were built with.
    """
    key = configured_key() if key is None else key
    with conn.transaction():
        conn.execute("lock table keys.pseudonym_key in exclusive mode")
        row = conn.execute("select key from keys.pseudonym_key").fetchone()
        if row is not None and hmac.compare_digest(bytes(row[0]), key):
            return False
        conn.execute("delete from keys.pseudonym_key")
        with conn.cursor().copy("copy keys.pseudonym_key (key) from stdin") as copy:
            copy.write_row([key])
    log.info("pseudonymisation key %s", "rotated" if row is not None else "installed")
    return True


def _development_key(path: Path) -> bytes:
    """Generated once per state folder (never in the repository). Written aside and linked into
    place, so two processes starting together agree on one key and never read a half file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_hex(32), encoding="ascii")
        try:
            os.link(draft, path)
            log.warning("generated a development pseudonymisation key in %s", path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_bytes().strip()
