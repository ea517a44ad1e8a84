"""The inbox by name: which files discover takes, what each delivery says about itself, which it
refuses (left in the inbox, the reason naming the file), and that taken names can be archived."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from mtqg_warehouse.contracts.model import load_contract
from mtqg_warehouse.ingest import files
from mtqg_warehouse.ingest.files import LONGEST_NAME_BYTES, NAME_MAX_BYTES, discover

FULLWIDTH_2023 = "\uff12\uff10\uff12\uff13"
ARABIC_INDIC_2023 = "\u0662\u0660\u0662\u0663"


def _inbox(tmp_path: Path, *names: str) -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(parents=True)
    for name in names:
        (inbox / name).write_bytes(b"x\n")
    return inbox


def _refused_one(feed: str, tmp_path: Path, name: str) -> str:
    inbox = _inbox(tmp_path, name)
    deliveries, refused = discover(load_contract(feed), inbox)
    assert deliveries == [] and len(refused) == 1
    assert (inbox / name).exists(), "a refused file stays in the inbox"
    return refused[0]


@pytest.mark.parametrize(
    ("feed", "name", "reason"),
    [
        ("bank", f"vbsp_954_{FULLWIDTH_2023}0102.csv", "non-ASCII"),
        ("bank", f"vbsp_954_{ARABIC_INDIC_2023}0102.csv", "non-ASCII"),
        ("ward_returns", f"ra_soat_31825_{FULLWIDTH_2023}.xlsx", "non-ASCII"),
        ("insurance", f"the_bhyt_95_{ARABIC_INDIC_2023}01.csv", "non-ASCII"),
        ("bank", "vbsp_954_20231399.csv", "not a real calendar date"),
        ("insurance", "the_bhyt_95_202313.csv", "not a real month"),
        ("ward_returns", "bao_cao_31825_202300.xlsx", "not a real month"),
        ("ward_returns", "ra_soat_31825_2023_v99999999999999999999.xlsx", "out of range"),
    ],
)
def test_names_the_contract_does_not_accept_are_refused_with_the_reason(
    tmp_path: Path, feed: str, name: str, reason: str
) -> None:
    entry = _refused_one(feed, tmp_path, name)
    assert entry.startswith(f"{name}: ") and reason in entry


def test_a_trailing_line_break_is_refused_and_shown_quoted(tmp_path: Path) -> None:
    entry = _refused_one("bank", tmp_path, "vbsp_954_20230102.csv\n")
    assert entry.startswith("'vbsp_954_20230102.csv\\n': ") and "control character" in entry
    assert "\n" not in entry


def test_a_name_too_long_to_archive_is_refused_before_loading(tmp_path: Path) -> None:
    """Leading zeros pad the version to a name the archive's prefix and sidecars push past
    the file system's 255-byte limit."""
    name = "ra_soat_31825_2023_v" + "0" * (LONGEST_NAME_BYTES - 25) + "2.xlsx"
    assert LONGEST_NAME_BYTES < len(name) <= NAME_MAX_BYTES
    entry = _refused_one("ward_returns", tmp_path, name)
    assert entry.startswith(f"{name}: ") and "too long" in entry


def test_the_longest_name_allowed_archives_with_its_sidecars(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The limit is right, not just small: a name of LONGEST_NAME_BYTES archives and gets
    both sidecar files on this file system; one byte more is refused."""
    name = "a" * LONGEST_NAME_BYTES
    assert files.name_problem(name) is None and files.name_problem(name + "a") is not None
    monkeypatch.setenv("MTQG_ARCHIVE_DIR", str(tmp_path / "archive"))
    inbox = _inbox(tmp_path, name)
    delivery = files._delivery(
        load_contract("bank"), inbox / name, load_contract("bank").file_names.parse("vbsp_954_20230102.csv")
    )
    archived = files.archive(delivery)
    for suffix in files.SIDECAR_SUFFIXES:
        archived.with_name(archived.name + suffix).write_text("ok", encoding="utf-8")
    assert len(archived.name.encode()) + max(map(len, files.SIDECAR_SUFFIXES)) == NAME_MAX_BYTES


def test_taken_names_carry_every_part_that_identifies_the_delivery(tmp_path: Path) -> None:
    inbox = _inbox(tmp_path, "ra_soat_31825_2023.xlsx", "bao_cao_31825_202305_v2.xlsx")
    (report, review), refused = discover(load_contract("ward_returns"), inbox)  # name order
    assert refused == []
    assert (report.kind, report.ward_code, report.sender_code, report.period, report.version) == (
        "bao_cao",
        "31825",
        "31825",
        "202305",
        2,
    )
    assert (review.kind, review.period, review.version) == ("ra_soat", "2023", 1)
    assert review.sha256 == report.sha256  # same bytes in both test files


def test_a_bank_correction_replaces_only_its_own_office(tmp_path: Path) -> None:
    """Office 955's file of the day is not the same delivery as office 954's, so 954's _02
    must not supersede it; the bank names no ward, so ward_code cannot tell them apart."""
    names = ["vbsp_954_20230102.csv", "vbsp_954_20230102_02.csv", "vbsp_955_20230102.csv"]
    first, correction, other = discover(load_contract("bank"), _inbox(tmp_path, *names))[0]
    assert first.delivery_key == correction.delivery_key == ("bank", None, "954", "20230102")
    assert other.delivery_key == ("bank", None, "955", "20230102")
    assert (first.version, correction.version, other.version) == (1, 2, 1)
    assert first.ward_code is None and other.sender_code == "955"


def test_each_province_is_its_own_insurance_delivery(tmp_path: Path) -> None:
    names = ["the_bhyt_94_202301.csv", "the_bhyt_95_202301.csv"]
    deliveries, _ = discover(load_contract("insurance"), _inbox(tmp_path, *names))
    assert [d.delivery_key for d in deliveries] == [
        ("insurance", None, "94", "202301"),
        ("insurance", None, "95", "202301"),
    ]


def test_a_backfill_takes_only_its_period(tmp_path: Path) -> None:
    names = ["vbsp_954_20230102.csv", "vbsp_954_20230201.csv", "notes.txt"]
    deliveries, refused = discover(load_contract("bank"), _inbox(tmp_path, *names), period="202302")
    assert [d.name for d in deliveries] == ["vbsp_954_20230201.csv"]
    assert len(refused) == 1 and refused[0].startswith("notes.txt: ") and "does not follow" in refused[0]


def _one_delivery(tmp_path: Path) -> files.Delivery:
    inbox = _inbox(tmp_path, "vbsp_954_20230102.csv")
    (delivery,) = discover(load_contract("bank"), inbox)[0]
    return delivery


def test_a_file_an_upload_holds_open_is_still_arriving_until_it_is_closed(tmp_path: Path) -> None:
    delivery = _one_delivery(tmp_path)
    with open(delivery.path, "ab"):  # the upload's handle, nothing written yet
        assert files.open_for_writing(delivery.path) is True
        assert delivery.still_arriving()
    assert files.open_for_writing(delivery.path) is False
    assert not delivery.still_arriving()
    with open(delivery.path, "rb"):  # a reader (a virus scanner, our own hashing) is no sender
        assert files.open_for_writing(delivery.path) is False


def test_where_the_kernel_cannot_tell_a_file_must_have_been_quiet_for_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "open_for_writing", lambda path: None)
    monkeypatch.setenv("MTQG_INBOX_QUIET_SECONDS", "30")
    fresh = _one_delivery(tmp_path / "fresh")
    assert fresh.still_arriving(), "written a moment ago"
    inbox = _inbox(tmp_path / "old", "vbsp_954_20230102.csv")
    a_minute_ago = time.time() - 60
    os.utime(inbox / "vbsp_954_20230102.csv", (a_minute_ago, a_minute_ago))
    (old,) = discover(load_contract("bank"), inbox)[0]
    assert not old.still_arriving()
    monkeypatch.setenv("MTQG_INBOX_QUIET_SECONDS", "0")
    assert not fresh.still_arriving()


@pytest.mark.parametrize("text", ["-1", "soon", "nan"])
def test_a_quiet_period_that_is_not_a_number_of_seconds_is_refused(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtqg_warehouse.config import inbox_quiet_seconds

    monkeypatch.setenv("MTQG_INBOX_QUIET_SECONDS", text)
    with pytest.raises(ValueError, match="MTQG_INBOX_QUIET_SECONDS"):
        inbox_quiet_seconds()
