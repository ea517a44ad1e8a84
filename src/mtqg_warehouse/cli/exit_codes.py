"""The `mtqg` exit codes, one meaning each, so scripts and cron jobs can act on them.

Documented for operators in docs/operations/README.md#exit-codes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

OK = 0  # done; for `status`: nothing needs a person
FAILED = 1  # the work failed (a DAG run, a build, a validation, a quarantined file); for `status`: attention
USAGE = 2  # the command line was wrong (argparse's own code)
UNAVAILABLE = 3  # the warehouse could not be reached: the command stopped there


@contextmanager
def unreachable_warehouse() -> Iterator[None]:
    """Turn "the warehouse cannot be reached" into one line on stderr; the caller exits UNAVAILABLE.

    Any other error keeps its traceback and Python's exit code 1 (FAILED): psycopg's
    OperationalError also covers a server that answered (a deadlock, a lock wait that timed
    out), which must not read as an unreachable one.
    """
    import psycopg

    try:
        yield
    except psycopg.OperationalError as error:
        if not unreachable(error):
            raise
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"mtqg: the warehouse cannot be reached: {first_line}", file=sys.stderr)


def unreachable(error: Exception) -> bool:
    """No answer from the server (no SQLSTATE: refused, timed out, closed), a connection
    exception (class 08) or the server shutting down (57P01-57P03)."""
    state = getattr(error, "sqlstate", None)
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")
