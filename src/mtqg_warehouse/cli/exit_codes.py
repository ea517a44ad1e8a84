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

    Any other error keeps its traceback and Python's exit code 1 (FAILED).
    """
    import psycopg

    try:
        yield
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"mtqg: the warehouse cannot be reached: {first_line}", file=sys.stderr)
