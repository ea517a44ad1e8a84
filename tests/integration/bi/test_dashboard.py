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
import subprocess
import sys
import time
import urllib.request
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


class SessionLost(Exception):
    """Superset answered 401 to the logged-in browser: its session cookie was not accepted."""


@pytest.fixture(scope="module")
def visit(served: Served, chromium: Any) -> BrowserVisit:
    """The dashboard as a logged-in person sees it. One CI run saw every API call after a
    successful login answer 401 (the session cookie refused), which no run here reproduced:
    such a visit is made once more in a new browser context, and a second loss fails with
    what the browser held, the clocks and the end of Superset's log."""
    lost: list[str] = []
    for _attempt in range(2):
        context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
        try:
            visited = _visit(context.new_page(), served)
        except SessionLost as error:
            lost.append(str(error))
            continue
        finally:
            context.close()
        if lost:  # said in the run's warnings summary, so a recurrence is seen and can be traced
            warnings.warn(f"Superset's session was lost once, the visit made again: {lost[0]}", stacklevel=1)
        return visited
    pytest.fail("the browser's Superset session was lost twice:\n" + "\n".join(lost) + _log_tail(served))


def _visit(page: Any, served: Served) -> BrowserVisit:
    screenshot = state_dir() / "superset" / "dashboard-test.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    session = _log_in(page, served)
    chart_data: dict[int, tuple[int, list[int]]] = {}
    page.on("response", lambda response: _record_chart_data(response, chart_data))
    page.goto(served.url)
    listed = session.get(f"/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
    charts = {chart["id"]: chart["slice_name"] for chart in listed["result"]}
    _wait_for(lambda: set(charts) <= set(chart_data), timeout=120)
    if any(status == 401 for status, _rows in chart_data.values()):
        raise session.lost("the dashboard's chart data")
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
        database_uris=_database_uris(session),
        sql_answers={sql: _sql_lab(session, sql) for sql in PROBES},
    )


@dataclass
class BrowserSession:
    """Superset's API as the logged-in page calls it (the page's cookies), and when it logged
    in, by the wall clock and the monotonic one: a session cookie carries its signing time,
    and a wall clock stepped back since then makes Superset refuse it."""

    page: Any
    base: str
    wall: float
    monotonic: float

    def get(self, path: str) -> dict:
        """An answer that must be 200 (401: the session was lost)."""
        response = self.page.request.get(f"{self.base}{path}")
        self._check_session(response, path)
        assert response.ok, f"{path}: {response.status} {response.text()}"
        return dict(response.json())

    def post(self, path: str, data: dict, headers: dict[str, str]) -> dict:
        """Whatever the answer (SQL Lab answers a refused query with an error status)."""
        response = self.page.request.post(f"{self.base}{path}", data=data, headers=headers)
        self._check_session(response, path)
        return dict(response.json())

    def _check_session(self, response: Any, path: str) -> None:
        if response.status == 401:
            raise self.lost(path)

    def lost(self, what: str) -> SessionLost:
        cookies = [(c["name"], c["domain"], c["expires"]) for c in self.page.context.cookies()]
        drift = (time.time() - self.wall) - (time.monotonic() - self.monotonic)
        clocks = f"the wall clock moved {drift:+.1f} s against the monotonic one"
        return SessionLost(f"401 for {what}; cookies {cookies}; {clocks}")


def _log_in(page: Any, served: Served) -> BrowserSession:
    page.goto(f"{served.base}/login/")
    page.fill("#username", served.username)
    page.fill("#password", served.password)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/superset/welcome/.*"), timeout=60_000)
    session = BrowserSession(page, served.base, time.time(), time.monotonic())
    session.get("/api/v1/me/")
    return session


def _log_tail(served: Served) -> str:
    log_file = Path(served.env["MTQG_STATE_DIR"]) / "superset" / "superset.log"
    text = log_file.read_text(errors="replace") if log_file.exists() else "(no log)"
    return f"\nthe end of {log_file}:\n{text[-4000:]}"


def _record_chart_data(response: Any, into: dict[int, tuple[int, list[int]]]) -> None:
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


def _wait_for(condition: Callable[[], bool], timeout: float) -> None:
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


def _database_uris(session: BrowserSession) -> list[str]:
    uris = []
    for database_id in session.get("/api/v1/database/")["ids"]:
        connection = session.get(f"/api/v1/database/{database_id}/connection")
        uris.append(connection["result"]["sqlalchemy_uri"])
    return uris


def _sql_lab(session: BrowserSession, sql: str) -> dict:
    """One statement through SQL Lab's API, on the dashboard's database, as the browser's session."""
    token = session.get("/api/v1/security/csrf_token/")["result"]
    database_id = session.get("/api/v1/database/")["ids"][0]
    return session.post(
        "/api/v1/sqllab/execute/",
        data={"database_id": database_id, "sql": sql, "runAsync": False},
        headers={"X-CSRFToken": token, "Referer": f"{session.base}/sqllab/"},
    )
