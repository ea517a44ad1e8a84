"""The compose deployment as the tests read it: the file, its variables, the env example."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from mtqg_warehouse.config import PROJECT_ROOT

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
# ${VAR}, ${VAR:?message}, ${VAR:-default}; $$ escapes a dollar for the container's shell
INTERPOLATION = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?\}")


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def services() -> dict[str, dict[str, Any]]:
    """The services with every variable replaced by a stand-in secret, as Compose would."""
    text = INTERPOLATION.sub("stand-in-secret", COMPOSE_FILE.read_text(encoding="utf-8"))
    return yaml.safe_load(text.replace("$$", "$"))["services"]


def interpolated_variables() -> set[str]:
    return set(INTERPOLATION.findall(COMPOSE_FILE.read_text(encoding="utf-8")))


def example_variables() -> dict[str, str]:
    """The variables .env.example declares, with the values it gives (mostly empty)."""
    declared = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            declared[name.strip()] = value.strip()
    return declared


def filled_env_file(folder: Path) -> Path:
    """.env.example with a stand-in value for every variable, as an operator's .env would be."""
    path = folder / "compose.env"
    lines = [f"{name}={value or 'stand-in-' + name.lower()}" for name, value in example_variables().items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def host_path(source: str) -> Path | None:
    """The repository path a bind mount or build context names (None for a named volume)."""
    if source.startswith(("./", "../", "/")) or source == ".":
        return (PROJECT_ROOT / source).resolve()
    return None
