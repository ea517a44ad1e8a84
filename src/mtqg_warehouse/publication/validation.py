"""Great Expectations checkpoints, defined from the suites in ``expectations/suites/*.yml``.

Suites are plain YAML (expectation type + kwargs) so they diff well in review; at run time
they become a GX file context in the state folder, whose Data Docs show the validations of
the publications still retained; retiring a publication prunes what GX kept about it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mtqg_warehouse.config import PROJECT_ROOT, state_dir

log = logging.getLogger(__name__)

SUITES_DIR = PROJECT_ROOT / "expectations" / "suites"
DATASOURCE = "warehouse"


@dataclass(frozen=True)
class FailedCheck:
    suite: str
    expectation: str
    column: str | None
    observed: str


@dataclass
class ValidationOutcome:
    success: bool
    checks_passed: int = 0
    checks_failed: int = 0
    failures: list[FailedCheck] = field(default_factory=list)
    data_docs: str | None = None


def suite_specs(layer: str) -> list[dict]:
    specs = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(SUITES_DIR.glob("*.yml"))]
    return [spec for spec in specs if spec["layer"] == layer]


def gx_project_dir() -> Path:
    return state_dir() / "gx"


def validate_schema(url: str, schema: str, layer: str = "marts") -> ValidationOutcome:
    """Run every suite of ``layer`` against the relations in ``schema`` as one checkpoint."""
    import great_expectations as gx

    context = _context()
    source = _datasource(context, url)
    definitions = [_validation_definition(context, source, schema, spec) for spec in suite_specs(layer)]
    # one checkpoint per build: its results stay in Data Docs beside earlier builds' until retired
    name = f"{layer}_checkpoint__{schema}"
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=name,
            validation_definitions=definitions,
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )
    result = checkpoint.run()
    return _outcome(result, context)


def prune_publications(schemas: Collection[str]) -> list[str]:
    """Forget retired publications in the GX file context; returns what was removed.

    Their checkpoints, validation definitions and table assets would otherwise pile up with
    every build, and their validation results and Data Docs pages would describe schemas that
    no longer exist. Removed in dependency order (checkpoints, definitions, assets, results),
    each only if present, so an interrupted prune is finished by the next one.
    """
    schemas = set(schemas)
    if not schemas or not (gx_project_dir() / "gx" / "great_expectations.yml").exists():
        return []
    context = _context()
    removed = []
    # checkpoints and validation definitions are named `<name>__<publication schema>`
    for kind, store, factory in (
        ("checkpoint", context.checkpoint_store, context.checkpoints),
        ("validation definition", context.validation_definition_store, context.validation_definitions),
    ):
        for name in _names(store):
            if name.rpartition("__")[2] in schemas:
                factory.delete(name)
                removed.append(f"{kind} {name}")
    removed += _prune_assets(context, schemas)
    removed += _prune_results(context, schemas)
    if removed:
        log.info("pruned GX artefacts of %s: %s", ", ".join(sorted(schemas)), ", ".join(removed))
    return removed


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=str(gx_project_dir()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _names(store) -> list[str]:
    """Names in a store, read from its keys: loading every object would fail on one orphan."""
    return [key.to_tuple()[0] for key in store.list_keys()]


def _prune_assets(context, schemas: set[str]) -> list[str]:
    """Table assets are named `<publication schema>.<relation>`."""
    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        return []
    removed = []
    for name in sorted(source.get_asset_names()):
        if name.partition(".")[0] in schemas:
            source.delete_asset(name)
            removed.append(f"asset {name}")
    return removed


def _prune_results(context, schemas: set[str]) -> list[str]:
    """Validation results name their batch `<datasource>-<asset>`; the Data Docs site is then
    rebuilt from the results that remain, GX having no call to remove one page."""
    store = context.validation_results_store
    stale = [
        key
        for key in store.list_keys()
        if str(key.batch_identifier).removeprefix(f"{DATASOURCE}-").partition(".")[0] in schemas
    ]
    for key in stale:
        store.remove_key(key.to_tuple())
    if stale:
        context.clean_data_docs()
        context.build_data_docs()
    return [f"{len(stale)} validation result(s) and their Data Docs pages"] if stale else []


def _datasource(context, url: str):
    """Keep the data source (and its assets) when the URL is unchanged: replacing it would
    orphan the validation definitions that earlier builds stored in the file context."""
    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = None
    if source is not None and str(source.connection_string) == url:
        return source
    return context.data_sources.add_or_update_postgres(name=DATASOURCE, connection_string=url)


def _validation_definition(context, source, schema: str, spec: dict):
    import great_expectations as gx

    asset_name = f"{schema}.{spec['relation']}"
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_table_asset(name=asset_name, table_name=spec["relation"], schema_name=schema)
    try:
        batch = asset.get_batch_definition("whole_table")
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_table("whole_table")
    suite = context.suites.add_or_update(
        gx.ExpectationSuite(
            name=spec["suite"],
            expectations=[_expectation(item) for item in spec["expectations"]],
        )
    )
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{spec['suite']}__{schema}", data=batch, suite=suite)
    )


def _expectation(item: dict):
    import great_expectations as gx

    class_name = "".join(part.capitalize() for part in item["type"].split("_"))
    return getattr(gx.expectations, class_name)(**item.get("kwargs", {}))


def _outcome(result, context) -> ValidationOutcome:
    outcome = ValidationOutcome(success=bool(result.success))
    for validation in result.run_results.values():
        for check in validation.results:
            config = check.expectation_config
            if check.success:
                outcome.checks_passed += 1
                continue
            outcome.checks_failed += 1
            outcome.failures.append(
                FailedCheck(
                    suite=validation.suite_name,
                    expectation=config.type,
                    column=config.kwargs.get("column"),
                    observed=str(check.result.get("observed_value", check.result.get("unexpected_count"))),
                )
            )
    docs = context.get_docs_sites_urls()
    outcome.data_docs = docs[0]["site_url"] if docs else None
    return outcome
