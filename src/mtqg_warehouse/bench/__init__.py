"""``make bench``: the project's loaders and generator measured against plain COPY, in one run.

The CLI (``mtqg bench``) calls :func:`main`; the heavy modules are imported only when it runs,
so importing the package stays cheap for ``mtqg --help`` and for Airflow's DAG parsing.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the last line on stdout is every figure as one JSON object."""
    from mtqg_warehouse.bench.harness import run

    return run(argv)


__all__ = ["main"]
