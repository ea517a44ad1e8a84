"""The GX gate under the real scheduler: a batch that loads cleanly but fails its suites is not published.

A small generated city (2022-2023) is first loaded and published without Airflow (the CLI's
path, to keep the test cheap), holding back one ward's 2023 review. Then a batch with two
defects that pass loading: a bank file whose reported balance does not reconcile with its
events, loaded as the CLI loads it, and that ward's 2023 review with half of its 2022
households, ingested under the scheduler (the package's Airflow session). The review's asset
event schedules exactly one build, which reads both loads (each feed ingested through Airflow
would schedule a build of its own, a second dbt build and GX audit for no further check).
The build fails validation; `bi_reader` reads the previous publication unchanged (checksums);
the alert names each failed check, its observed value and the failing rows' files and rows;
the failing rows are in `ops`; Data Docs show the failed build.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.integration.airflow_session import SharedAirflow
from tests.integration.gate_batches import (
    HALVED_REVIEW,
    UNRECONCILED_BANK_FILE,
    WARD,
    deliver_halved_review,
    deliver_unreconciled_bank_file,
    generate_two_years,
    hold_back_review,
)

pytestmark = [pytest.mark.integration, pytest.mark.airflow]


def _publish_first_batch(inbox: Path, aside: Path) -> tuple[str, Path]:
    """Ward returns and cards of 2022-2023, one review held back, published without Airflow;
    returns the publication and the held-back review."""
    import shutil

    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication import steps

    generate_two_years(inbox)
    shutil.rmtree(inbox / "bank")  # the bank's daily files are many; this test needs none of them
    held = hold_back_review(inbox, aside)
    for feed in ("ward_returns", "insurance"):
        report = ingest_feed(feed, run_id="first-batch", strict=True)
        assert not report.quarantined and not report.refused
    schema = steps.build("first-batch")
    steps.audit(schema)
    steps.publish_build(schema)
    return schema, held


def _checksums(url: str) -> dict[str, str]:
    """Every published relation as `bi_reader` reads it, as one md5 of its sorted rows."""
    with psycopg.connect(url) as conn:
        views = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.views where table_schema = 'marts' order by 1"
            )
        ]
        sums = {}
        for view in views:
            query = sql.SQL(
                "select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from {} as t"
            )
            row = conn.execute(query.format(sql.Identifier("marts", view))).fetchone()
            assert row is not None
            sums[view] = row[0]
    return sums


def test_a_batch_that_fails_the_suites_is_not_published_and_the_alert_names_its_rows(
    scheduler: SharedAirflow, tmp_path: Path
) -> None:
    from mtqg_warehouse.ingest.run import ingest_feed
    from mtqg_warehouse.publication.reader_role import reader_url

    warehouse, state = scheduler.url, scheduler.state
    inbox = state / "inbox"
    first, held = _publish_first_batch(inbox, tmp_path / "aside")
    reader = reader_url(warehouse)
    assert reader is not None
    before = _checksums(reader)
    assert before and all(before.values())

    kept = deliver_halved_review(held, inbox)
    with psycopg.connect(warehouse) as conn:
        row = conn.execute(
            "select household_code from staging.stg_ward_returns__poverty_review "
            "where ward_code <> %s order by 1 limit 1",
            [WARD],
        ).fetchone()
        assert row is not None
        previous = conn.execute(
            "select count(*) from staging.stg_ward_returns__poverty_review "
            "where ward_code = %s and review_year = 2022",
            [WARD],
        ).fetchone()
    deliver_unreconciled_bank_file(inbox, row[0])
    report = ingest_feed("bank", run_id="second-batch", strict=True)
    assert report.loaded and not report.quarantined and not report.refused

    outcomes = scheduler.run(feeds=("ward_returns",), timeout=600)
    assert {(o.dag_id, o.state) for o in outcomes if o.dag_id != "build_warehouse"} == {
        ("ingest_ward_returns_feed", "success")
    }
    builds = [o.state for o in outcomes if o.dag_id == "build_warehouse"]
    assert builds == ["failed"], builds  # one build for the whole batch, and it fails the gate

    # not published: bi_reader reads the first publication, unchanged
    assert _checksums(reader) == before
    with psycopg.connect(warehouse) as conn:
        log = conn.execute("select build_schema, status from ops.publish_log order by 1").fetchall()
        failing = conn.execute(
            """select failure.check_name, failure.failing_count, kept.source_file, kept.row_number,
                      kept.ward_code
               from ops.validation_failures as failure
               join ops.validation_failing_rows as kept using (failure_id)
               where failure.build_schema = %s order by 1""",
            [log[-1][0]],
        ).fetchall()
    assert log[0] == (first, "published")
    assert log[-1][1] == "failed_validation"
    failed = log[-1][0]
    assert ("ward_review_shrank_against_previous", 1, HALVED_REVIEW, None, WARD) in failing
    assert ("outstanding_balance_does_not_reconcile", 1, UNRECONCILED_BANK_FILE, 3, row[0][:5]) in failing

    # the alert: each failed check, its observed value and expected range, the rows' files and rows
    alert = (state / "alerts" / "alerts.log").read_text(encoding="utf-8")
    english = alert.split("-" * 60)[-1]
    assert f"Validation failed: build {failed} was not published." in english
    assert f"Dashboards still show publication {first}, unchanged." in english
    assert (
        "unexpected_rows_expectation [ward_review_shrank_against_previous] (suite fct_household_status): "
        "observed 1; expected a ward's households in a review at least 0.6 of its previous review's"
    ) in english
    assert (
        f"file {HALVED_REVIEW}, sheet Rà soát, ward {WARD}: 2023: {kept} households, 2022: {previous[0]}"
        in (english)
    )
    assert (
        "unexpected_rows_expectation [outstanding_balance_does_not_reconcile] (suite stg_bank__loan_events)"
        in (english)
    )
    assert f"file {UNRECONCILED_BANK_FILE}, row 3" in english
    assert "Data Docs (validation report): file://" in english

    # Data Docs show the failed build's checks
    docs = state / "gx" / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = list((docs / "validations" / "fct_household_status").rglob(f"*{failed}*.html"))
    assert pages, "no Data Docs page for the failed build"
    assert "ward review shrank against previous" in pages[0].read_text(encoding="utf-8")
