"""Write-audit-publish through real dbt, GX and PostgreSQL, step by step, without Airflow."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.publication import lifecycle
from mtqg_warehouse.publication.lifecycle import IllegalTransition
from tests.faulty_build import restate_cards_wrongly
from tests.lock_waits import wait_until_waiting_for_a_lock

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "insurance"


@pytest.fixture
def ingested(warehouse: str, tmp_path: Path) -> str:
    """The insurance fixture (5 good rows, 3 rejected) loaded into raw."""
    from mtqg_warehouse.ingest.run import ingest_feed

    inbox = tmp_path / "state" / "inbox" / "insurance"
    inbox.mkdir(parents=True)
    for path in FIXTURES.glob("*.csv"):
        shutil.copyfile(path, inbox / path.name)
    ingest_feed("insurance", run_id="test")
    return warehouse


def _query(url: str, statement: str, params: list | None = None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def _statuses(url: str) -> list[tuple[str, str]]:
    return _query(url, "select build_schema, status from ops.publish_log order by publication_id")


def _marts_source(url: str) -> str:
    """What the card fact's view in `marts` reads (every view of `marts` points at one publication)."""
    (definition,) = _query(
        url,
        "select definition from pg_views where schemaname = 'marts' and viewname = 'fct_insurance_cards'",
    )[0]
    return definition


def _reader_can_read_marts(url: str) -> bool:
    privilege = "select has_table_privilege('bi_reader', 'marts.fct_insurance_cards', 'select')"
    return _query(url, privilege)[0][0]


def _build_and_audit() -> str:
    from mtqg_warehouse.publication import steps

    schema = steps.build("test")
    steps.audit(schema)
    return schema


def test_build_audit_publish_supersede_and_roll_back(ingested: str) -> None:
    from mtqg_warehouse.publication import steps

    first = steps.build("test")
    assert _statuses(ingested) == [(first, "building")]
    audit = steps.audit(first)
    assert audit["success"] and audit["checks_passed"] > 0
    assert _statuses(ingested) == [(first, "validated")]
    assert _query(ingested, "select to_regnamespace('marts')") == [(None,)]  # nothing shown unaudited
    published = steps.publish_build(first)
    assert "fct_insurance_cards" in published and "dim_geography" in published
    assert _statuses(ingested) == [(first, "published")]
    assert steps.publish_build(first) == published  # a retried task changes nothing
    assert _statuses(ingested) == [(first, "published")]
    assert _query(ingested, "select count(*) from marts.fct_insurance_cards") == [(5,)]
    assert _reader_can_read_marts(ingested)

    second = _build_and_audit()
    steps.publish_build(second)
    assert _statuses(ingested) == [(first, "superseded"), (second, "published")]
    assert f"{second}.fct_insurance_cards" in _marts_source(ingested)

    with psycopg.connect(ingested, autocommit=True) as conn:
        with pytest.raises(IllegalTransition, match=f"cannot roll back to {second}: it is published"):
            lifecycle.rollback(conn, second)
        assert lifecycle.rollback(conn) == first
        assert lifecycle.current_publication(conn) == first
        with pytest.raises(IllegalTransition, match="no earlier publication"):
            lifecycle.rollback(conn)
    assert _statuses(ingested) == [(first, "published"), (second, "rolled_back")]
    assert f"{first}.fct_insurance_cards" in _marts_source(ingested)
    assert _reader_can_read_marts(ingested)


def test_a_feed_that_sent_nothing_yet_holds_back_no_other(warehouse: str, tmp_path: Path) -> None:
    """Only the bank has delivered: its loans publish, with no card at all (the card fact is
    empty, not failed), so the insurance fund's first file is never what the others wait for."""
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication import steps

    inbox = tmp_path / "state" / "inbox" / "bank"
    inbox.mkdir(parents=True)
    row = (
        "GD20230501,TK00000001,31825-000001,095300000001,Lê Văn Tám,31825,HN,HND,31825-HND-01,GN,"
        "10.000.000,01/05/2023,10.000.000,0\n"
    )
    header = (FIXTURES.parent / "bank_header.csv").read_text(encoding="utf-8")
    (inbox / "vbsp_954_20230501.csv").write_text(header + row, encoding="utf-8")
    ingest_feed("bank", run_id="test")

    schema = _build_and_audit()
    steps.publish_build(schema)
    assert _statuses(warehouse) == [(schema, "published")]
    assert _query(warehouse, "select count(*) from marts.fct_insurance_cards") == [(0,)]
    assert _query(warehouse, "select count(*) > 0 from marts.fct_loan_month") == [(True,)]


def test_failed_validation_leaves_marts_on_the_previous_publication(ingested: str) -> None:
    from mtqg_warehouse.publication import steps

    first = _build_and_audit()
    steps.publish_build(first)
    second = steps.build("test")
    restate_cards_wrongly(ingested, second)
    with pytest.raises(steps.ValidationFailed, match="state_budget_share_pct"):
        steps.audit(second)
    assert _statuses(ingested) == [(first, "published"), (second, "failed_validation")]
    with pytest.raises(IllegalTransition, match=f"{second} cannot go from failed_validation to published"):
        steps.publish_build(second)
    assert _statuses(ingested) == [(first, "published"), (second, "failed_validation")]
    assert f"{first}.fct_insurance_cards" in _marts_source(ingested)
    assert _query(ingested, "select max(state_budget_share_pct) from marts.fct_insurance_cards") == [(100,)]
    third = steps.build("test")  # the failed build's rows are undone before it, never seen again
    assert _query(ingested, f"select max(state_budget_share_pct) from {third}.fct_insurance_cards") == [
        (100,)
    ]


def test_retiring_drops_the_schema_and_prunes_gx(ingested: str, tmp_path: Path) -> None:
    from mtqg_warehouse.publication import steps

    first = _build_and_audit()
    steps.publish_build(first)
    second = _build_and_audit()
    steps.publish_build(second)
    # the earlier version retired by status alone and left GX as it was
    with psycopg.connect(ingested, autocommit=True) as conn:
        conn.execute("update ops.publish_log set status = 'retired' where build_schema = %s", [first])
    third = _build_and_audit()
    gx_project = tmp_path / "state" / "gx"
    before = _gx_names(gx_project)
    for schema in (first, second, third):
        assert all(any(schema in name for name in names) for names in before.values()), (schema, before)
    # a prune of `first` stopped after its assets: its checkpoints name assets that are gone
    _remove_assets(gx_project, first)
    steps.publish_build(third)  # sweeps GX of the earlier version's retired publication

    with psycopg.connect(ingested, autocommit=True) as conn:
        assert lifecycle.retire_old_publications(conn, keep=1) == [second]
    assert _statuses(ingested) == [(first, "retired"), (second, "retired"), (third, "published")]
    assert _query(ingested, "select to_regnamespace(%s)", [second]) == [(None,)]
    assert _query(
        ingested, "select retired_at is not null from ops.publish_log where build_schema = %s", [second]
    )[0][0]
    after = _gx_names(gx_project)
    assert not [name for names in after.values() for name in names if first in name or second in name], after
    assert all(any(third in name for name in names) for names in after.values()), after


def _remove_assets(project: Path, schema: str) -> None:
    import great_expectations as gx

    source = gx.get_context(mode="file", project_root_dir=str(project)).data_sources.get("warehouse")
    for name in source.get_asset_names():
        if name.startswith(f"{schema}."):
            source.delete_asset(name)


def _gx_names(project: Path) -> dict[str, list[str]]:
    """What a fresh GX context (not our own code) and the Data Docs folder hold."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=str(project))
    site = project / "gx" / "uncommitted" / "data_docs" / "local_site"
    return {
        "checkpoints": [checkpoint.name for checkpoint in context.checkpoints.all()],
        "validation definitions": [definition.name for definition in context.validation_definitions.all()],
        "assets": sorted(context.data_sources.get("warehouse").get_asset_names()),
        "validation results": [key.batch_identifier for key in context.validation_results_store.list_keys()],
        "data docs pages": [str(page.relative_to(site)) for page in site.glob("validations/**/*.html")],
        "data docs index": [(site / "index.html").read_text(encoding="utf-8")],
    }


def test_a_concurrent_status_change_is_refused_not_overwritten(warehouse: str) -> None:
    """Two processes race to move one publication: the second update finds the row no longer
    in the status it read, and refuses."""
    from mtqg_warehouse.db import ddl

    with psycopg.connect(warehouse, autocommit=True) as conn:
        ddl.ensure_ops_schema(conn)
        schema = lifecycle.start_publication(conn, "test")
    outcome: list[BaseException | None] = []
    with psycopg.connect(warehouse) as holder, psycopg.connect(warehouse, autocommit=True) as racer:
        holder.execute("select 1 from ops.publish_log where build_schema = %s for update", [schema])
        racer_pid = racer.info.backend_pid

        def move() -> None:
            try:
                lifecycle.change_status(racer, schema, lifecycle.PublicationStatus.VALIDATED)
                outcome.append(None)
            except BaseException as error:  # handed to the test thread
                outcome.append(error)

        thread = threading.Thread(target=move)
        thread.start()
        wait_until_waiting_for_a_lock(warehouse, racer_pid, "the racing update")
        holder.execute("update ops.publish_log set status = 'failed_build' where build_schema = %s", [schema])
        holder.commit()
        thread.join(timeout=30)
    assert isinstance(outcome[0], lifecycle.ConcurrentStatusChange), outcome
    assert _statuses(warehouse) == [(schema, "failed_build")]


def test_a_load_arriving_while_dbt_runs_waits_for_the_next_build(ingested: str, tmp_path: Path) -> None:
    """A build reads exactly the loads registered when it started (macros/current_loads.sql),
    so its record in ops.publication_loads is the truth about what it holds."""
    from mtqg_warehouse.contracts.model import feeds, load_contract
    from mtqg_warehouse.db import ddl
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication import pseudonym_key
    from mtqg_warehouse.publication.dbt_runner import run_dbt

    with psycopg.connect(ingested, autocommit=True) as conn:  # as steps.build starts
        ddl.ensure_ops_schema(conn)
        for feed in feeds():
            ddl.ensure_raw_tables(conn, load_contract(feed))
        pseudonym_key.install(conn)
        schema = lifecycle.start_publication(conn, "test")
    bank = tmp_path / "state" / "inbox" / "bank"  # arrives after the build has started
    bank.mkdir(parents=True)
    header = (FIXTURES.parent / "bank_header.csv").read_text(encoding="utf-8")
    row = "GD20230501,TK00000001,31825-000001,095300000001,Lê Văn Tám,31825,HN,HND,31825-HND-01,GN,"
    (bank / "vbsp_954_20230501.csv").write_text(
        header + row + "10.000.000,01/05/2023,10.000.000,0\n", encoding="utf-8"
    )
    ingest_feed("bank", run_id="test")
    run_dbt("build", schema)

    held = _query(
        ingested,
        "select feed from ops.publication_loads join ops.load_audit using (load_id) "
        "where publication_id = %s",
        [int(schema.removeprefix("pub_"))],
    )
    assert held == [("insurance",)]
    assert _query(ingested, "select count(*) from staging.stg_insurance__cards") == [(5,)]
    assert _query(ingested, "select count(*) from staging.stg_bank__loan_events") == [(0,)]
    assert _query(ingested, f"select count(*) from {schema}.fct_loan_month") == [(0,)]
