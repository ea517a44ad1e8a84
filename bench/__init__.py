"""``make bench``: the project's loaders and generator measured against plain COPY, in one run.

Not part of the product: ``python -m bench`` (what ``make bench`` runs) calls :func:`main`.
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the last line on stdout is every figure as one JSON object."""
    from bench.harness import run

    return run(argv)


__all__ = ["main"]
