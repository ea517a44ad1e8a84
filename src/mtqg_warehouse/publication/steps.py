"""The warehouse build as steps the build DAG wires: build, audit, publish, summarise.

Each step takes and returns small values (a schema name, counts) so Airflow can pass them
between tasks through XCom, and each can run alone from the CLI.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import psycopg

from mtqg_warehouse.db import connection as db
from mtqg_warehouse.db import ddl
from mtqg_warehouse.publication import (
    build_lease,
    lifecycle,
    mart_copies,
    pseudonym_key,
    unchanged,
    validation,
    versioned_facts,
)
from mtqg_warehouse.publication.dbt_runner import DbtBuildFailed, run_dbt, target_dir

log = logging.getLogger(__name__)


class ValidationFailed(Exception):
    """The build is kept for inspection; `marts` still shows the previous publication.

    Carries the GX outcome, which the alert notifier (alerts/notifier.py) turns into its message.
    """

    def __init__(self, message: str, outcome: validation.ValidationOutcome | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome


def build(run_id: str | None = None) -> str:
    """dbt build (seeds, models, dbt tests) into a new publication schema; returns its name.

    The large facts are versioned (versioned_facts.py): the first build computes them whole,
    later ones only the periods their new or superseded loads touch."""
    from mtqg_warehouse.contracts.model import feeds, load_contract

    with db.connect() as conn:
        ddl.ensure_ops_schema(conn)
        for feed in feeds():  # dbt's sources must exist even for a feed that has sent nothing yet
            ddl.ensure_raw_tables(conn, load_contract(feed))
        pseudonym_key.install(conn)
        new_id = lifecycle.next_publication_id(conn)
    # leased before it is registered: no other build may judge it dead (build_lease.py)
    with build_lease.held(lifecycle.publication_schema(new_id)):
        with db.connect() as conn:
            schema = lifecycle.start_publication(conn, run_id, new_id)
            definitions = versioned_facts.models_fingerprint(conn)
            base = versioned_facts.prepare(conn, schema, definitions)
            manifest = target_dir() / "manifest.json"
            left_out = _left_out_of_build(conn, schema, base, manifest, definitions)
        try:
            run_dbt("build", schema, *left_out, base_publication=base)
        except DbtBuildFailed as failure:
            with db.connect() as conn:
                lifecycle.fail_build(conn, schema, str(failure))
            raise
        unchanged.note_build(manifest, definitions)
        with db.connect() as conn:
            lifecycle.record_built(conn, schema)
    return schema


def _left_out_of_build(
    conn: psycopg.Connection, schema: str, base: int | None, manifest: Path, definitions: str
) -> list[str]:
    """dbt's unit tests test the models' logic, not the data: they run in the project's own
    tests (tests/integration/publication/test_dbt_unit_tests.py), as dbt advises, not in every
    build. Seeds are reloaded only by a full build: a build with a base has the same seed files
    as the base (versioned_facts.models_fingerprint), which loaded them; nor does such a build
    test again, or compute again, the models whose inputs it has not changed (unchanged.py):
    their marts are copied from the base (mart_copies.py)."""
    if base is None:
        return ["--exclude-resource-type", "unit_test"]
    changed = unchanged.changed_raw_tables(conn, lifecycle.publication_id(schema), base)
    same = unchanged.since_base(manifest, definitions, changed)
    copied = mart_copies.copy_from_base(conn, same.marts, lifecycle.publication_schema(base), schema)
    log.info(
        "%s leaves out %d dbt tests and %d marts its loads did not change",
        schema,
        len(same.tests),
        len(copied),
    )
    left_out = [*same.tests, *copied]
    if not left_out:
        return ["--exclude-resource-type", "unit_test", "seed"]
    # each name leaves out its node alone: dbt's default (eager) would also leave out every test
    # reading a copied mart, such as those relating the month's facts to the copied dimensions
    return [
        "--exclude-resource-type",
        "unit_test",
        "seed",
        "--indirect-selection",
        "empty",
        "--exclude",
        *left_out,
    ]


def audit(schema: str) -> dict:
    """GX checkpoints over the new publication (its models) and over the raw rows of the loads
    it adds (so a bad batch fails here and is never published); raises naming every failed check."""
    with build_lease.held(schema):
        return _audit(schema)


def _audit(schema: str) -> dict:
    outcome = validation.validate_build(db.warehouse_url(), schema)
    from mtqg_warehouse.alerts.outcome import outcome_record

    with db.connect() as conn:
        lifecycle.record_audit(
            conn,
            schema,
            outcome.success,
            outcome.checks_passed,
            outcome.checks_failed,
            outcome.data_docs,
            outcome_record(outcome),
        )
    if not outcome.success:
        failures = "; ".join(
            f"{f.suite}: {f.expectation}({f.column or ''}) observed {f.observed}" for f in outcome.failures
        )
        raise ValidationFailed(
            f"{schema} failed {outcome.checks_failed} check(s), marts left unchanged: {failures}. "
            f"Data Docs: {outcome.data_docs}",
            outcome,
        )
    return asdict(outcome)


def publish_build(schema: str) -> list[str]:
    with build_lease.held(schema), db.connect() as conn:
        relations = lifecycle.publish(conn, schema)
        retired = lifecycle.retire_old_publications(conn)
    log.info("published %s (%s); retired %s", schema, ", ".join(relations), retired or "none")
    return relations


def summary() -> dict:
    """What a person wants after a run: rows per published mart, loads, rejections, docs."""
    from psycopg import sql

    with db.connect() as conn:
        current = lifecycle.current_publication(conn)
        marts = {}
        for (relation,) in conn.execute(
            "select table_name from information_schema.views where table_schema = 'marts' order by 1"
        ).fetchall():
            counted = conn.execute(
                sql.SQL("select count(*) from {}").format(sql.Identifier("marts", relation))
            ).fetchone()
            assert counted is not None  # count(*) always returns one row
            marts[relation] = counted[0]
        loads = conn.execute(
            """select feed, count(*) filter (where status = 'loaded'),
                      coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0),
                      count(*) filter (where status = 'quarantined')
               from ops.load_audit group by feed order by feed"""
        ).fetchall()
        docs = conn.execute(
            "select data_docs_url from ops.publish_log where data_docs_url is not null "
            "order by publication_id desc limit 1"
        ).fetchone()
    from mtqg_warehouse.alerts.record import alerts_log_path, open_alerts

    return {
        "publication": current,
        "marts_rows": marts,
        "loads": {
            feed: {
                "files": files,
                "rows_loaded": rows,
                "rows_rejected": rejected,
                "quarantined": quarantined,
            }
            for feed, files, rows, rejected, quarantined in loads
        },
        "data_docs": docs[0] if docs else None,
        "alerts": open_alerts(),
        "alerts_log": str(alerts_log_path()),
    }
