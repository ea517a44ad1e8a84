# The only entry point a newcomer needs: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE :=

.DEFAULT_GOAL := help

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==0.13.9
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -r requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode --no-deps -e .
	touch $(STAMP)

setup: $(STAMP) ## create the venv and install the pinned set (requirements.lock)

lock: ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo: $(STAMP) ## run the whole pipeline through Airflow on sample data and print what was published
	$(BIN)/mtqg demo

test: $(STAMP) ## lint and type-check, then run every test (unit, DAG hygiene, integration on PostgreSQL)
	$(MAKE) lint typecheck
	$(BIN)/pytest

test-unit: $(STAMP) ## the fast loop: unit tests only
	$(BIN)/pytest tests/unit

lint: $(STAMP) ## ruff and sqlfluff
	$(BIN)/ruff check src dags tests bench
	$(BIN)/ruff format --check src dags tests bench
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/macros

typecheck: $(STAMP) ## mypy on src/ (settings in pyproject.toml)
	$(BIN)/mypy

fmt: $(STAMP) ## format Python and SQL
	$(BIN)/ruff format src dags tests bench
	$(BIN)/ruff check --fix src dags tests bench
	$(BIN)/sqlfluff fix dbt_project/models

bench: $(STAMP) ## measure loaders and generator; last line is one JSON object
	$(BIN)/python -m bench

dashboard: $(STAMP) ## Superset with the dashboard on 127.0.0.1 (installed once into .state/superset); prints URL and login
	$(BIN)/mtqg dashboard

db-start: $(STAMP) ## start the embedded PostgreSQL (no-op when WAREHOUSE_URL is set)
	$(BIN)/mtqg db start

stop: $(STAMP) ## stop the embedded PostgreSQL, Superset and any Airflow component left running
	$(BIN)/mtqg stop

clean: ## remove the state folder (embedded database, Airflow home, logs)
	-$(BIN)/mtqg stop
	rm -rf .state

ci: test ## what CI should run: lint, typecheck, then every test

.PHONY: help setup lock demo test test-unit lint typecheck fmt bench dashboard db-start stop clean ci
