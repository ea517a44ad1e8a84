"""`make dashboard`: Superset installed (once), provisioned against the warehouse, served locally.

The dashboard reads the published `marts` only, as the BI reader role, so what it shows is
what GX passed. Nothing published yet means nothing to show: the command says to run
`make demo` first rather than provisioning an empty dashboard.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import psycopg

from mtqg_warehouse.bi import server
from mtqg_warehouse.bi.bundle import read_bundle
from mtqg_warehouse.bi.install import ensure_installed
from mtqg_warehouse.bi.provision import provision
from mtqg_warehouse.bi.settings import ADMIN_USER, DASHBOARD_SLUG, SupersetHome

log = logging.getLogger(__name__)

# the publication `marts` shows, as the publish step exposes it (publication/lifecycle.py)
PUBLICATION_VIEW = "marts.publication_info"


class NothingPublished(RuntimeError):
    """`marts` holds no publication for the dashboard to show."""


class ReaderCannotLogIn(RuntimeError):
    """The BI reader role has no password here, so Superset could not connect as it."""


@dataclass(frozen=True)
class ServedDashboard:
    url: str
    username: str
    password: str
    publication: str
    charts: int
    install_seconds: float


def serve(warehouse: str) -> ServedDashboard:
    """Install, provision and start Superset; the running server is reused and re-provisioned."""
    publication = published_publication(warehouse)
    reader = reader_url(warehouse)
    check_reader(reader)
    home = SupersetHome.default()
    install_seconds = ensure_installed(home)
    result = provision(home, read_bundle(reader))
    dashboard = next(d for d in result["dashboards"] if d["slug"] == DASHBOARD_SLUG)
    base = server.start(home)
    return ServedDashboard(
        url=f"{base}/superset/dashboard/{DASHBOARD_SLUG}/",
        username=ADMIN_USER,
        password=home.admin_password(),
        publication=publication,
        charts=dashboard["charts"],
        install_seconds=install_seconds,
    )


def stop() -> bool:
    """Stop the local Superset if it runs; returns whether it did."""
    return server.stop(SupersetHome.default())


def running_url() -> str | None:
    """The dashboard's URL when the local Superset runs, else None."""
    home = SupersetHome.default()
    if server.running_pid(home) is None:
        return None
    return f"{server.base_url(home)}/superset/dashboard/{DASHBOARD_SLUG}/"


def published_publication(warehouse: str) -> str:
    """The publication `marts` shows, or NothingPublished with what to do about it."""
    with psycopg.connect(warehouse, autocommit=True) as conn:
        if conn.execute(f"select to_regclass('{PUBLICATION_VIEW}')").fetchone() == (None,):
            raise NothingPublished("nothing is published in `marts` yet: run `make demo` first")
        row = conn.execute(f"select build_schema from {PUBLICATION_VIEW}").fetchone()
    if row is None:
        raise NothingPublished(f"{PUBLICATION_VIEW} is empty: run `make demo` first")
    return str(row[0])


def reader_url(warehouse: str) -> str:
    """The warehouse as the BI reader role (``bi_reader``) logs in to it."""
    from mtqg_warehouse.config import BI_READER_PASSWORD_VAR
    from mtqg_warehouse.publication.reader_role import READER_ROLE
    from mtqg_warehouse.publication.reader_role import reader_url as configured_reader_url

    url = configured_reader_url(warehouse)
    if url is None:
        raise ReaderCannotLogIn(
            f"{READER_ROLE} has no password on this server: set {BI_READER_PASSWORD_VAR}, "
            "then publish again (make demo) so the role takes it"
        )
    return url


def check_reader(reader: str) -> None:
    """Fail early, and clearly, when the reader role cannot log in or read the marts."""
    try:
        with psycopg.connect(reader, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"select 1 from {PUBLICATION_VIEW}").fetchall()
    except psycopg.Error as error:
        raise ReaderCannotLogIn(f"the BI reader cannot read marts: {error}".strip()) from error
