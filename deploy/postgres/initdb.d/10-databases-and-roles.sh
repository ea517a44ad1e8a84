#!/usr/bin/env bash
# First start of the PostgreSQL container only (docker-entrypoint-initdb.d): the databases and
# the login roles of the deployment. Passwords come from the container's environment
# (docker-compose.yml, from .env); none is written here. Later changes of a password:
# docs/operations/README.md#rotating-passwords.
#   warehouse  owned by mtqg       the pipeline's build role (loads, dbt, publish)
#   airflow    owned by airflow    Airflow's metadata (and Celery's task results)
#   superset   owned by superset   Superset's own metadata
#   bi_reader  login, no ownership reads the published `marts` schema of the warehouse only;
#              the publication step grants it `marts` after every publish
set -euo pipefail

: "${WAREHOUSE_DB_PASSWORD:?}" "${AIRFLOW_DB_PASSWORD:?}" "${SUPERSET_DB_PASSWORD:?}" "${BI_READER_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v warehouse_password="$WAREHOUSE_DB_PASSWORD" \
    -v airflow_password="$AIRFLOW_DB_PASSWORD" \
    -v superset_password="$SUPERSET_DB_PASSWORD" \
    -v reader_password="$BI_READER_PASSWORD" <<'SQL'
create role mtqg login password :'warehouse_password';
create role airflow login password :'airflow_password';
create role superset login password :'superset_password';
create role bi_reader login password :'reader_password';
create database warehouse owner mtqg;
create database airflow owner airflow;
create database superset owner superset;
-- a new database lets every role connect: only the owners (and the reader, to the warehouse)
revoke all on database warehouse, airflow, superset from public;
grant connect on database warehouse to bi_reader;
SQL

# the reader sees nothing but what is granted to it; the build role creates every schema
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname warehouse <<'SQL'
revoke create on schema public from public;
alter schema public owner to mtqg;
SQL
