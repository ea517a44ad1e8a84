"""Every command the operator's handbook (docs/operations/) names exists, as written.

Each `make`, `mtqg`, `airflow` and `docker compose` command in a code block or inline code is
parsed by the real thing: make targets against the Makefile, `mtqg` by the CLI's own parser,
`airflow` by Airflow's CLI parser (providers included), `docker compose` against the compose
file's services, with the command it runs inside a container checked the same way. DAG and task
ids must be the pipeline's. Placeholders (`<feed>`) stand for a real feed.
"""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
import yaml

from mtqg_warehouse.config import PROJECT_ROOT

HANDBOOK = sorted((PROJECT_ROOT / "docs" / "operations").glob("*.md"))
PROGRAMS = ("make", "mtqg", "airflow", "docker")
FENCED = re.compile(r"```[a-z]*\n(.*?)```", re.S)
INLINE = re.compile(r"`([^`\n]+)`")
SUBSTITUTION = re.compile(r"\$\(([^)]*)\)")
PLACEHOLDERS = {"<feed>": "bank", "<version>": "3.3.2"}
COMPOSE_OPTIONS_WITH_VALUE = {"-v", "--volume", "-e", "--env", "-u", "--user", "-w", "--workdir"}
COMPOSE_SUBCOMMANDS = {"up", "down", "exec", "run", "stop", "start", "restart", "ps", "logs", "build", "pull"}


def handbook_commands() -> list[tuple[str, str]]:
    """(file, command) for every command line of a known program in the handbook."""
    found = []
    for path in HANDBOOK:
        text = path.read_text(encoding="utf-8")
        snippets = [line for block in FENCED.findall(text) for line in block.splitlines()]
        snippets += INLINE.findall(FENCED.sub("", text))
        for snippet in snippets:
            for command in _commands_in(snippet):
                found.append((path.name, command))
    return found


def _commands_in(snippet: str) -> list[str]:
    snippet = snippet.split(" #")[0].strip()
    for placeholder, value in PLACEHOLDERS.items():
        snippet = snippet.replace(placeholder, value)
    inner = SUBSTITUTION.findall(snippet)
    parts = re.split(r"\|\||&&|[|;]", SUBSTITUTION.sub("X", snippet))
    commands = []
    for part in [*parts, *inner]:
        part = re.split(r"\s[<>]\s?", " " + part.strip())[0].strip()
        words = part.split()
        # a program with what it is asked to do ("docker compose" alone names the tool)
        if len(words) >= 2 + (words[:1] == ["docker"]) and words[0].removeprefix(".venv/bin/") in PROGRAMS:
            commands.append(part)
    return commands


COMMANDS = handbook_commands()


def test_the_handbook_names_commands() -> None:
    programs = {shlex.split(command)[0].removeprefix(".venv/bin/") for _, command in COMMANDS}
    assert programs == set(PROGRAMS), programs


@pytest.mark.parametrize(("page", "command"), COMMANDS, ids=[c for _, c in COMMANDS])
def test_command_exists(page: str, command: str) -> None:
    check(shlex.split(command))


def check(words: list[str]) -> None:
    program, args = words[0].removeprefix(".venv/bin/"), words[1:]
    {"make": _make, "mtqg": _mtqg, "airflow": _airflow, "docker": _docker}[program](args)


def _make(args: list[str]) -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in args:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"make {target}: no such target"


def _mtqg(args: list[str]) -> None:
    from mtqg_warehouse.cli.main import _parser

    _parse(_parser(), args, "mtqg")


def _airflow(args: list[str]) -> None:
    _parse(_airflow_parser(), args, "airflow")
    dag_ids = _dag_ids()
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("--dag-id", "-d"):
            assert value in dag_ids, f"no DAG {value}"
    if args[:2] in (["dags", "trigger"], ["dags", "unpause"], ["tasks", "clear"]):
        assert args[2] in dag_ids, f"no DAG {args[2]}"
    if "--task-regex" in args:
        assert args[args.index("--task-regex") + 1] in _task_ids()


def _docker(args: list[str]) -> None:
    assert args[0] == "compose", f"docker {args[0]}: only `docker compose` is used"
    subcommand, rest = args[1], args[2:]
    assert subcommand in COMPOSE_SUBCOMMANDS, f"docker compose {subcommand}"
    services = set(yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())["services"])
    if subcommand in ("exec", "run"):
        position = 0
        while rest[position].startswith("-"):
            position += 2 if rest[position] in COMPOSE_OPTIONS_WITH_VALUE else 1
        service, inner = rest[position], rest[position + 1 :]
        assert service in services, f"no service {service}"
        if inner and inner[0] in PROGRAMS and "..." not in inner:
            check(inner)
    elif subcommand in ("stop", "start", "restart", "logs", "build", "pull"):
        named = [word for word in rest if not word.startswith("-")]
        assert set(named) <= services, f"no service {set(named) - services}"


def _parse(parser, args: list[str], program: str) -> None:  # noqa: ANN001
    try:
        parser.parse_args(args)
    except SystemExit as refused:
        raise AssertionError(f"{program} {' '.join(args)}: refused by its parser") from refused


@cache
def _airflow_parser():  # noqa: ANN202
    from airflow.cli.cli_parser import get_parser

    return get_parser()


@cache
def _dag_ids() -> set[str]:
    from mtqg_warehouse.contracts.model import feeds
    from mtqg_warehouse.orchestration.ids import BUILD_DAG_ID, ingest_dag_id

    return {BUILD_DAG_ID, *(ingest_dag_id(feed) for feed in feeds())}


def _task_ids() -> set[str]:
    from mtqg_warehouse.orchestration import ids

    return {value for name, value in vars(ids).items() if name.endswith("_TASK")}


def test_the_checker_refuses_what_does_not_exist() -> None:
    for made_up in (
        "make deploy-everything",
        "mtqg explode now",
        "airflow dags explode x",
        "docker compose exec nosuch ls",
    ):
        with pytest.raises(AssertionError):
            check(shlex.split(made_up))


def test_pages_exist() -> None:
    assert [p.name for p in HANDBOOK if p.name == "README.md"], Path("docs/operations/README.md")
