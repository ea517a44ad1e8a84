"""``python -m bench.gx_overhead --url URL --schema pub_00001``: GX's audit of one built
publication, timed cold (a fresh GX project) and warm, wall clock and this process's CPU.

For finding GX's fixed overhead without the province run (12 minutes, a quiet machine): any
warehouse with a built publication will do, e.g. a test's or the demo's database. The GX
project goes to a temporary state folder, so the warehouse's own Data Docs are untouched;
the audit still records failing rows of failed checks in the warehouse's ``ops`` tables.
CPU time is the steadier figure on a shared machine: GX's cost is Python in this process,
the database's in the server's. ``--profile PREFIX`` writes each run's cProfile to
``PREFIX.<run>`` (read with ``python -m pstats``).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gx_overhead")
    parser.add_argument("--url", required=True, help="the warehouse database's URL")
    parser.add_argument("--schema", required=True, help="a built publication schema (pub_NNNNN)")
    parser.add_argument("--runs", type=int, default=3, help="the first is cold, the rest warm")
    parser.add_argument("--profile", help="write each run's cProfile to PROFILE.<run>")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gx_overhead_") as state:
        os.environ["MTQG_STATE_DIR"] = str(Path(state) / "state")
        from mtqg_warehouse.publication import validation

        for run in range(args.runs):
            profile = cProfile.Profile() if args.profile else None
            wall, cpu = time.perf_counter(), time.process_time()
            if profile:
                profile.enable()
            outcome = validation.validate_build(args.url, args.schema)
            if profile:
                profile.disable()
                profile.dump_stats(f"{args.profile}.{run}")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            kind = "cold" if run == 0 else "warm"
            checks = f"{outcome.checks_passed} passed, {outcome.checks_failed} failed"
            print(f"gx audit {kind} run {run}: wall {wall:6.2f} s, cpu {cpu:6.2f} s ({checks})", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
