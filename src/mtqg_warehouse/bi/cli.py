"""`mtqg dashboard [serve|stop|status|bundle]`: the local Superset and its dashboard."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        nargs="?",
        default="serve",
        choices=["serve", "stop", "status", "bundle"],
        help="serve (default): install once, provision, start and print URL and login; "
        "bundle: write the import zip for `superset import-dashboards` to --out",
    )
    parser.add_argument("--out", type=Path, help="bundle: where to write the zip")


def run(args: argparse.Namespace) -> int:
    from mtqg_warehouse.bi import dashboard

    if args.action == "stop":
        print("stopped Superset" if dashboard.stop() else "Superset is not running")
        return 0
    if args.action == "status":
        url = dashboard.running_url()
        print(f"running at {url}" if url else "stopped")
        return 0
    from mtqg_warehouse.db.connection import warehouse_url

    if args.action == "bundle":
        return _bundle(warehouse_url(), args.out)
    try:
        served = dashboard.serve(warehouse_url())
    except (dashboard.NothingPublished, dashboard.ReaderCannotLogIn) as error:
        print(error, file=sys.stderr)
        return 1
    print(f"Superset serves the dashboard of publication {served.publication} ({served.charts} charts):")
    print(f"  {served.url}")
    print(f"  login: {served.username} / {served.password}")
    print("`make stop` stops it (and the embedded warehouse).")
    return 0


def _bundle(warehouse: str, out: Path | None) -> int:
    from mtqg_warehouse.bi.bundle import read_bundle
    from mtqg_warehouse.bi.dashboard import reader_url

    if out is None:
        print("bundle needs --out FILE.zip", file=sys.stderr)
        return 2
    out.unlink(missing_ok=True)
    # it holds the reader's password: owner-only from the start
    with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as archive:
        archive.write(read_bundle(reader_url(warehouse)).as_zip())
    print(f"wrote {out}: superset import-dashboards -p {out} -u admin")
    return 0
