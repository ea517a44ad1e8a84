"""The Celery workers' settings and what their output says they ran (no broker needed)."""

from __future__ import annotations

from pathlib import Path

from mtqg_warehouse.orchestration.celery_workers import CeleryCluster, tasks_taken

# a worker's line for one task instance, as apache-airflow-providers-celery 3.26 writes it
LINE = (
    "2026-11-30T11:01:36.387023Z [info     ] [6f022222-fc26-4486-848d-097f884bc968] Executing workload "
    "in Celery: dag_rel_path=PurePosixPath('ingest_bank_feed.py') bundle_info=BundleInfo(name='dags-folder', "
    "version=None) log_path='dag_id=ingest_bank_feed/run_id=manual__1/task_id=load_inbox/attempt=1.log' "
    "ti=TaskInstanceDTO(id=UUID('01a22c1d-c679-7584-96ed-24dcb350236a'), task_id='load_inbox', "
    "dag_id='ingest_bank_feed', run_id='manual__1', try_number=1, map_index=-1, hostname='', "
    "queue='mtqg-005de109', pool_slots=1) type='ExecuteTask' [airflow.providers.celery.executors]"
)


def test_tasks_taken_reads_each_task_instance_a_worker_executed(tmp_path: Path) -> None:
    log = tmp_path / "celery-worker-1.log"
    log.write_text(f"startup noise\n{LINE}\n{LINE.replace('load_inbox', 'update_asset')}\n", encoding="utf-8")
    assert tasks_taken(log) == {
        ("ingest_bank_feed", "manual__1", "load_inbox"),
        ("ingest_bank_feed", "manual__1", "update_asset"),
    }


def test_each_worker_has_its_own_name_and_log_port_and_only_this_clusters_queue() -> None:
    cluster = CeleryCluster(workers=2, concurrency=1)
    extra = cluster.components()
    assert extra.settings["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert extra.settings["AIRFLOW__OPERATORS__DEFAULT_QUEUE"] == cluster.queue
    assert list(extra.processes) == cluster.worker_names() == ["celery-worker-1", "celery-worker-2"]
    ports = {added["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] for _, added in extra.processes.values()}
    assert len(ports) == 2
    for name, (args, _) in extra.processes.items():
        assert args[:2] == ["celery", "worker"]
        assert args[args.index("--queues") + 1] == cluster.queue
        assert args[args.index("--celery-hostname") + 1] == f"{name}@%h"
    assert CeleryCluster().queue != CeleryCluster().queue, "two runners on one broker share no queue"
