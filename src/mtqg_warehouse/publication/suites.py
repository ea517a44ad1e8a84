"""The suites of ``expectations/suites/*.yml`` as data, with one build's placeholders filled in.

A suite guards one relation of the build (``relation``, in the build schema unless ``schema``
names a shared one such as ``staging``) or one query (``query``: the raw rows of the loads the
build adds). Its checks are GX expectations (``type`` and ``kwargs``); thresholds are named
``params`` in the YAML, so reviewers change numbers, not code. Queries may use:

- ``{schema}``: the build schema being audited; ``{relation}``: the suite's own relation;
- ``{new_loads}``: the loads the build holds that the published one does not (for a schema
  that is not a registered build, e.g. a benchmark's, every current load);
- ``{build_loads}``: every load the build holds (what its staging read when dbt ran; staging
  itself shows the loads current now, which a concurrent load may have changed);
- ``{<param>}``: a threshold from the check's or the suite's ``params``;
- ``{shape_<name>}``: the loader's own pattern ``<NAME>_SHAPE`` of contracts/types.py (one
  definition of a CCCD or a card number), allowing the spaces a padded cell keeps in raw;
- ``{batch}``: left for GX (which puts a subquery of its batch there); the suites use
  ``{relation}`` instead, which reads the same in GX and in failing_rows.py.

``lineage`` says which columns of the guarded rows lead back to the file and row they came
from, so that publication/failing_rows.py can name the failing rows of a failed check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from mtqg_warehouse.config import PROJECT_ROOT

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
LAYERS = ("raw", "marts")
_PLACEHOLDER = re.compile(r"\{([a-z_]\w*)\}")
_BUILD_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]*$")
# kwargs that say which columns a check reads, not what it expects of them
SUBJECT_KWARGS = frozenset(
    {"column", "column_A", "column_B", "column_list", "result_format", "meta", "unexpected_rows_query"}
)


@dataclass(frozen=True)
class Lineage:
    """Columns of the guarded rows that lead to their delivery: ``load_id`` joins
    ``ops.load_audit`` (file, ward); ``sheet_of`` is the raw table whose sheet name the load
    recorded; ``row`` is the row number in that file or sheet."""

    load_id: str | None = None
    row: str | None = None
    ward: str | None = None
    sheet_of: str | None = None


@dataclass(frozen=True)
class Check:
    suite: str
    index: int
    type: str
    kwargs: dict[str, Any]
    name: str | None = None
    expected: Any = None  # what the alert says is expected, when kwargs cannot say it

    @property
    def gx_class(self) -> str:
        return "".join(part.capitalize() for part in self.type.split("_"))

    @property
    def is_custom_sql(self) -> bool:
        return self.type == "unexpected_rows_expectation"


@dataclass(frozen=True)
class Suite:
    name: str
    layer: str
    relation: str | None
    schema: str | None
    query: str | None
    lineage: Lineage
    checks: list[Check] = field(default_factory=list)

    def relation_sql(self, build_schema: str) -> str:
        """The guarded rows as SQL text usable in a from clause."""
        if self.query is not None:
            return f"({self.query})"
        return f'"{self.schema or build_schema}"."{self.relation}"'


@cache
def _specs() -> tuple[dict[str, Any], ...]:
    return tuple(
        yaml.safe_load(path.read_text(encoding="utf-8")) or {} for path in sorted(SUITES_DIR.glob("*.yml"))
    )


def suite_specs(layer: str | None = None) -> list[dict[str, Any]]:
    """The suites as written, in file order; of one layer when ``layer`` is given."""
    return [spec for spec in _specs() if layer is None or spec.get("layer") == layer]


def suites(layer: str, build_schema: str) -> list[Suite]:
    """The suites of ``layer`` ready to run against ``build_schema``."""
    if not _BUILD_SCHEMA.match(build_schema):
        raise ValueError(f"not a schema name a build uses: {build_schema!r}")
    return [_suite(spec, build_schema) for spec in suite_specs(layer)]


def _suite(spec: dict[str, Any], build_schema: str) -> Suite:
    name = spec["suite"]
    params = dict(spec.get("params") or {})
    checks = []
    for index, item in enumerate(spec.get("expectations") or []):
        values = {**params, **(item.get("params") or {})}
        values["relation"] = _relation_text(spec, build_schema)
        written = item.get("kwargs") or {}
        kwargs = {key: _render(value, build_schema, values) for key, value in written.items()}
        expected = item.get("expected")
        if isinstance(expected, str):
            expected = _render(expected, build_schema, values, keep_unknown=True)
        checks.append(Check(name, index, item["type"], kwargs, item.get("name"), expected))
    query = spec.get("query")
    return Suite(
        name=name,
        layer=spec["layer"],
        relation=spec.get("relation"),
        schema=spec.get("schema"),
        query=_render(query, build_schema, params) if query else None,
        lineage=Lineage(**(spec.get("lineage") or {})),
        checks=checks,
    )


def _relation_text(spec: dict[str, Any], build_schema: str) -> str:
    if spec.get("query"):
        return "(" + _render(spec["query"], build_schema, dict(spec.get("params") or {})) + ")"
    return f'"{spec.get("schema") or build_schema}"."{spec["relation"]}"'


def _render(value: Any, build_schema: str, params: dict[str, Any], keep_unknown: bool = False) -> Any:
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key == "batch":
            return match.group(0)
        if key == "schema":
            return f'"{build_schema}"'
        if key == "new_loads":
            return new_loads_sql(build_schema)
        if key == "build_loads":
            return build_loads_sql(build_schema)
        if key in params:
            return str(params[key])
        if key.startswith("shape_"):
            return contract_shape(key.removeprefix("shape_"))
        if keep_unknown:
            return match.group(0)
        raise KeyError(f"unknown placeholder {{{key}}} in suite text: {value[:80]!r}")

    return _PLACEHOLDER.sub(fill, value)


def contract_shape(name: str) -> str:
    """A value pattern of the contracts, padded cells allowed: ``cccd`` is CCCD_SHAPE."""
    from mtqg_warehouse.contracts import types

    shape = getattr(types, f"{name.upper()}_SHAPE")
    return rf"^\s*(?:{shape.removeprefix('^').removesuffix('$')})\s*$"


def build_loads_sql(build_schema: str) -> str:
    """The loads a build holds; for a schema no build registered, every current load."""
    literal = f"'{build_schema}'"
    return f"""(
        select held.load_id
        from ops.publication_loads as held
        inner join ops.publish_log as build on held.publication_id = build.publication_id
        where build.build_schema = {literal}
        union all
        select current_loads.load_id from ops.current_loads as current_loads
        where not exists (select from ops.publish_log where build_schema = {literal})
    )"""


def new_loads_sql(build_schema: str) -> str:
    """The loads a build adds to what readers see: held by it, not by the published one.

    For a schema no build registered (a benchmark's copy), every current load."""
    literal = f"'{build_schema}'"
    return f"""(
        select held.load_id
        from ops.publication_loads as held
        inner join ops.publish_log as build on held.publication_id = build.publication_id
        where build.build_schema = {literal}
          and held.load_id not in (
              select shown.load_id
              from ops.publication_loads as shown
              inner join ops.publish_log as pub on shown.publication_id = pub.publication_id
              where pub.status = 'published'
          )
        union all
        select current_loads.load_id from ops.current_loads as current_loads
        where not exists (select from ops.publish_log where build_schema = {literal})
    )"""


def expected_of(check: Check) -> Any:
    """What a check expects, as the alert states it: its range, set or pattern, else its text."""
    if check.expected is not None:
        return check.expected
    rest = {key: value for key, value in check.kwargs.items() if key not in SUBJECT_KWARGS}
    return rest or None
