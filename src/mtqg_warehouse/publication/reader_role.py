"""The BI reader role, ``bi_reader``: logs in with a configured password and reads `marts` only.

What it may do is kept small on purpose: USAGE on schema `marts` and SELECT on each view there,
nothing else (no raw, staging, intermediate, reference, ops, keys, build `pub_` schemas or the
`restricted` schema). The views in `marts` run with their owner's rights, so reading through
them needs no privilege on the publication they point at. Every publish and rollback drops and
recreates those views, which loses their grants (the trap of view-swapping tools), so
``grant_marts`` re-grants inside the same transaction as the swap: no reader ever sees a
`marts` it may not read.

The password: ``BI_READER_PASSWORD``; with none set, the embedded development server gets a
password generated once into the state folder (``bi_reader.password.dev``), and any other
server leaves the role unable to log in, with a warning. It reaches the server only as a
SCRAM verifier computed here (as psql's ``\\password`` does), never as text a server log or
pg_stat_statements could keep.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from mtqg_warehouse.config import (
    BI_READER_PASSWORD_VAR,
    WarehouseTarget,
    configured_reader_password,
    state_dir,
)

log = logging.getLogger(__name__)

READER_ROLE = "bi_reader"
# what earlier versions called it: its grants in this database are revoked (the role itself
# is the server's, and other databases may still use it, so it is not dropped here)
LEGACY_READER_ROLES = ("mtqg_reader",)
MARTS_SCHEMA = "marts"


def development_password_path() -> Path:
    return state_dir() / "bi_reader.password.dev"


def is_embedded_server(host: str, port: int) -> bool:
    """Whether host:port is this state folder's embedded server (see db/embedded.py)."""
    from mtqg_warehouse.db.embedded import EmbeddedServer

    port_file = EmbeddedServer.default().port_file
    if host not in ("127.0.0.1", "localhost") or not port_file.exists():
        return False
    return int(port_file.read_text().strip()) == port


def reader_password(host: str, port: int) -> str | None:
    """The configured password; the development one on the embedded server; else None."""
    configured = configured_reader_password()
    if configured:
        return configured
    if is_embedded_server(host, port):
        return _development_password(development_password_path())
    return None


def reader_url(warehouse_url: str) -> str | None:
    """The warehouse URL as the BI tools use it (``bi_reader`` and its password), or None when
    the role has no password here."""
    target = WarehouseTarget.from_url(warehouse_url)
    password = reader_password(target.host, target.port)
    if password is None:
        return None
    auth = f"{READER_ROLE}:{quote(password, safe='')}"
    return f"postgresql://{auth}@{target.host}:{target.port}/{target.dbname}"


def ensure_role(conn: psycopg.Connection) -> None:
    """Create ``bi_reader`` if missing and give it the configured password (once per change).

    Roles belong to the server, not the database, so two warehouses on one server (or two
    test sessions) may race here: a role created meanwhile, or a concurrent update of the
    same role, is retried rather than failing a publish.
    """
    password = reader_password(conn.info.host, conn.info.port)
    if password is None:
        log.warning(
            "%s is not set: role %s cannot log in on this server (set it, then publish or roll back)",
            BI_READER_PASSWORD_VAR,
            READER_ROLE,
        )
    for attempt in range(5):
        try:
            with conn.transaction():
                _create_or_update(conn, password)
            break
        except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation, psycopg.errors.InternalError):
            # "role already exists" or "tuple concurrently updated": someone else just did it
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    _revoke_legacy(conn)


def grant_marts(conn: psycopg.Connection) -> list[str]:
    """USAGE on `marts` and SELECT on each of its views; returns the views granted.

    Called inside the swap transaction, after the views were recreated.
    """
    role = sql.Identifier(READER_ROLE)
    conn.execute(sql.SQL("grant usage on schema {} to {}").format(sql.Identifier(MARTS_SCHEMA), role))
    views = [
        row[0]
        for row in conn.execute(
            "select viewname from pg_views where schemaname = %s order by 1", [MARTS_SCHEMA]
        ).fetchall()
    ]
    for view in views:
        conn.execute(sql.SQL("grant select on {} to {}").format(sql.Identifier(MARTS_SCHEMA, view), role))
    return views


def scram_verifier_matches(verifier: str, password: str) -> bool:
    """Whether ``password`` is the one a stored ``SCRAM-SHA-256$<i>:<salt>$<stored>:<server>``
    verifier was made from (RFC 5802/7677): lets a publish skip re-setting an unchanged
    password, and lets a test prove which password the server holds."""
    try:
        method, rest = verifier.split("$", 1)
        iterations_salt, keys = rest.split("$", 1)
        iterations, salt = iterations_salt.split(":", 1)
        stored_key, _ = keys.split(":", 1)
    except ValueError:
        return False
    if method != "SCRAM-SHA-256":
        return False
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), base64.b64decode(stored_key))


def _create_or_update(conn: psycopg.Connection, password: str | None) -> None:
    role = sql.Identifier(READER_ROLE)
    exists = conn.execute("select 1 from pg_roles where rolname = %s", [READER_ROLE]).fetchone()
    if not exists:
        conn.execute(sql.SQL("create role {} nologin").format(role))
        log.info("created role %s", READER_ROLE)
    if password is None or _holds_password(conn, password):
        return
    verifier = conn.pgconn.encrypt_password(password.encode(), READER_ROLE.encode(), b"scram-sha-256")
    statement = sql.SQL("alter role {} login password {}").format(role, sql.Literal(verifier.decode("ascii")))
    try:
        with conn.transaction():
            conn.execute(statement)
    except psycopg.errors.InsufficientPrivilege:
        # a server whose administrator keeps the role (the build role lacks CREATEROLE or
        # admin on it): the grants are still ours to keep, the password is theirs
        log.warning("cannot set %s's password (no CREATEROLE): it is left as it is", READER_ROLE)
        return
    log.info("role %s can log in with the configured password", READER_ROLE)


def _holds_password(conn: psycopg.Connection, password: str) -> bool:
    """True when the server already holds this password (readable only by a superuser; other
    build roles just set it again)."""
    try:
        with conn.transaction():
            row = conn.execute(
                "select rolcanlogin, rolpassword from pg_authid where rolname = %s", [READER_ROLE]
            ).fetchone()
    except psycopg.errors.InsufficientPrivilege:
        return False
    return bool(row and row[0] and row[1] and scram_verifier_matches(row[1], password))


def _revoke_legacy(conn: psycopg.Connection) -> None:
    for legacy in LEGACY_READER_ROLES:
        present = conn.execute(
            "select 1 from pg_roles where rolname = %s and to_regnamespace(%s) is not null",
            [legacy, MARTS_SCHEMA],
        ).fetchone()
        if not present:
            continue
        role, schema = sql.Identifier(legacy), sql.Identifier(MARTS_SCHEMA)
        with conn.transaction():
            conn.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(schema, role))
            conn.execute(sql.SQL("revoke all on schema {} from {}").format(schema, role))


def _development_password(path: Path) -> str:
    """Generated once per state folder, readable by its owner only; never in the repository."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(24))
            log.warning("generated a development password for %s in %s", READER_ROLE, path)
    for _ in range(50):  # the writer of a just-created file may not have written it yet
        text = path.read_text(encoding="ascii").strip()
        if text:
            return text
        time.sleep(0.05)
    raise RuntimeError(f"{path} is empty: delete it and run again")
