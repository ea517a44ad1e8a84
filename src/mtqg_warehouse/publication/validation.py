"""Great Expectations checkpoints, defined from the suites in ``expectations/suites/*.yml``.

Suites are plain YAML (expectation type + kwargs) so they diff well in review; at run time
they become a GX file context in the state folder, whose Data Docs show the validations of
the publications still retained; retiring a publication prunes what GX kept about it.
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtqg_warehouse.config import state_dir
from mtqg_warehouse.publication import suites

log = logging.getLogger(__name__)

SUITES_DIR = suites.SUITES_DIR
DATASOURCE = "warehouse"


@dataclass(frozen=True)
class FailedCheck:
    suite: str
    expectation: str
    column: str | None
    observed: str
    name: str | None = None  # the check's name in its suite, for custom SQL checks
    expected: Any = None  # its range, set, pattern or (custom SQL) the rule in words
    failing_count: int | None = None  # all failing rows, counted in SQL
    failing_rows: list[dict[str, Any]] = field(default_factory=list)  # the first few, with file and row


@dataclass
class ValidationOutcome:
    success: bool
    checks_passed: int = 0
    checks_failed: int = 0
    failures: list[FailedCheck] = field(default_factory=list)
    data_docs: str | None = None

    def merged(self, other: ValidationOutcome) -> ValidationOutcome:
        """Two layers' outcomes as one verdict (the raw feeds' and the marts' suites)."""
        return ValidationOutcome(
            success=self.success and other.success,
            checks_passed=self.checks_passed + other.checks_passed,
            checks_failed=self.checks_failed + other.checks_failed,
            failures=[*self.failures, *other.failures],
            data_docs=other.data_docs or self.data_docs,
        )


def suite_specs(layer: str) -> list[dict]:
    return suites.suite_specs(layer)


def gx_project_dir() -> Path:
    return state_dir() / "gx"


def validate_schema(url: str, schema: str, layer: str = "marts") -> ValidationOutcome:
    """Run every suite of ``layer`` against build ``schema`` as one checkpoint, in the database.

    Table assets for the build's relations, query assets for the raw rows of the loads it adds:
    GX pushes every check down as SQL. The rows behind each failed check are then counted and
    kept in ``ops`` with their file and row (publication/failing_rows.py).
    """
    return _validate(url, schema, (layer,))


def validate_build(url: str, schema: str) -> ValidationOutcome:
    """The whole audit of a build: its models' suites, then the raw suites of the loads it adds.

    Both layers share one GX context and one Data Docs update: each costs seconds however few
    rows the build holds."""
    return _validate(url, schema, ("marts", "raw"))


def _validate(url: str, schema: str, layers: tuple[str, ...]) -> ValidationOutcome:
    # GX prints a warning each time it builds a custom SQL check without {batch} (ours name
    # their relation instead: suites.py), dozens of lines in every task log
    with contextlib.redirect_stdout(io.StringIO()):
        return _run_layers(url, schema, layers)


def _run_layers(url: str, schema: str, layers: tuple[str, ...]) -> ValidationOutcome:
    import great_expectations as gx

    by_layer = {layer: suites.suites(layer, schema) for layer in layers}
    if not any(by_layer.values()):
        return ValidationOutcome(success=True)
    context = _context()
    with _config_saved_once(context):
        source = _datasource(context, url)
        definitions = {
            layer: [_validation_definition(context, source, schema, suite) for suite in layer_suites]
            for layer, layer_suites in by_layer.items()
            if layer_suites
        }
    results = []
    for layer, layer_definitions in definitions.items():
        # one checkpoint per build and layer: its results stay in Data Docs beside earlier builds'
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=f"{layer}_checkpoint__{schema}",
                validation_definitions=layer_definitions,
                result_format={"result_format": "SUMMARY"},
            )
        )
        results.append((checkpoint.run(), {suite.name: suite for suite in by_layer[layer]}))
    _update_data_docs(context, [result for result, _ in results])
    outcome = ValidationOutcome(success=True)
    for result, by_name in results:
        outcome = outcome.merged(_outcome(result, context, url, schema, by_name))
    return outcome


def _update_data_docs(context, results: list) -> None:
    """Render this validation's pages and the index once, in one pass.

    What GX's UpdateDataDocsAction does, less its cost: the action rebuilds the index page
    (listing every retained result) and compiles its templates anew for each suite's result,
    fifteen times an audit; here the new results and their suites are rendered together."""
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    identifiers: list = []
    for result in results:
        for identifier, validation in result.run_results.items():
            identifiers += [identifier, ExpectationSuiteIdentifier(name=validation.suite_name)]
    context.build_data_docs(resource_identifiers=identifiers)


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
    # checkpoints and validation definitions are named `<name>__<publication schema>`; removed
    # by key, not through their factories, which load each object first: a checkpoint whose
    # definition names an asset already gone (a prune interrupted between the two, a state
    # folder restored beside another database) would fail to load and fail the publish
    for kind, store in (
        ("checkpoint", context.checkpoint_store),
        ("validation definition", context.validation_definition_store),
    ):
        for key in store.list_keys():
            name = key.to_tuple()[0]
            if name.rpartition("__")[2] in schemas:
                store.remove_key(key)
                removed.append(f"{kind} {name}")
    removed += _prune_assets(context, schemas)
    removed += _prune_results(context, schemas)
    if removed:
        log.info("pruned GX artefacts of %s: %s", ", ".join(sorted(schemas)), ", ".join(removed))
    return removed


def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from mtqg_warehouse.publication import gx_checks  # noqa: F401 (registers the suites' custom SQL check)

    context = gx.get_context(mode="file", project_root_dir=str(gx_project_dir()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    _without_config_variables(context)
    return context


def _without_config_variables(context) -> None:
    """Stop GX reading ``uncommitted/config_variables.yml``: the project keeps no variables
    there (the URL is handed in), yet GX re-reads and re-parses that file on every lookup of
    a context setting, hundreds of times an audit. Done once per project: the setting is saved."""
    path = context.variables.config_variables_file_path
    if not path:
        return
    (Path(context.root_directory) / path).unlink(missing_ok=True)
    context.variables.config_variables_file_path = None
    context.variables.save()


@contextlib.contextmanager
def _config_saved_once(context) -> Iterator[None]:
    """Write ``great_expectations.yml`` once for all the assets and batch definitions added here.

    GX rewrites the whole file, every retained publication's assets in it, after each asset
    and each batch definition it adds: thirty times a build. Its in-memory datasources are
    current meanwhile; the file is only their copy for the next process."""
    save = context._save_project_config
    calls: list[None] = []
    context._save_project_config = lambda: calls.append(None)
    try:
        yield
    finally:
        del context._save_project_config  # the class's own method again
        if calls:
            save()


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


def _validation_definition(context, source, schema: str, suite: suites.Suite):
    import great_expectations as gx

    asset_name = f"{schema}.{suite.name}" if suite.query else f"{schema}.{suite.relation}"
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        if suite.query:
            asset = source.add_query_asset(name=asset_name, query=suite.query.strip())
        else:
            asset = source.add_table_asset(
                name=asset_name, table_name=suite.relation, schema_name=suite.schema or schema
            )
    try:
        batch = asset.get_batch_definition("whole_table")
    except (KeyError, LookupError):
        batch = asset.add_batch_definition_whole_table("whole_table")
    gx_suite = context.suites.add_or_update(
        gx.ExpectationSuite(name=suite.name, expectations=[_expectation(check) for check in suite.checks])
    )
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{suite.name}__{schema}", data=batch, suite=gx_suite)
    )


def _expectation(check: suites.Check):
    import great_expectations as gx

    from mtqg_warehouse.publication import gx_checks

    extra: dict[str, Any] = {"meta": {"check": check.index}}
    if check.name:
        extra["description"] = check.name.replace("_", " ")
    if check.is_custom_sql:  # its query run once, not twice (gx_checks.py)
        return gx_checks.UnexpectedRowsCounted(**check.kwargs, **extra)
    return getattr(gx.expectations, check.gx_class)(**check.kwargs, **extra)


def _outcome(result, context, url: str, schema: str, by_name: dict[str, suites.Suite]) -> ValidationOutcome:
    outcome = ValidationOutcome(success=bool(result.success))
    failed = []
    for validation in result.run_results.values():
        suite = by_name[validation.suite_name]
        for check_result in validation.results:
            if check_result.success:
                outcome.checks_passed += 1
                continue
            outcome.checks_failed += 1
            check = suite.checks[int((check_result.expectation_config.meta or {})["check"])]
            failed.append((suite, check, _observed(check_result)))
    if failed:
        outcome.failures = _with_failing_rows(url, schema, failed)
    docs = context.get_docs_sites_urls()
    outcome.data_docs = docs[0]["site_url"] if docs else None
    return outcome


def _observed(check_result) -> str:
    """GX's observed value, or for a column check its failing share ("3 of 120 rows, 2.5%")."""
    found = check_result.result or {}
    if found.get("observed_value") is not None:
        return str(found["observed_value"])
    if found.get("unexpected_count") is not None:
        total = found.get("element_count")
        share = found.get("unexpected_percent")
        of = f" of {total}" if total is not None else ""
        pct = f", {share:.2f}%" if isinstance(share, int | float) else ""
        return f"{found['unexpected_count']}{of} rows{pct}"
    error = _error_of(check_result.exception_info)
    if error:
        return f"error: {error[:300]}"
    return "?"


def _error_of(info: Any) -> str | None:
    """GX keeps a check's exception as one dict, or as a dict of them keyed by metric."""
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    if isinstance(info, dict):
        return next((error for item in info.values() if (error := _error_of(_as_dict(item)))), None)
    return None


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else getattr(value, "to_json_dict", lambda: {})()


def _with_failing_rows(url: str, schema: str, failed: list) -> list[FailedCheck]:
    import psycopg

    from mtqg_warehouse.publication import failing_rows

    checks = []
    with psycopg.connect(url, autocommit=True) as conn:
        for suite, check, observed in failed:
            try:
                found = failing_rows.record(conn, suite, check, schema, observed)
            except psycopg.Error:  # the verdict stands even if its rows cannot be listed
                log.exception("could not list the failing rows of %s in %s", check.type, suite.name)
                found = failing_rows.FailingRows(0, [])
            checks.append(
                FailedCheck(
                    suite=suite.name,
                    expectation=check.type,
                    column=check.kwargs.get("column"),
                    observed=observed,
                    name=check.name,
                    expected=suites.expected_of(check),
                    failing_count=found.count if found.count or found.rows else None,
                    failing_rows=found.rows,
                )
            )
    return checks
