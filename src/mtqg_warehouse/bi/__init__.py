"""The BI tool: Apache Superset, its dashboard kept as code in `bi/superset/`, served locally.

Superset runs in a virtual environment of its own (its pins conflict with Airflow's); this
package installs, provisions, starts and stops it from the product's side.
"""
