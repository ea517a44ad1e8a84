"""Airflow's CeleryExecutor on one machine: the settings and the worker processes to start.

Scale-out means the scheduler hands task instances to a broker (Redis) and any number of
`airflow celery worker` processes, on this machine or others, take them. The runner starts
the same processes a deployment runs (docker-compose.yml's airflow-worker), only several on
one machine: each gets a Celery node name and a log-server port of its own. A queue of its
own keeps these workers to this runner's tasks when the broker is shared (another clone,
another test session), and the workers' output is where each says which task it ran.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mtqg_warehouse.db.embedded import free_port
from mtqg_warehouse.orchestration.airflow_runner import ExtraComponents

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"
# a task runs about 1.2 s of Airflow overhead plus its work: a day is far beyond any of them
VISIBILITY_TIMEOUT_S = 86_400
WORKER_PREFIX = "celery-worker-"
# the provider's line for every task instance a worker takes (celery_executor_utils.execute_workload)
_WORKLOAD = re.compile(r"Executing workload in Celery: .*?dag_id='([^']+)'.*?run_id='([^']+)'")
_TASK = re.compile(r"task_id='([^']+)'")


@dataclass(frozen=True)
class CeleryCluster:
    """``workers`` Celery workers of ``concurrency`` task slots each, on a queue of their own."""

    broker_url: str = DEFAULT_BROKER_URL
    workers: int = 2
    concurrency: int = 1
    queue: str = field(default_factory=lambda: f"mtqg-{uuid.uuid4().hex[:8]}")

    def worker_names(self) -> list[str]:
        return [f"{WORKER_PREFIX}{number}" for number in range(1, self.workers + 1)]

    def components(self) -> ExtraComponents:
        """Executor settings for every component, and the workers. Task results go to Airflow's
        own metadata database (the provider's default, ``db+`` and its URL)."""
        settings = {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": self.broker_url,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(self.concurrency),
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S),
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
        }
        processes = {
            name: (
                ["celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", self.queue],
                # each worker serves its task logs to the api-server on a port of its own
                {"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port(0))},
            )
            for name in self.worker_names()
        }
        return ExtraComponents(settings, processes)


def tasks_taken(worker_log: Path) -> set[tuple[str, str, str]]:
    """(dag_id, run_id, task_id) of every task instance the worker's output says it executed."""
    taken = set()
    for line in worker_log.read_text(errors="replace").splitlines():
        workload = _WORKLOAD.search(line)
        task = _TASK.search(line)
        if workload and task:
            taken.add((workload.group(1), workload.group(2), task.group(1)))
    return taken
