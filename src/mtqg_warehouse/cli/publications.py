"""`mtqg publications` and `mtqg rollback N`: the numbered publications, for operators.

A publication is a build that may be shown: its number, status, when it was built, validated
and published, how many GX checks passed and failed, and which loads (files) it holds. A
rollback repoints `marts` at an earlier retained publication in one transaction, without
rebuilding (publication/lifecycle.py). How many are retained: ``MTQG_KEEP_PUBLICATIONS``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

SHOWN_BY_DEFAULT = 20


def add_commands(commands: Any) -> None:
    """Add `publications` and `rollback` to `mtqg`'s parser (handlers: the *_command functions)."""
    listing = commands.add_parser("publications", help="the numbered publications and which one marts shows")
    listing.add_argument("--all", action="store_true", help=f"every one, not the last {SHOWN_BY_DEFAULT}")
    listing.add_argument("--json", action="store_true", help="as JSON, with each publication's files")
    rollback = commands.add_parser("rollback", help="repoint marts at an earlier retained publication")
    rollback.add_argument(
        "publication", nargs="?", help="its number (12) or schema (pub_00012); default: the previous one"
    )


def list_command(args: argparse.Namespace) -> int:
    publications = list_publications(None if args.all else SHOWN_BY_DEFAULT)
    if args.json:
        print(json.dumps(publications, ensure_ascii=False, indent=2, default=str))
        return 0
    if not publications:
        print("no publications yet: a build that passes its audit becomes publication 1")
        return 0
    print(_table(publications))
    return 0


def rollback_command(args: argparse.Namespace) -> int:
    from mtqg_warehouse.db import connection as db
    from mtqg_warehouse.publication import lifecycle

    target = schema_of(args.publication) if args.publication else None
    with db.connect() as conn:
        before = lifecycle.current_publication(conn)
        try:
            shown = lifecycle.rollback(conn, target)
        except (lifecycle.IllegalTransition, LookupError) as refused:
            print(f"rollback refused: {refused}", file=sys.stderr)
            return 1
    print(f"marts now shows {shown} (was {before}); {before} is rolled back and can be republished")
    return 0


def schema_of(publication: str) -> str:
    """``12`` or ``pub_00012`` -> ``pub_00012``."""
    from mtqg_warehouse.publication import lifecycle

    text = publication.strip().removeprefix(lifecycle.SCHEMA_PREFIX)
    if not text.isdigit():
        raise SystemExit(f"not a publication number: {publication!r} (e.g. 12 or pub_00012)")
    return lifecycle.publication_schema(int(text))


def list_publications(limit: int | None = SHOWN_BY_DEFAULT) -> list[dict[str, Any]]:
    """Newest first, each with its loads per feed and its files."""
    from mtqg_warehouse.db import connection as db

    with db.connect() as conn:
        if conn.execute("select to_regclass('ops.publish_log')").fetchone() == (None,):
            return []
        rows = conn.execute(
            """select log.publication_id, log.build_schema, log.status, log.started_at, log.built_at,
                      log.validated_at, log.published_at, log.retired_at, log.checks_passed,
                      log.checks_failed, log.data_docs_url, log.run_id, log.failure,
                      coalesce(held.loads, '[]'::jsonb)
               from ops.publish_log as log
               left join lateral (
                   select jsonb_agg(jsonb_build_object(
                              'load_id', audit.load_id, 'feed', audit.feed,
                              'file', audit.source_file, 'ward', audit.ward_code)
                          order by audit.load_id) as loads
                   from ops.publication_loads as link
                   join ops.load_audit as audit using (load_id)
                   where link.publication_id = log.publication_id
               ) as held on true
               order by log.publication_id desc
               limit %s""",
            [limit],
        ).fetchall()
    keys = (
        "number",
        "schema",
        "status",
        "started_at",
        "built_at",
        "validated_at",
        "published_at",
        "retired_at",
        "checks_passed",
        "checks_failed",
        "data_docs",
        "run_id",
        "failure",
        "loads",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _table(publications: list[dict[str, Any]]) -> str:
    header = ("#", "status", "built", "validated", "published", "checks ok/failed", "loads held")
    lines = [header]
    previous: set[int] | None = None
    for publication in reversed(publications):  # oldest first, to say what each one added
        held = {load["load_id"] for load in publication["loads"]}
        lines.append(
            (
                f"{publication['number']}{' *' if publication['status'] == 'published' else ''}",
                publication["status"],
                _time(publication["built_at"]),
                _time(publication["validated_at"]),
                _time(publication["published_at"]),
                _checks(publication),
                _loads(publication["loads"], None if previous is None else held - previous),
            )
        )
        previous = held
    body = [lines[0], *reversed(lines[1:])]
    widths = [max(len(str(line[i])) for line in body) for i in range(len(header))]
    text = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) for row in body]
    text.append("* = shown in marts. `mtqg rollback N` shows an earlier retained one; --json lists files.")
    return "\n".join(line.rstrip() for line in text)


def _time(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else "-"


def _checks(publication: dict[str, Any]) -> str:
    if publication["checks_passed"] is None and publication["checks_failed"] is None:
        return "-"
    return f"{publication['checks_passed'] or 0}/{publication['checks_failed'] or 0}"


def _loads(loads: list[dict[str, Any]], new: set[int] | None) -> str:
    if not loads:
        return "none"
    per_feed: dict[str, int] = {}
    for load in loads:
        per_feed[load["feed"]] = per_feed.get(load["feed"], 0) + 1
    text = ", ".join(f"{feed} {count}" for feed, count in sorted(per_feed.items()))
    return text if new is None else f"{text} (+{len(new)} new)"
