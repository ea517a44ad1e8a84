"""What makes `mtqg status` exit 1, decided from what it read (no database needed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from mtqg_warehouse.operations.status import Status, age, quarantined_files

PUBLISHED = {"publication_id": 4, "build_schema": "pub_00004"}


def _status(**changes) -> Status:
    base = {
        "last_loads": [],
        "waiting_rejections": [{"feed": "bank", "sender": "954", "files": 1, "rows_rejected": 3}],
        "publication": PUBLISHED,
        "latest_build": {"publication_id": 4, "build_schema": "pub_00004", "status": "published"},
        "open_alerts": [],
        "quarantined": {},
    }
    return Status(**(base | changes))


def test_rejections_alone_need_no_person() -> None:
    assert _status().problems() == []


def test_what_needs_a_person() -> None:
    failed_later = {"publication_id": 5, "build_schema": "pub_00005", "status": "failed_validation"}
    assert _status(latest_build=failed_later).problems() == [
        "the latest build pub_00005 ended failed_validation"
    ]
    assert _status(publication=None, latest_build=None).problems() == [
        "nothing is published: readers see no marts"
    ]
    assert _status(open_alerts=[{"alert_id": 1}]).problems() == ["1 open alert(s)"]
    assert _status(quarantined={"insurance": ["a.csv", "b.csv"]}).problems() == [
        "2 insurance file(s) in quarantine"
    ]


def test_a_failed_build_before_the_current_publication_is_history() -> None:
    failed_earlier = {"publication_id": 3, "build_schema": "pub_00003", "status": "failed_build"}
    assert _status(latest_build=failed_earlier).problems() == []


def test_no_alerts_table_is_not_a_problem() -> None:
    assert _status(open_alerts=None).problems() == []


def test_quarantine_lists_files_not_their_error_notes(tmp_path: Path) -> None:
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "abc_vbsp_954_20230501.csv").write_text("x")
    (folder / "abc_vbsp_954_20230501.csv.error.txt").write_text("why")
    assert quarantined_files(tmp_path) == {"bank": ["abc_vbsp_954_20230501.csv"]}


def test_age_reads_like_a_person_would_say_it() -> None:
    now = dt.datetime(2026, 1, 2, 12, tzinfo=dt.UTC)
    assert age(now - dt.timedelta(days=3, hours=1), now) == "3 d ago"
    assert age(now - dt.timedelta(minutes=5), now) == "5 min ago"
    assert age(now, now) == "just now"
    assert age(None, now) == "-"
