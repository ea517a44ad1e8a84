"""The GX expectation a custom SQL check of the suites runs as, counting its rows once.

GX's ``UnexpectedRowsExpectation`` computes two metrics from its query: the count of the
rows, and the rows themselves (up to 200), which it only shows under result format
COMPLETE. Each runs the whole query, so every custom SQL check (reconciliations,
referential coverage, volume against the previous review: joins and aggregates over whole
facts) ran twice. Under the SUMMARY format the gate uses, the rows were thrown away; the
failing rows are listed by publication/failing_rows.py instead, all of them, with lineage.

Imported with GX (never at DAG parse time): its import registers the expectation, which any
GX context reading the stored suites needs.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation


class UnexpectedRowsCounted(UnexpectedRowsExpectation):
    """No row may be returned by ``unexpected_rows_query``; observed: how many were."""

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(
        self,
        metrics: dict,
        runtime_configuration: dict | None = None,
        execution_engine: Any = None,
    ) -> dict[str, Any]:
        count = metrics["unexpected_rows_query.row_count"]
        return {"success": count == 0, "result": {"observed_value": count}}
