"""Superset's configuration for this project (read through SUPERSET_CONFIG_PATH).

Everything that differs between machines comes from the environment, which
`mtqg_warehouse.bi` sets when it provisions and serves the dashboard: no secret is written
here. Superset runs in its own virtual environment, so this file imports only the standard
library.
"""

import os

# signs sessions and encrypts the stored database password: from the environment only
SECRET_KEY = os.environ["SUPERSET_SECRET_KEY"]
# Superset's own metadata (users, charts, dashboards): SQLite in the state folder by default
SQLALCHEMY_DATABASE_URI = os.environ["SUPERSET_METADATA_URI"]

# one process, local HTTP on 127.0.0.1: no Redis for rate limits, no HTTPS-only headers
RATELIMIT_STORAGE_URI = "memory://"
TALISMAN_ENABLED = False
# viewers log in; nothing is shown to anonymous visitors
PUBLIC_ROLE_LIKE = None

APP_NAME = "MTQG - Giảm nghèo bền vững"
# local HTTP on 127.0.0.1 only; a deployment behind HTTPS sets TALISMAN_ENABLED and its CSP
CONTENT_SECURITY_POLICY_WARNING = False
# ALLOW_ADHOC_SUBQUERY: charts filter on "the latest year" with a subquery on the same mart
# (the reader role confines every query to `marts`, whatever its SQL);
# DASHBOARD_VIRTUALIZATION off: every chart is drawn at once, not when scrolled to
FEATURE_FLAGS = {"ALLOW_ADHOC_SUBQUERY": True, "DASHBOARD_VIRTUALIZATION": False}
