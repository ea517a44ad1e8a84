"""Scale-out for real: the ingest and build DAGs under the CeleryExecutor, two workers, one Redis.

The scheduler hands task instances to Redis on 127.0.0.1:6379 and two `airflow celery worker`
processes take them; each worker's output names the task instances it executed, which shows
the work spread over both. The marts the Celery run publishes must be the ones a local run
(the same steps in one process, `mtqg ingest` then `mtqg build`) publishes from the same files.
Cost: about 1 minute for the local run and 2-4 minutes for the Celery run on 2 cores.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from mtqg_warehouse.config import WarehouseTarget
from mtqg_warehouse.contracts.model import feeds
from mtqg_warehouse.orchestration.celery_workers import DEFAULT_BROKER_URL, CeleryCluster, tasks_taken

pytestmark = [pytest.mark.integration, pytest.mark.airflow]

KEY = "celery-test-key-0123456789abcdef"
# a fact's own key hashed from (load_id, row): load ids follow the order files were loaded in,
# which concurrent DAG runs need not keep; the row's file stands in for its load_id below
LOAD_ORDER_KEYS = {"support_key"}
# which build is shown and when: two runs necessarily differ there (the Celery run may publish
# twice, once per batch of asset events); the data is compared, and when each row was loaded
# (timestamptz columns) is not
RUN_METADATA = {"publication_info"}


@pytest.fixture(scope="module")
def broker() -> str:
    import redis

    try:
        redis.Redis.from_url(DEFAULT_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as error:
        pytest.skip(
            f"no Redis answers at {DEFAULT_BROKER_URL} ({error}): the CeleryExecutor needs one as "
            "its broker (redis-server --bind 127.0.0.1 --port 6379)"
        )
    return DEFAULT_BROKER_URL


@pytest.fixture
def second_database(test_database_url: str) -> Iterator[str]:
    """A database beside the test warehouse for the local reference run, dropped afterwards."""
    target = WarehouseTarget.from_url(test_database_url)
    name = f"{target.dbname}_local"
    with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')
        conn.execute(f'create database "{name}"')
    yield target.url(name)
    with psycopg.connect(target.url("postgres"), autocommit=True) as conn:
        conn.execute(f'drop database if exists "{name}" with (force)')


def test_two_celery_workers_share_the_pipeline_and_publish_what_a_local_run_does(
    broker: str,
    warehouse: str,
    second_database: str,
    generate_city,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mtqg_warehouse.orchestration.airflow_runner import airflow_home
    from mtqg_warehouse.orchestration.bounded_runs import run_pipeline

    city = generate_city(tmp_path / "city", households=300, seed=7)
    monkeypatch.setenv("MTQG_PSEUDONYM_KEY", KEY)  # both runs hash household codes alike

    monkeypatch.setenv("WAREHOUSE_URL", second_database)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "local"))
    _deliver(city, tmp_path / "local")
    _run_locally()
    expected = _marts_fingerprint(second_database)

    monkeypatch.setenv("WAREHOUSE_URL", warehouse)
    monkeypatch.setenv("MTQG_STATE_DIR", str(tmp_path / "celery"))
    _deliver(city, tmp_path / "celery")
    cluster = CeleryCluster(broker_url=broker, workers=2, concurrency=1)
    outcomes = run_pipeline(warehouse, timeout=600, extra=cluster.components())

    ingests = [o for o in outcomes if o.dag_id != "build_warehouse"]
    builds = [o for o in outcomes if o.dag_id == "build_warehouse"]
    assert {o.state for o in ingests} == {"success"}, outcomes
    # each feed's asset event starts a build; the build after the last feed publishes the
    # whole delivery
    assert builds and builds[-1].state == "success", outcomes
    assert {o.dag_id for o in outcomes} == {*(f"ingest_{feed}_feed" for feed in feeds()), "build_warehouse"}
    by_worker = {
        name: tasks_taken(airflow_home() / "logs" / f"{name}.log") for name in cluster.worker_names()
    }
    assert all(by_worker.values()), f"a worker took no task: { {n: len(t) for n, t in by_worker.items()} }"
    first, second = by_worker.values()
    assert not first & second, "a task instance ran on both workers"
    # every run waited for ran on these workers; a scheduled run the scheduler made after its
    # DAG's manual run had finished (a latest interval: nothing to load) may have run there too
    ran = {(dag_id, run_id) for dag_id, run_id, _ in first | second}
    assert {(o.dag_id, o.run_id) for o in outcomes} <= ran
    assert {dag_id for dag_id, _ in ran} == {o.dag_id for o in outcomes}
    assert _marts_fingerprint(warehouse) == expected


def _deliver(city: Path, state: Path) -> None:
    for feed in feeds():
        shutil.copytree(city / feed, state / "inbox" / feed)


def _run_locally() -> None:
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication import steps

    for feed in feeds():
        report = ingest_feed(feed, run_id="local")
        assert not report.quarantined and not report.refused
    schema = steps.build("local")
    steps.audit(schema)
    steps.publish_build(schema)


def _marts_fingerprint(url: str) -> dict[str, tuple[int, str]]:
    """Rows and a digest of every published relation, each row's load named by its file."""
    fingerprint = {}
    with psycopg.connect(url) as conn:
        relations = conn.execute(
            "select table_name, array_agg(column_name::text order by column_name) "
            "from information_schema.columns "
            "where table_schema = 'marts' and data_type <> 'timestamp with time zone' group by 1"
        ).fetchall()
        for relation, columns in relations:
            if relation in RUN_METADATA:
                continue
            kept = [f"t.{c}" for c in columns if c != "load_id" and c not in LOAD_ORDER_KEYS]
            source = f"marts.{relation} as t"
            if "load_id" in columns:
                kept.append("audit.source_file")
                source += " left join ops.load_audit as audit using (load_id)"
            fingerprint[relation] = conn.execute(
                f"select count(*), md5(coalesce(string_agg(r, '|' order by r), '')) "
                f"from (select row({', '.join(kept)})::text as r from {source}) as rows"
            ).fetchone()
    assert fingerprint and all(rows for rows, _ in fingerprint.values()), fingerprint
    return fingerprint
