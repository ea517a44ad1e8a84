"""The `mtqg` exit codes, one meaning each, so scripts and cron jobs can act on them.

Documented for operators in docs/operations/README.md#exit-codes.
"""

from __future__ import annotations

OK = 0  # done; for `status`: nothing needs a person
FAILED = 1  # the work failed (a DAG run, a build, a validation, a quarantined file); for `status`: attention
USAGE = 2  # the command line was wrong (argparse's own code)
UNAVAILABLE = 3  # the warehouse could not be reached: nothing was done or read
