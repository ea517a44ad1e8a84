"""Connections to the warehouse: the configured server, or the embedded one started on demand."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mtqg_warehouse.config import WarehouseTarget, configured_warehouse_url

if TYPE_CHECKING:
    import psycopg


log = logging.getLogger(__name__)


def warehouse_url() -> str:
    """``WAREHOUSE_URL`` when set; otherwise the embedded server, started if needed."""
    configured = configured_warehouse_url()
    if configured:
        return configured
    from mtqg_warehouse.db.embedded import EmbeddedServer

    return EmbeddedServer.default().start()


def warehouse_target() -> WarehouseTarget:
    return WarehouseTarget.from_url(warehouse_url())


def connect(url: str | None = None) -> psycopg.Connection:
    """Autocommit, so that every transaction is an explicit ``with conn.transaction()`` block.

    Without it, a stray read between two blocks opens an implicit transaction and turns the
    next block into a savepoint: a file's load would only commit with the whole batch, after
    the file had been archived.
    """
    import psycopg

    # UTF-8 on the wire whatever the server's default: CSV lines go to COPY as delivered bytes
    return psycopg.connect(url or warehouse_url(), autocommit=True, client_encoding="UTF8")
