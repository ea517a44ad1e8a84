"""The Superset dashboard, provisioned from the bundle in git and opened in a real headless browser.

Real parts only: the published demo (the session's `mtqg demo`: the demo city generated,
loaded through Airflow, built by dbt, audited by GX, published), Superset installed from its
lock and started by `mtqg dashboard` exactly as `make dashboard` does, Debian's chromium
driven by Playwright. The checks go through Superset's own API: the dashboard's charts, and
each chart's data request as the browser made it (status 200 and rows). The screenshot is
saved under the project's state folder (`.state/superset/dashboard-test.png`) for a person
to look at.

Cost: 5.5-6.5 minutes on two cores shared with other work (load average 6-12), about 45 s of
it CPU in its own processes, besides the demo the session runs once anyway (``demo_run``,
about 6 minutes); plus Superset's one-time install into `.state/superset/venv` (60-110 s,
reused by later runs and by `make dashboard`). Deselect with `-m "not superset"`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from mtqg_warehouse.bi.settings import BUNDLE_DIR, DASHBOARD_SLUG, PORT_VAR, VENV_VAR
from mtqg_warehouse.config import state_dir
from mtqg_warehouse.db.embedded import free_port

pytestmark = [pytest.mark.integration, pytest.mark.superset]

MTQG = str(Path(sys.executable).parent / "mtqg")
CHART_DATA = "/api/v1/chart/data"
# what Superset's connection may read (the published marts) and may not (ops, a build schema)
PROBES = {
    "select count(*) as n from marts.publication_info": True,
    "select count(*) as n from ops.load_audit": False,
    "select count(*) as n from reference.units": False,
}


def _chromium() -> str:
    """Debian's chromium, installed here when it is missing and we may (root with apt-get)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("chromium is not installed and this user cannot apt-get install it")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(install, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
        result = subprocess.run(install, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            pytest.skip(f"apt-get could not install chromium: {result.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but no `chromium` is on PATH")
    return found


@dataclass
class Served:
    url: str
    base: str
    username: str
    password: str
    output: str
    env: dict[str, str] = field(repr=False)


def _run(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([MTQG, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def published(demo_run) -> dict[str, str]:
    """The published demo, as `make dashboard` shows it after `make demo`: the session's one
    `mtqg demo` (``demo_run``, which the reporting-marts tests read too), its warehouse and
    state folder."""
    assert demo_run.exit_code == 0, demo_run.output
    return {
        **os.environ,
        "WAREHOUSE_URL": demo_run.url,
        "MTQG_STATE_DIR": str(demo_run.state),
        # the role is the server's: every test session uses the reader tests' password
        "BI_READER_PASSWORD": "bi-reader-test-password",
    }


@pytest.fixture(scope="module")
def served(published: dict[str, str]) -> Iterator[Served]:
    """`mtqg dashboard` (what `make dashboard` runs), with Superset's environment shared with
    the project's (installed once) and a port of its own; stopped again by `mtqg dashboard stop`."""
    env = {
        **published,
        VENV_VAR: os.environ.get(VENV_VAR) or str(state_dir() / "superset" / "venv"),
        PORT_VAR: str(free_port(18088)),
    }
    started = _run(["dashboard"], env)
    assert started.returncode == 0, started.stdout + started.stderr
    url = re.search(r"(http://127\.0\.0\.1:\d+/superset/dashboard/\S+)", started.stdout)
    login = re.search(r"login: (\S+) / (\S+)", started.stdout)
    assert url and login, started.stdout
    try:
        yield Served(
            url=url.group(1),
            base=url.group(1).split("/superset/")[0],
            username=login.group(1),
            password=login.group(2),
            output=started.stdout,
            env=env,
        )
    finally:
        _run(["dashboard", "stop"], env)


@dataclass
class BrowserVisit:
    """What the browser saw: each chart's data answer, the dashboard's charts per the API."""

    chart_data: dict[int, tuple[int, list[int]]]
    dashboard_charts: dict[int, str]
    text: str
    canvases: int
    canvases_expected: int
    screenshot: Path
    database_uris: list[str]
    sql_answers: dict[str, dict]


@pytest.fixture(scope="module")
def visit(served: Served) -> BrowserVisit:
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="PyPI playwright is not installed")
    screenshot = state_dir() / "superset" / "dashboard-test.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
            _log_in(page, served)
            chart_data: dict[int, tuple[int, list[int]]] = {}
            page.on("response", lambda response: _record_chart_data(response, chart_data))
            page.goto(served.url)
            listed = page.request.get(f"{served.base}/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
            assert listed.ok, listed.text()
            charts = {chart["id"]: chart["slice_name"] for chart in listed.json()["result"]}
            _wait_for(lambda: set(charts) <= set(chart_data), timeout=120)
            # every ECharts chart has drawn its canvas (tables draw none)
            drawn = sum(1 for chart in _bundle("charts") if chart["viz_type"].startswith("echarts"))
            _wait_for(lambda: page.locator("canvas").count() >= drawn, timeout=60)
            page.wait_for_load_state("networkidle")
            # the whole dashboard in the viewport, so the full-page shot does not resize it (a
            # resize makes the grid lay out again, and a shot taken then shows an empty grid)
            height = page.evaluate("document.documentElement.scrollHeight")
            page.set_viewport_size({"width": 1400, "height": height})
            _wait_for(lambda: page.locator("canvas").count() >= drawn, timeout=60)
            page.wait_for_timeout(1500)  # ECharts animates its first paint
            page.screenshot(path=str(screenshot), full_page=True)
            return BrowserVisit(
                chart_data=chart_data,
                dashboard_charts=charts,
                text=page.inner_text("body"),
                canvases=page.locator("canvas").count(),
                canvases_expected=drawn,
                screenshot=screenshot,
                database_uris=_database_uris(page, served),
                sql_answers={sql: _sql_lab(page, served, sql) for sql in PROBES},
            )
        finally:
            browser.close()


def _log_in(page, served: Served) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{served.base}/login/")
    page.fill("#username", served.username)
    page.fill("#password", served.password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/superset/welcome/.*"), timeout=60_000)


def _record_chart_data(response, into: dict[int, tuple[int, list[int]]]) -> None:  # type: ignore[no-untyped-def]
    if CHART_DATA not in response.url or response.request.method != "POST":
        return
    form_data = (response.request.post_data_json or {}).get("form_data") or {}
    if "slice_id" not in form_data:
        return
    try:
        results = response.json().get("result", [])
    except Exception:  # an error page instead of JSON: recorded as no rows
        results = []
    into[int(form_data["slice_id"])] = (response.status, [int(r.get("rowcount") or 0) for r in results])


def _wait_for(condition, timeout: float) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)


def _bundle(kind: str) -> list[dict]:
    paths = sorted((BUNDLE_DIR / kind).rglob("*.yaml"))
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in paths]


def test_make_dashboard_prints_the_url_and_login(served: Served) -> None:
    assert served.url.endswith(f"/superset/dashboard/{DASHBOARD_SLUG}/")
    assert "publication pub_" in served.output
    # a generated development password, kept in the state folder, never in the bundle
    assert len(served.password) >= 20
    for path in BUNDLE_DIR.parent.rglob("*"):
        if path.is_file():
            assert served.password not in path.read_text(encoding="utf-8", errors="replace")


def test_every_chart_of_the_dashboard_returned_rows(visit: BrowserVisit) -> None:
    assert set(visit.dashboard_charts.values()) == {chart["slice_name"] for chart in _bundle("charts")}
    for chart_id, name in visit.dashboard_charts.items():
        assert chart_id in visit.chart_data, f"{name}: the browser never asked for its data"
        status, rowcounts = visit.chart_data[chart_id]
        assert status == 200, f"{name}: chart data answered {status}"
        assert rowcounts and all(rows > 0 for rows in rowcounts), f"{name}: no rows ({rowcounts})"
    assert visit.canvases >= visit.canvases_expected, "not every ECharts chart drew its canvas"
    assert visit.screenshot.stat().st_size > 20_000


def test_the_dashboard_shows_vietnamese_titles_and_no_error(visit: BrowserVisit) -> None:
    for chart in _bundle("charts"):
        assert chart["slice_name"] in visit.text
    assert "Giảm nghèo bền vững" in visit.text
    for failure in ("Unexpected error", "No results were returned", "Error:", "Lỗi"):
        assert failure not in visit.text


def test_superset_reads_the_published_marts_only_as_reader(served: Served, visit: BrowserVisit) -> None:
    from mtqg_warehouse.publication.reader_role import READER_ROLE as reader

    assert visit.database_uris
    assert all(re.search(rf"//{reader}[:@]", uri) for uri in visit.database_uris), visit.database_uris
    for sql, allowed in PROBES.items():
        answer = visit.sql_answers[sql]
        if allowed:
            assert answer.get("status") == "success" and answer["data"] == [{"n": 1}], answer
        else:
            assert "permission denied" in json.dumps(answer), (sql, answer)


def test_make_stop_stops_superset(served: Served, visit: BrowserVisit) -> None:
    stopped = _run(["stop"], served.env)  # what `make stop` runs
    assert stopped.returncode == 0 and "stopped Superset" in stopped.stdout, stopped.stdout + stopped.stderr
    assert _run(["dashboard", "status"], served.env).stdout.strip() == "stopped"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{served.base}/health", timeout=5)


def _database_uris(page, served: Served) -> list[str]:  # type: ignore[no-untyped-def]
    listed = page.request.get(f"{served.base}/api/v1/database/")
    assert listed.ok, listed.text()
    uris = []
    for database_id in listed.json()["ids"]:
        connection = page.request.get(f"{served.base}/api/v1/database/{database_id}/connection")
        uris.append(connection.json()["result"]["sqlalchemy_uri"])
    return uris


def _sql_lab(page, served: Served, sql: str) -> dict:  # type: ignore[no-untyped-def]
    """One statement through SQL Lab's API, on the dashboard's database, as the browser's session."""
    token = page.request.get(f"{served.base}/api/v1/security/csrf_token/").json()["result"]
    database_id = page.request.get(f"{served.base}/api/v1/database/").json()["ids"][0]
    answer = page.request.post(
        f"{served.base}/api/v1/sqllab/execute/",
        data={"database_id": database_id, "sql": sql, "runAsync": False},
        headers={"X-CSRFToken": token, "Referer": f"{served.base}/sqllab/"},
    )
    return dict(answer.json())
