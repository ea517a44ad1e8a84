"""Tests of the DAGs under the real scheduler that share one Airflow session (conftest.py).

A package, not a plain folder: pytest ends a ``package``-scoped fixture after the package's
last test only when the folder is a package, so the session's components stop before the
next module's tests (which start Airflow of their own) instead of idling until the end.
"""
