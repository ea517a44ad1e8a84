"""`mtqg status`: last loads, rejections waiting for senders, the publication shown, open alerts.

Exit code 0 when nothing needs a person, 1 when something does (the reasons are printed
last), 3 when the warehouse cannot be reached; ``--json`` prints the same as one object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from mtqg_warehouse.cli import exit_codes


def add_parser(commands: argparse._SubParsersAction) -> None:
    status = commands.add_parser(
        "status", help="last load per feed and sender, rejections waiting, publication, open alerts"
    )
    status.add_argument("--json", action="store_true", help="one JSON object instead of the tables")


def run(args: argparse.Namespace) -> int:
    from mtqg_warehouse.db.connection import connect
    from mtqg_warehouse.operations.status import read_status

    with connect() as conn:  # unreachable: main() exits UNAVAILABLE (3)
        status = read_status(conn)
    problems = status.problems()
    if args.json:
        payload = {**status.__dict__, "problems": problems}
        print(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        print(render(status, problems))
    return exit_codes.FAILED if problems else exit_codes.OK


def render(status: Any, problems: list[str]) -> str:
    from mtqg_warehouse.operations.status import age

    lines = ["Last load per feed and sender (ward, bank office, province):"]
    lines += _table(
        ["feed", "sender", "file", "period", "status", "loaded", "rejected", "when"],
        [
            [r["feed"], r["sender"], r["source_file"], r["period"], r["status"]]
            + [r["rows_loaded"], r["rows_rejected"], age(r["loaded_at"])]
            for r in status.last_loads
        ],
    ) or ["  nothing loaded yet"]
    lines += ["", "Rejected rows waiting for a corrected file from their sender:"]
    lines += _table(
        ["feed", "sender", "files", "rows", "oldest"],
        [
            [r["feed"], r["sender"], r["files"], r["rows_rejected"], age(r["oldest"])]
            for r in status.waiting_rejections
        ],
    ) or ["  none"]
    lines += ["", "Publication readers see (schema marts):"]
    lines += [_publication(status.publication)]
    if status.failed_since_publication:
        build = status.latest_build
        lines.append(
            f"  latest build {build['build_schema']}: {build['status']} ({age(build['started_at'])})"
        )
    lines += ["", "Open alerts:"]
    if status.open_alerts is None:
        lines.append("  this warehouse keeps no alerts table yet")
    else:
        lines += _table(
            ["id", "raised", "subject"],
            [[a["alert_id"], age(a["raised_at"]), a["subject"]] for a in status.open_alerts],
        ) or ["  none"]
    lines += ["", "Quarantined files (unreadable, waiting for a person):"]
    lines += [f"  {feed}: {', '.join(files)}" for feed, files in status.quarantined.items()] or ["  none"]
    lines += ["", "Needs attention: " + "; ".join(problems) if problems else "All well."]
    return "\n".join(lines)


def _publication(publication: dict[str, Any] | None) -> str:
    if publication is None:
        return "  none published yet"
    checks = f"{publication['checks_passed']} checks passed, {publication['checks_failed']} failed"
    return (
        f"  #{publication['publication_id']} {publication['build_schema']}, published "
        f"{publication['published_at']:%Y-%m-%d %H:%M %Z}; {checks}\n"
        f"  Data Docs: {publication['data_docs_url']}"
    )


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    if not rows:
        return []
    cells = [header, *[["" if value is None else str(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  " + "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in cells
    ]
