"""Warehouse for Vietnam's National Target Program on Sustainable Poverty Reduction.

The package holds every piece of logic the Airflow DAGs call, and never imports Airflow,
so each step can run from the CLI or a test without a scheduler.
"""
