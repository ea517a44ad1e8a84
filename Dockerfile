# The pipeline's image: the official Airflow image with this project installed from the lock.
# Every Airflow service of docker-compose.yml runs it. Build: docker compose build
# The tag's Airflow and Python versions are the locked ones (a test holds them to requirements.lock).
FROM apache/airflow:3.3.2-python3.11

# the project lives where its code expects its folders (config.PROJECT_ROOT: dbt_project/,
# expectations/, dags/ beside src/), installed editable so that root stays /opt/mtqg
USER root
RUN mkdir -p /opt/mtqg/.state && chown -R airflow:0 /opt/mtqg
USER airflow
WORKDIR /opt/mtqg

# dependencies first (the lock changes less often than the code), with the exact pins of CI
COPY --chown=airflow:0 requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock

COPY --chown=airflow:0 src ./src
COPY --chown=airflow:0 dags ./dags
COPY --chown=airflow:0 dbt_project ./dbt_project
COPY --chown=airflow:0 expectations ./expectations
RUN pip install --no-cache-dir --no-deps -e . \
    && python -m compileall -q src dags
