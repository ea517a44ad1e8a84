"""One Airflow session shared by several tests (tests/integration/orchestration/shared_airflow).

Starting the dag-processor, scheduler and api-server, migrating their metadata database and
waiting for the scheduler's first runs costs about a minute on 2 cores, and stopping them
another 15-20 s; each test that ran DAGs used to pay that for itself. A shared session runs
once, in a warehouse and state folder of its own, with the alert channels (a local SMTP
server and a Slack-style webhook) configured from the start.

What keeps the tests independent (`prepare_for_test`): before each test Airflow is idle
(every run finished, no asset event queued), the warehouse's schemas are dropped, the state
folder is emptied (all but Airflow's home) and the caught alerts are forgotten; each pipeline
run waits only for the runs changed after it began (``RunningAirflow.started`` moved to then).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mtqg_warehouse.db.embedded import free_port
from mtqg_warehouse.orchestration import airflow_runner as orchestrate
from mtqg_warehouse.orchestration.bounded_runs import backfill_on, log_failures, run_feeds
from mtqg_warehouse.orchestration.ids import BUILD_DAG_ID, ingest_dag_id
from tests.databases import create_database, drop_database
from tests.warehouse_reset import drop_warehouse_schemas

# the reader tests' password: bi_reader is the server's role, one password for every session
READER_PASSWORD = "bi-reader-test-password"
SMTP_CONNECTION = "AIRFLOW_CONN_MTQG_ALERTS_SMTP"
SLACK_CONNECTION = "AIRFLOW_CONN_MTQG_ALERTS_SLACK"
MAIL_FROM = "kho-du-lieu@mtqg.test"
MAIL_TO = "van-hanh@mtqg.test, so-ldtbxh@mtqg.test"
WEBHOOK_PATH = "/services/T000/B000/XXXX"


@dataclass
class Caught:
    """What the alert channels received."""

    mails: list[email.message.EmailMessage] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SharedAirflow:
    """The running session as one test sees it: the warehouse and state folder it runs
    against, its components (`run` and `backfill` wait for the runs changed after they begin) and
    what the alert channels caught during this test."""

    url: str
    state: Path
    airflow: orchestrate.RunningAirflow
    caught: Caught

    def run(self, feeds: Sequence[str], timeout: float) -> list[orchestrate.RunOutcome]:
        """What `run_pipeline` does, on the running components: runs changed from now on count."""
        outcomes = run_feeds(self._from_now(), feeds, timeout)
        log_failures(outcomes)
        return outcomes

    def backfill(
        self, feed: str, from_date: str, to_date: str, timeout: float
    ) -> list[orchestrate.RunOutcome]:
        """What `run_backfill` does, on the running components: runs changed from now on count."""
        return backfill_on(self._from_now(), feed, from_date, to_date, timeout)

    @contextmanager
    def paused(self, dag_id: str) -> Iterator[None]:
        """The DAG paused meanwhile: asset events do not schedule it (nor queue for later)."""
        self.airflow.api.set_paused(dag_id, True)
        try:
            yield
        finally:
            self.airflow.api.set_paused(dag_id, False)

    def _from_now(self) -> orchestrate.RunningAirflow:
        return dataclasses.replace(self.airflow, started=dt.datetime.now(dt.UTC))


@contextmanager
def alert_channels() -> Iterator[tuple[Caught, dict[str, str]]]:
    """An SMTP server (aiosmtpd) and a Slack-style webhook on 127.0.0.1, and the two Airflow
    connections the notifier looks for, set by environment as an operator may."""
    from aiosmtpd.controller import Controller

    caught = Caught()

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            caught.mails.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            return "250 OK"

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            caught.posts.append({"path": self.path, "body": json.loads(body)})
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=free_port(0))
    smtp.start()
    webhook = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    threading.Thread(target=webhook.serve_forever, daemon=True).start()
    mail = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": smtp.port,
        "extra": {"disable_tls": True, "disable_ssl": True, "from_email": MAIL_FROM, "to": MAIL_TO},
    }
    webhook_url = f"http://127.0.0.1:{webhook.server_address[1]}{WEBHOOK_PATH}"
    connections = {
        SMTP_CONNECTION: json.dumps(mail),
        SLACK_CONNECTION: json.dumps({"conn_type": "slackwebhook", "password": webhook_url}),
    }
    try:
        yield caught, connections
    finally:
        smtp.stop()
        webhook.shutdown()


@contextmanager
def _pointing_at(url: str, state: Path) -> Iterator[None]:
    """The environment the runner reads (warehouse, state folder) while it starts or stops."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WAREHOUSE_URL", url)
        patch.setenv("MTQG_STATE_DIR", str(state))
        yield


def _dag_ids() -> list[str]:
    from mtqg_warehouse.contracts.model import feeds

    return [*(ingest_dag_id(feed) for feed in feeds()), BUILD_DAG_ID]


def _busy(airflow: orchestrate.RunningAirflow) -> list[str]:
    """The DAGs with an unfinished run since the session started or an asset event queued."""
    return [
        dag_id
        for dag_id in _dag_ids()
        if airflow.api.queued_asset_events(dag_id)
        or any(run.state not in orchestrate.TERMINAL for run in airflow.api.runs(dag_id, airflow.started))
    ]


def _wait_until_idle(airflow: orchestrate.RunningAirflow, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while busy := _busy(airflow):
        if time.monotonic() > deadline:
            raise TimeoutError(f"Airflow still runs {busy} after {timeout} s")
        time.sleep(1)


def _wait_for_first_runs(airflow: orchestrate.RunningAirflow, timeout: float = 60) -> None:
    """The runs the scheduler makes on start (each ingest DAG's latest interval, with nothing
    to load yet), finished, so that no test's runs meet them."""
    deadline = time.monotonic() + timeout
    ingest = [dag_id for dag_id in _dag_ids() if dag_id != BUILD_DAG_ID]
    while time.monotonic() < deadline and not all(airflow.api.runs(d, airflow.started) for d in ingest):
        time.sleep(1)
    _wait_until_idle(airflow)


@contextmanager
def shared_session(server_url: str, state: Path) -> Iterator[SharedAirflow]:
    """The components, started once in a database of their own (dropped after) and ``state``."""
    with alert_channels() as (caught, connections):
        url = create_database(server_url, "mtqg_airflow")
        settings = {**connections, "BI_READER_PASSWORD": READER_PASSWORD}
        components = ExitStack()
        try:
            with _pointing_at(url, state):
                extra = orchestrate.ExtraComponents(settings=settings, processes={})
                airflow = components.enter_context(orchestrate.running_airflow(url, extra))
                orchestrate.wait_for_dags(airflow.api, _dag_ids())
                _wait_for_first_runs(airflow)
            yield SharedAirflow(url, state, airflow, caught)
        finally:
            with _pointing_at(url, state):
                components.close()
            drop_database(url)


def prepare_for_test(session: SharedAirflow, monkeypatch: pytest.MonkeyPatch) -> SharedAirflow:
    """The session, idle, with an empty warehouse and state folder for one test; the test's
    own process points at them too, as the `warehouse` fixture does."""
    _wait_until_idle(session.airflow)
    monkeypatch.setenv("WAREHOUSE_URL", session.url)
    monkeypatch.setenv("MTQG_STATE_DIR", str(session.state))
    monkeypatch.setenv("BI_READER_PASSWORD", READER_PASSWORD)
    drop_warehouse_schemas(session.url)
    for path in session.state.iterdir():
        if path == orchestrate.airflow_home():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    session.caught.mails.clear()
    session.caught.posts.clear()
    return session
