"""The DAGs' failure callback: one alert per failed task, through Airflow's notifiers.

The only module of the package that imports Airflow, and only the DAG files import it (the
providers are imported when an alert is sent, never at parse time). Channels are Airflow
connections, so an operator configures them where Airflow's other secrets live:

- ``mtqg_alerts_smtp`` (type smtp): the mail server; its extra ``to`` (comma-separated) says
  who gets the mail and ``from_email`` who sends it. Sent with ``SmtpNotifier``.
- ``mtqg_alerts_slack`` (type slackwebhook): the incoming-webhook URL as its password. Sent
  with ``SlackWebhookNotifier``.

Either, both or neither may exist. Every alert is also kept in the alerts log and
``ops.alerts`` (alerts/record.py) with where it went and what failed on the way, so with no
channel configured, or a mail server that is down, the alert is still somewhere a person looks.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import BaseNotifier

log = logging.getLogger(__name__)

SMTP_CONN_ID = "mtqg_alerts_smtp"
SLACK_CONN_ID = "mtqg_alerts_slack"


class WarehouseAlertNotifier(BaseNotifier):
    """``on_failure_callback`` of every task: task-level, so a failed run alerts once, from
    the task that failed (its downstream tasks end `upstream_failed` and stay silent)."""

    def notify(self, context: Any) -> None:
        from mtqg_warehouse.alerts.facts import gather
        from mtqg_warehouse.alerts.message import compose
        from mtqg_warehouse.alerts.record import record_alert

        ti = context.get("ti") or context.get("task_instance")
        facts = gather(
            dag_id=getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", None),
            task_id=getattr(ti, "task_id", None),
            run_id=context.get("run_id") or getattr(ti, "run_id", None),
            exception=context.get("exception"),
            log_url=getattr(ti, "log_url", None),
        )
        alert = compose(facts)
        delivered, errors = [], []
        for channel, conn_id, send in (("smtp", SMTP_CONN_ID, _mail), ("slack", SLACK_CONN_ID, _slack)):
            connection = _connection(conn_id)
            if connection is None:
                continue
            try:
                send(alert, connection, context)
                delivered.append(channel)
            except Exception as error:  # recorded with the alert; the other channel still goes
                log.exception("alert not delivered through %s", conn_id)
                errors.append(f"{channel}: {type(error).__name__}: {error}"[:500])
        alert_id = record_alert(alert, delivered, errors)
        log.warning(
            "alert %s raised (%s): %s", alert_id, ", ".join(delivered) or "alerts log only", alert.subject
        )


def _connection(conn_id: str) -> Any:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _mail(alert: Any, connection: Any, context: Any) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    recipients = [address.strip() for address in str(connection.extra_dejson.get("to", "")).split(",")]
    recipients = [address for address in recipients if address]
    if not recipients:
        raise ValueError(f"connection {SMTP_CONN_ID} names no recipients: set its extra 'to'")
    notifier = SmtpNotifier(
        to=recipients,
        subject=alert.subject,
        html_content=alert.html,
        smtp_conn_id=SMTP_CONN_ID,
    )
    # notify(), not __call__: the text is final, and rendering it as a Jinja template would
    # choke on (or run) braces that came from the data
    notifier.notify(context)


def _slack(alert: Any, connection: Any, context: Any) -> None:
    from airflow.providers.slack.notifications.slack_webhook import SlackWebhookNotifier

    text = f"*{alert.subject}*\n{alert.text}"
    notifier = SlackWebhookNotifier(slack_webhook_conn_id=SLACK_CONN_ID, text=text)
    notifier.notify(context)
