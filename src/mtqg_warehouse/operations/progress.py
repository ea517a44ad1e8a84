"""Progress bars for the long commands (generate, ingest, build), on the terminal only.

Each bar watches what the work leaves behind rather than being threaded through it: files
the generator has written, the load audit rows a load has committed, dbt's "N of M" events.
So the loaders, the generator and the build steps stay free of any display code, and a
script that pipes the output (no terminal on stderr) gets no bar at all, only the result.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

POLL_S = 0.5


def enabled() -> bool:
    return sys.stderr.isatty()


@contextmanager
def polled(description: str, total: int | None, done: Callable[[], int]) -> Iterator[None]:
    """A bar advanced by ``done()`` every half second while the body runs."""
    if not enabled():
        yield
        return
    from rich.progress import MofNCompleteColumn, Progress

    stop = threading.Event()
    with Progress(*Progress.get_default_columns(), MofNCompleteColumn(), console=_console()) as progress:
        task = progress.add_task(description, total=total)

        def poll() -> None:
            while not stop.wait(POLL_S):
                progress.update(task, completed=_safe(done))

        watcher = threading.Thread(target=poll, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()
            progress.update(task, completed=_safe(done))


def files_written(folder: Path, pattern: str = "*") -> Callable[[], int]:
    return lambda: sum(1 for path in folder.glob(pattern) if path.is_file())


@contextmanager
def loading(feed: str, run_id: str) -> Iterator[None]:
    """A bar over the feed's inbox: a file is done when its load audit row is committed."""
    from mtqg_warehouse.config import inbox_dir

    if not enabled():
        yield
        return
    waiting = files_written(inbox_dir() / feed)()
    recorded = _loads_recorded(run_id)
    before = _safe(recorded) or 0
    with polled(f"loading {feed}", waiting, lambda: recorded() - before):
        yield


def _loads_recorded(run_id: str) -> Callable[[], int]:
    """Audit rows of the run's loads (loaded, duplicate or quarantined): files finished."""
    from mtqg_warehouse.db.connection import connect

    def count() -> int:
        with connect() as conn:
            row = conn.execute("select count(*) from ops.load_audit where run_id = %s", (run_id,)).fetchone()
        return int(row[0]) if row else 0

    return count


@contextmanager
def dbt_nodes(description: str) -> Iterator[None]:
    """A bar over dbt's nodes (seeds, models, tests), from the "N of M" result events."""
    if not enabled():
        yield
        return
    from rich.progress import Progress

    from mtqg_warehouse.publication.dbt_runner import dbt_event_listener

    with Progress(console=_console()) as progress:
        task = progress.add_task(description, total=None)

        def listen(event: Any) -> None:
            data: Any = getattr(event, "data", None)
            index, total = getattr(data, "index", None), getattr(data, "total", None)
            if event.info.name.endswith("Result") and index and total:
                progress.update(task, total=total, completed=index)

        with dbt_event_listener(listen):
            yield


def _safe(done: Callable[[], int]) -> int | None:
    """The watched count, or no change when it cannot be read right now (a table not yet made)."""
    try:
        return done()
    except Exception:  # a progress bar must never fail the work it watches
        return None


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
