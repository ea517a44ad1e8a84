"""`mtqg airflow-ui`: Airflow's UI on this machine, left running until `mtqg stop` (make stop)."""

from __future__ import annotations

import argparse


def add_parser(commands: argparse._SubParsersAction) -> None:
    commands.add_parser(
        "airflow-ui",
        help="start Airflow's api-server, scheduler, dag-processor and triggerer; print the URL and login",
    )


def run(args: argparse.Namespace) -> int:
    from mtqg_warehouse.db.connection import warehouse_url
    from mtqg_warehouse.orchestration.airflow_ui import start_ui

    ui = start_ui(warehouse_url())
    print(f"Airflow UI: {ui.url}\n  user: {ui.username}\n  password: {ui.password}")
    print("It keeps running (scheduler included: DAGs run on their schedules); `make stop` stops it.")
    return 0
